"""The ops port of a service process: cheap probes and metrics over HTTP.

    GET /livez    200 while the process runs and its event loop turns (no
                  database, no broker: a broker outage must not restart pods)
    GET /readyz   200 when the service's database and the broker answer and
                  its queue consumers consume (not reconnecting), else 503; JSON ``{"status": ..., "checks": {...}}``
    GET /metrics  the Prometheus text format (:mod:`shared.kit.metrics`)

``OPS_PORT`` (default 8081; ``0``: not served) and ``OPS_HOST`` (default
``0.0.0.0``) place it.  Each check answers within ``CHECK_TIMEOUT`` seconds.
"""

import json
import logging

import eventlet
import eventlet.semaphore
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.kit import amqp_connection, outbox
from shared.kit.consumers import consumers_of
from shared.kit.inbox import dead_letter_queue_name
from shared.kit.metrics import ServiceCollector

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 2


class BrokerCheck:
    """One small connection of its own that asks the broker about the
    service's queues (passive declares: nothing is created)."""

    def __init__(self, amqp_uri, name):
        self.amqp_uri = amqp_uri
        self.name = name
        self.connection = None
        self.channel = None
        self.lock = eventlet.semaphore.Semaphore(1)

    def _channel(self):
        if self.connection is None:
            self.connection = amqp_connection.connect(self.amqp_uri, name=self.name)
        if self.channel is None or not self.channel.is_open:
            self.channel = self.connection.channel()
        return self.channel

    def message_count(self, queue):
        """Messages ready in ``queue`` (0 when it does not exist)."""
        import amqp

        with self.lock, eventlet.Timeout(CHECK_TIMEOUT, TimeoutError("the broker did not answer in time")):
            try:
                return self._channel().queue_declare(queue, passive=True).message_count
            except amqp.exceptions.NotFound:
                self.channel = None  # the broker closed the channel
                return 0
            except BaseException:
                self.close()
                raise

    def ping(self):
        """The broker answers: on the kept connection, or else on a new one (a
        connection broken by a broker restart is no reason to be unready once
        the broker is back)."""
        with self.lock, eventlet.Timeout(CHECK_TIMEOUT, TimeoutError("the broker did not answer in time")):
            for attempt in (1, 2):
                try:
                    amqp_connection.keepalive(self._channel().connection)
                    return
                except amqp_connection.CONNECTION_ERRORS:
                    self.close()
                    if attempt == 2:
                        raise
                except BaseException:
                    self.close()
                    raise

    def close(self):
        amqp_connection.close_quietly(self.connection)
        self.connection = self.channel = None


class OpsServer(DependencyProvider):
    """Serves /livez, /readyz and /metrics from a green thread of the service."""

    def setup(self):
        config = self.container.config
        self.port = int(config.get("OPS_PORT", 8081) or 0)
        self.host = str(config.get("OPS_HOST", "0.0.0.0"))
        self.service = self.container.service_name
        self.broker = BrokerCheck(config["AMQP_URI"], f"{self.service}-ops")
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ServiceCollector(self.service, self._backlog, self._dead_lettered))
        self.socket = self.thread = None

    @property
    def pool(self):
        from shared.kit.db import Database

        for dependency in self.container.dependencies:
            if isinstance(dependency, Database):
                return dependency.pool
        return None

    def start(self):
        if not self.port:
            return
        self.socket = eventlet.listen((self.host, self.port))
        self.port = self.socket.getsockname()[1]
        self.thread = self.container.spawn_managed_thread(self._serve, identifier="ops-server")
        log.info("%s: ops port %s:%s (/livez /readyz /metrics)", self.service, self.host, self.port)

    def _serve(self):
        eventlet.wsgi.server(self.socket, self.app, log_output=False, debug=False, socket_timeout=10)

    def stop(self):
        if self.thread is not None:
            self.thread.kill()
        if self.socket is not None:
            self.socket.close()
        self.broker.close()

    kill = stop

    # -- checks ----------------------------------------------------------------
    def _database(self):
        pool = self.pool
        if pool is None:
            return
        with pool.connection(timeout=CHECK_TIMEOUT) as conn:
            conn.execute("SELECT 1")

    def _backlog(self):
        pool = self.pool
        if pool is None:
            return {"pending": 0, "oldest_seconds": None}
        with pool.connection(timeout=CHECK_TIMEOUT) as conn:
            return outbox.backlog(conn)

    def _consuming(self):
        away = [type(consumer).__name__ for consumer in consumers_of(self.container) if not consumer.consuming]
        if away:
            raise ConnectionError(f"not consuming yet: {', '.join(sorted(away))} (reconnecting to the broker)")

    def _dead_lettered(self):
        return self.broker.message_count(dead_letter_queue_name(self.service))

    def readiness(self):
        checks = {}
        for name, check in (("database", self._database), ("broker", self.broker.ping),
                            ("consumers", self._consuming)):
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                checks[name] = f"failed ({type(exc).__name__}: {exc})"[:300]
        ready = all(value == "ok" for value in checks.values())
        return ready, {"status": "ok" if ready else "unavailable", "service": self.service, "checks": checks}

    # -- HTTP -------------------------------------------------------------------
    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, 405, {"status": "method not allowed"})
        if path == "/livez":
            return _answer(start_response, 200, {"status": "ok", "service": self.service})
        if path == "/readyz":
            ready, body = self.readiness()
            return _answer(start_response, 200 if ready else 503, body)
        if path == "/metrics":
            text = generate_latest(REGISTRY) + generate_latest(self.registry)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(text)))])
            return [text]
        return _answer(start_response, 404, {"status": "not found", "paths": ["/livez", "/readyz", "/metrics"]})


def _answer(start_response, status, body):
    data = json.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
