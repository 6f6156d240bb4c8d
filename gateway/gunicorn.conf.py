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
# Each worker proves it is alive by touching a temporary file after every
# request; on a disk-backed /tmp that is a slow system call per request, so
# the file lives in memory (/dev/shm, as gunicorn's documentation advises for
# containers) where there is one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Remote address, request line, status, bytes, duration (ms) and the
# correlation id the gateway echoes in X-Request-ID.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'

# How often (seconds) Python may hand the interpreter from one thread to
# another.  A request moves between gthread's main loop and a worker thread
# twice; with the default 5 ms a waiting thread can sit that long behind a
# busy one.  1 ms measured: p50 at one connection 4.1 -> 3.4 ms, and 15 %
# more requests per second at 16 (make bench).
SWITCH_INTERVAL = float(os.environ.get("GATEWAY_SWITCH_INTERVAL", "0.001"))


def post_worker_init(worker):
    import sys

    sys.setswitchinterval(SWITCH_INTERVAL)
