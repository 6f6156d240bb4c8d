"""A thread-safe pool of started nameko RPC proxies.

``ClusterRpcProxy`` is not thread-safe and takes about 10 ms to start (a
connection, a channel and a reply queue), so each gateway process keeps up to
``size`` started proxies in a ``queue.Queue``; a request borrows one for its
calls and gives it back.  Proxies start lazily, so the gateway comes up while
the broker is down (``/ready`` says so).  A proxy that hit a connection error
or a timeout (a late reply could still arrive on its queue) is stopped and
replaced by a fresh one on demand.

Every call carries the current trace context and correlation id in the
proxy's worker context data, which nameko sends as ``nameko.*`` headers, so
the service's span is a child of the HTTP request's span.

    with rpc_pool.cluster() as cluster:
        lead = cluster.leads.get_lead(lead_id)
    lead = rpc_pool.call("leads", "get_lead", lead_id)
"""

import collections
import contextlib
import logging
import queue
import socket
import threading
import time

import amqp.exceptions
import kombu.exceptions
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from shared.kit.context import outgoing_headers

log = logging.getLogger(__name__)

CONNECTION_ERRORS = (OSError, socket.error, amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError,
                     kombu.exceptions.OperationalError, kombu.exceptions.ConnectionError)
# A proxy idle longer than this is probed before use (a broker restart closes
# idle connections; without the probe the first call would wait for a reply
# that can no longer arrive).
PROBE_AFTER_IDLE_SECONDS = 5.0


class RpcUnavailable(Exception):
    """The service could not be asked or did not answer in time (HTTP 503)."""

    def __init__(self, detail, reason=None, retry_after=5):
        super().__init__(detail)
        self.detail = detail
        self.reason = reason or detail
        self.retry_after = retry_after


def _is_connection_error(exc):
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    # nameko's standalone consumer reports a lost connection as RuntimeError.
    return isinstance(exc, RuntimeError) and "consumer" in str(exc) and "used" in str(exc)


class _Pooled:
    def __init__(self, proxy, cluster):
        self.proxy = proxy
        self.cluster = cluster
        self.returned_at = time.monotonic()

    @property
    def consumer(self):
        return self.proxy._reply_listener.queue_consumer

    def alive(self):
        """Cheap check of the reply connection: reads whatever is pending
        without waiting; a closed connection raises."""
        try:
            connection = self.consumer.connection
            if not connection.connected:
                return False
            connection.drain_events(timeout=0.001)
        except TimeoutError:
            return True
        except Exception:  # noqa: BLE001 - any failure: replace the proxy
            return False
        return True

    def stop(self):
        try:
            self.proxy.stop()
        except Exception:
            log.debug("stopping a broken RPC proxy failed", exc_info=True)


class RpcPool:
    def __init__(self, config, size=8, timeout=30, borrow_timeout=None, proxy_factory=ClusterRpcProxy):
        self.config = config
        self.size = max(1, int(size))
        self.timeout = timeout
        self.borrow_timeout = timeout if borrow_timeout is None else borrow_timeout
        self._factory = proxy_factory
        self._idle = queue.Queue()
        self._lock = threading.Lock()
        self._created = 0
        self._closed = False
        self.probe_after_idle = PROBE_AFTER_IDLE_SECONDS

    # -- lifecycle ---------------------------------------------------------
    def _start_one(self):
        proxy = self._factory(self.config, timeout=self.timeout)
        try:
            cluster = proxy.start()
        except Exception as exc:
            with self._lock:
                self._created -= 1
            raise RpcUnavailable(
                "The message broker cannot be reached; try again shortly.",
                reason=f"starting an RPC proxy failed: {type(exc).__name__}: {exc}",
            ) from exc
        return _Pooled(proxy, cluster)

    def _borrow(self, wait):
        if self._closed:
            raise RpcUnavailable("The gateway is shutting down.", retry_after=1)
        while True:
            try:
                item = self._idle.get_nowait()
            except queue.Empty:
                break
            if time.monotonic() - item.returned_at < self.probe_after_idle or item.alive():
                return item
            self._discard(item)
        with self._lock:
            create = self._created < self.size
            if create:
                self._created += 1
        if create:
            return self._start_one()
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise RpcUnavailable(
                "The gateway is too busy; try again shortly.", reason=f"no free RPC proxy within {wait}s"
            ) from None

    def _give_back(self, item):
        if self._closed:
            self._discard(item)
            return
        item.returned_at = time.monotonic()
        self._idle.put(item)

    def _discard(self, item):
        with self._lock:
            self._created -= 1
        item.stop()

    def close(self):
        """Stop every idle proxy; borrowed ones are stopped when returned."""
        self._closed = True
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except queue.Empty:
                return

    @property
    def started(self):
        return self._created

    # -- calls ---------------------------------------------------------------
    @contextlib.contextmanager
    def cluster(self, timeout=None):
        """Borrow a started proxy; ``timeout`` (seconds) overrides the
        pool's for the calls made in this block."""
        wait = self.borrow_timeout if timeout is None else timeout
        item = self._borrow(wait)
        data = item.proxy._worker_ctx.data
        data.clear()
        data.update(outgoing_headers())
        consumer = item.consumer
        if timeout is not None:
            consumer.timeout = timeout
        broken = True
        try:
            yield item.cluster
            broken = False
        except RpcTimeout as exc:
            raise RpcUnavailable(
                "The service did not answer in time; try again shortly.", reason=f"RPC timeout after {exc}s"
            ) from exc
        except UnknownService as exc:
            broken = False
            raise RpcUnavailable(
                "The service is not running; try again shortly.", reason=str(exc)
            ) from exc
        except Exception as exc:
            if _is_connection_error(exc):
                raise RpcUnavailable(
                    "The message broker cannot be reached; try again shortly.",
                    reason=f"RPC connection error: {type(exc).__name__}: {exc}",
                ) from exc
            broken = False  # an error the service raised: the proxy is fine
            raise
        finally:
            data.clear()
            consumer.timeout = self.timeout
            if broken:
                self._discard(item)
            else:
                self._give_back(item)

    def call(self, service, method, *args, timeout=None, **kwargs):
        with self.cluster(timeout=timeout) as cluster:
            return getattr(cluster[service], method)(*args, **kwargs)

    def call_pipelined(self, service, method, calls, in_flight=2, timeout=None):
        """``method(*args)`` for each ``args`` of ``calls`` (consumed lazily)
        over one proxy, with up to ``in_flight`` calls outstanding so the
        service works while the next one is prepared; returns the results in
        order.  When ``calls`` raises, the outstanding calls finish first."""
        results, pending = [], collections.deque()
        with self.cluster(timeout=timeout) as cluster:
            target = getattr(cluster[service], method)
            try:
                for args in calls:
                    pending.append(target.call_async(*args))
                    if len(pending) >= in_flight:
                        results.append(pending.popleft().result())
            finally:
                while pending:
                    results.append(pending.popleft().result())
        return results
