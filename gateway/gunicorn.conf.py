"""gunicorn settings of the gateway: ``gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'``.

Plain threads (gthread), no eventlet: the gateway keeps a pool of started RPC
proxies and a psycopg pool, both thread-safe.  Each worker process builds its
own app (no preload), so nothing opened before the fork is shared.
"""

import os

bind = os.environ.get("GATEWAY_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GATEWAY_THREADS", "8"))
# SIGTERM: stop accepting, let running requests finish for up to 30 s.
graceful_timeout = 30
# gthread workers heartbeat from their main loop, so a slow request does not
# trip this; it only catches a wedged worker.
timeout = 60
keepalive = 5
# The longest request line gunicorn takes (its maximum; the default is
# 4094): every query string the API documents fits (tests/gateway/test_openapi.py).
limit_request_line = 8190
# gunicorn's control socket would be created under $HOME, which is read-only
# (or missing) in the container; nothing here uses gunicornc.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Remote address, request line, status, bytes, duration (ms) and the
# correlation id the gateway echoes in X-Request-ID.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
