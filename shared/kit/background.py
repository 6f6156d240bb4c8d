"""A managed green thread that loops until the container stops, retrying with
backoff when the database or broker fails.  Subclasses implement ``serve``.

Nothing a loop raises stops the service: an expected failure (the database
or broker out of reach) is logged in one line and retried; anything else is
logged with its traceback, counted (``crm_background_failures_total``), and
retried after the same backoff.  Work that can fail on its own (one import
job) should catch its own errors and record them on the job."""

import logging
import time

import amqp
import eventlet
import psycopg
from nameko.extensions import DependencyProvider

from shared.kit import metrics
from shared.kit.db import make_pool

log = logging.getLogger(__name__)

# A loop that served this long before failing was healthy: its next retry is quick.
HEALTHY_SECONDS = 60

RETRYABLE = (psycopg.Error, OSError, amqp.exceptions.AMQPError)


class BackgroundLoop(DependencyProvider):
    identifier = "background"
    retry_on = RETRYABLE

    def setup(self):
        self.running = False
        self.thread = None

    @property
    def enabled(self):
        return True

    def start(self):
        if self.enabled:
            self.running = True
            self.thread = self.container.spawn_managed_thread(self._run, identifier=self.identifier)

    def stop(self):
        self.running = False
        if self.thread is not None:
            self.thread.wait()

    def kill(self):
        self.running = False
        if self.thread is not None:
            self.thread.kill()

    def get_dependency(self, worker_ctx):
        return self

    def _run(self):
        backoff = 0.5
        while self.running:
            started = time.monotonic()
            try:
                self.serve()
                backoff = 0.5
            except Exception as exc:
                if time.monotonic() - started > HEALTHY_SECONDS:
                    backoff = 0.5  # a failure after a good run starts the backoff afresh
                service = self.container.service_name
                metrics.BACKGROUND_FAILURES.labels(service, self.identifier, type(exc).__name__).inc()
                if isinstance(exc, self.retry_on):
                    log.warning("%s: %s; retrying in %.1fs", self.identifier, exc, backoff)
                else:
                    log.exception("%s failed unexpectedly; retrying in %.1fs", self.identifier, backoff)
                self.sleep(backoff)
                backoff = min(backoff * 2, 10)

    def sleep(self, seconds):
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            eventlet.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def serve(self):
        raise NotImplementedError


class PooledLoop(BackgroundLoop):
    """A loop with a connection pool of its own (``self.pool``, one
    autocommit connection on the service's schema: the loop opens its own
    transactions), opened by ``open_pool()`` in ``serve`` and closed when the
    container stops.  Subclasses holding more (an RPC client) extend
    ``close_resources``."""

    def setup(self):
        super().setup()
        self.pool = None

    def stop(self):
        super().stop()
        self.close_resources()

    def kill(self):
        super().kill()
        self.close_resources()

    def open_pool(self):
        if self.pool is None:
            config = self.container.config
            self.pool = make_pool(config["DATABASE_URL"], config["DB_SCHEMA"], min_size=1, max_size=1,
                                  name=self.identifier, autocommit=True)
        return self.pool

    def close_resources(self):
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def wait_for_notify(conn, seconds):
    """Block (cooperatively) until a NOTIFY arrives on a LISTENed channel or
    ``seconds`` pass."""
    for _ in conn.notifies(timeout=seconds, stop_after=1):
        pass
