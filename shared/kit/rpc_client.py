"""A thread-safe RPC client for processes outside the services (the gateway
under gunicorn, command-line tools, tests, benchmarks).

It speaks nameko's RPC protocol (exchange ``nameko-rpc``, routing key
``<service>.<method>``, a JSON body ``{"args": [...], "kwargs": {...}}``,
context in ``nameko.*`` headers, the reply ``{"result": ..., "error": ...}``
matched by correlation id), but keeps its connections: each of up to
``size`` connections has one channel, made once and reused by one caller at
a time, and takes its replies through RabbitMQ's direct reply-to (no reply
queue; the services' replier answers on the default exchange).  Requests are transient messages
without publisher confirms: a lost request is already an error its caller
sees (a timeout, 503), and a call to a service that has no queue comes back
at once as a returned message (``mandatory``) instead of waiting out the
timeout.

    client = RpcClient(amqp_uri, timeout=30)
    lead = client.call("leads", "get_lead", lead_id)
    lead = client.leads.get_lead(lead_id)

Every call carries the current trace context and correlation id
(``shared.kit.context.outgoing_headers``) and the ``context`` given.
"""

import collections
import contextlib
import logging
import queue
import threading
import time
import uuid

import amqp
from nameko.exceptions import deserialize

from shared.kit import amqp_connection
from shared.kit.context import outgoing_headers
from shared.kit.errors import register_domain_errors
from shared.kit.jsonio import dumps_message, loads_message

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
HEADER_PREFIX = "nameko."
# A connection idle longer than this is checked before use: a broker restart
# closes idle connections, and a request written into a dead one would wait
# out the whole timeout.
CHECK_AFTER_IDLE_SECONDS = 5.0


class RpcUnavailable(Exception):
    """The service could not be asked or did not answer in time (HTTP 503).

    ``ambiguous``: the request may have reached the service (a timeout, or
    the connection broke after it was sent), so it may have run."""

    def __init__(self, detail, reason=None, retry_after=5, ambiguous=False):
        super().__init__(detail)
        self.detail = detail
        self.reason = reason or detail
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class RemoteError(Exception):
    """The service failed with an error that is not one of the suite's
    registered domain errors (a bug, or a crash): HTTP 502."""

    def __init__(self, exc_type=None, value=None):
        super().__init__(f"{exc_type} {value}")
        self.exc_type = exc_type
        self.value = value


def _error(data):
    register_domain_errors()  # subclasses defined since the last call, too
    exc = deserialize(data)
    if type(exc).__name__ == "RemoteError" and not isinstance(exc, RemoteError):
        return RemoteError(getattr(exc, "exc_type", None), getattr(exc, "value", None))
    return exc


def _from_service(exc):
    """An error a service answered with (the connection is fine)."""
    return getattr(exc, "crm_from_service", False)


class _Returned(Exception):
    pass


class RpcConnection:
    """One broker connection with its reply queue; used by one thread at a time."""

    def __init__(self, amqp_uri, exchange=RPC_EXCHANGE, name="crm-rpc-client"):
        self.exchange = exchange
        self.connection = amqp_connection.connect(amqp_uri, name=name)
        try:
            self.channel = self.connection.channel()
            self.channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            # RabbitMQ's direct reply-to: replies come back on this channel
            # without a reply queue (nor its binding) to create and route through.
            self.channel.basic_consume(DIRECT_REPLY_TO, no_ack=True, callback=self._on_reply)
            self.channel.events["basic_return"].add(self._on_return)
        except BaseException:
            amqp_connection.close_quietly(self.connection)
            raise
        self.routing_key = DIRECT_REPLY_TO
        self.replies = {}
        self.waiting = set()
        self.returned_at = time.monotonic()

    def _on_reply(self, message):
        correlation_id = message.properties.get("correlation_id")
        if correlation_id in self.waiting:
            self.replies[correlation_id] = message.body

    def _on_return(self, exc, exchange, routing_key, message):
        correlation_id = message.properties.get("correlation_id")
        if correlation_id in self.waiting:
            self.replies[correlation_id] = _Returned(routing_key)

    def send(self, service, method, args, kwargs, headers):
        correlation_id = uuid.uuid4().hex
        body = dumps_message({"args": list(args), "kwargs": kwargs})
        message = amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                               reply_to=self.routing_key, correlation_id=correlation_id, delivery_mode=1,
                               application_headers={HEADER_PREFIX + key: value for key, value in headers.items()
                                                    if value is not None})
        self.waiting.add(correlation_id)
        self.channel.basic_publish(message, exchange=self.exchange, routing_key=f"{service}.{method}",
                                   mandatory=True)
        return correlation_id

    def wait(self, correlation_id, deadline):
        """The reply body, _Returned, or TimeoutError."""
        try:
            while correlation_id not in self.replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self.connection.drain_events(timeout=remaining)
            return self.replies.pop(correlation_id)
        finally:
            self.waiting.discard(correlation_id)
            self.replies.pop(correlation_id, None)

    def usable(self):
        """Read what is pending without waiting (a closed connection raises)
        and keep heartbeats going."""
        try:
            amqp_connection.keepalive(self.connection)
        except amqp_connection.CONNECTION_ERRORS:
            return False
        return True

    def close(self):
        amqp_connection.close_quietly(self.connection)


class _Service:
    def __init__(self, client, name):
        self._client, self._name = client, name

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._client.call(self._name, method, *args, **kwargs)


class RpcClient:
    def __init__(self, amqp_uri, timeout=30, size=8, borrow_timeout=None, exchange=RPC_EXCHANGE,
                 name="crm-rpc-client", on_call=None):
        """``on_call(service, method, seconds, outcome)``: called after each
        call (metrics); ``outcome`` is ok, error (a domain or remote error)
        or unavailable."""
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.size = max(1, int(size))
        self.borrow_timeout = timeout if borrow_timeout is None else borrow_timeout
        self.exchange = exchange
        self.name = name
        self.on_call = on_call
        self._idle = queue.LifoQueue()
        self._lock = threading.Lock()
        self._created = 0
        self._closed = False
        self.check_after_idle = CHECK_AFTER_IDLE_SECONDS

    # -- connections ---------------------------------------------------------
    def _open(self):
        try:
            return RpcConnection(self.amqp_uri, self.exchange, self.name)
        except BaseException as exc:
            with self._lock:
                self._created -= 1
            raise RpcUnavailable("The message broker cannot be reached; try again shortly.",
                                 reason=f"connecting to the broker failed: {type(exc).__name__}: {exc}") from exc

    def _borrow(self, wait):
        if self._closed:
            raise RpcUnavailable("Shutting down.", retry_after=1)
        while True:
            try:
                item = self._idle.get_nowait()
            except queue.Empty:
                break
            if time.monotonic() - item.returned_at < self.check_after_idle or item.usable():
                return item
            self._discard(item)
        with self._lock:
            create = self._created < self.size
            if create:
                self._created += 1
        if create:
            return self._open()
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise RpcUnavailable("Too busy; try again shortly.", reason=f"no free RPC connection within {wait}s") \
                from None

    def _give_back(self, item):
        if self._closed:
            self._discard(item)
            return
        item.returned_at = time.monotonic()
        self._idle.put(item)

    def _discard(self, item):
        with self._lock:
            self._created -= 1
        item.close()

    @property
    def started(self):
        """Connections open now (idle or in use)."""
        return self._created

    def close(self):
        """Close every idle connection; those in use close when given back."""
        self._closed = True
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except queue.Empty:
                return

    # -- calls -----------------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self, timeout):
        """Borrow a connection; one that failed (RpcUnavailable, or anything
        but a service's error) is closed instead of given back."""
        item = self._borrow(self.borrow_timeout if timeout is None else timeout)
        try:
            yield item
        except RpcUnavailable:
            self._discard(item)
            raise
        except Exception as exc:
            if _from_service(exc):
                self._give_back(item)
            else:
                self._discard(item)
            raise
        except BaseException:
            self._discard(item)
            raise
        else:
            self._give_back(item)

    def _headers(self, context):
        headers = outgoing_headers()
        if context:
            headers.update(context)
        return headers

    def call(self, service, method, *args, timeout=None, context=None, **kwargs):
        """``method(*args, **kwargs)`` on ``service``; raises the service's
        domain error, RemoteError, or RpcUnavailable."""
        started = time.monotonic()
        outcome = "unavailable"
        try:
            timeout = self.timeout if timeout is None else timeout
            with self._connection(timeout) as connection:
                correlation_id = self._send(connection, service, method, args, kwargs, self._headers(context))
                body = self._receive(connection, correlation_id, service, time.monotonic() + timeout, timeout)
            outcome = "error"
            result = self._result(body)
            outcome = "ok"
            return result
        finally:
            if self.on_call is not None:
                self.on_call(service, method, time.monotonic() - started, outcome)

    def _send(self, connection, service, method, args, kwargs, headers):
        try:
            return connection.send(service, method, args, kwargs, headers)
        except amqp_connection.CONNECTION_ERRORS as exc:
            # Not sent as far as we know, but a write may have reached the broker.
            raise RpcUnavailable("The message broker cannot be reached; try again shortly.",
                                 reason=f"sending the request failed: {type(exc).__name__}: {exc}",
                                 ambiguous=True) from exc

    def _receive(self, connection, correlation_id, service, deadline, timeout):
        try:
            body = connection.wait(correlation_id, deadline)
        except TimeoutError:
            raise RpcUnavailable("The service did not answer in time; try again shortly.",
                                 reason=f"no answer from {service} within {timeout:g}s", ambiguous=True) from None
        except amqp_connection.CONNECTION_ERRORS as exc:
            raise RpcUnavailable("The message broker connection broke; try again shortly.",
                                 reason=f"waiting for the answer failed: {type(exc).__name__}: {exc}",
                                 ambiguous=True) from exc
        if isinstance(body, _Returned):
            raise RpcUnavailable("The service is not running; try again shortly.",
                                 reason=f"no queue takes {body.args[0]} (the {service} service never started here)")
        return body

    @staticmethod
    def _result(body):
        reply = loads_message(body)
        if reply.get("error"):
            exc = _error(reply["error"])
            exc.crm_from_service = True
            raise exc
        return reply.get("result")

    def call_pipelined(self, service, method, calls, in_flight=2, timeout=None, context=None):
        """``method(*args)`` for each ``args`` of ``calls`` (consumed lazily)
        over one connection, with up to ``in_flight`` calls outstanding so the
        service works while the next one is prepared; returns the results in
        order.  When ``calls`` raises, the outstanding calls finish first."""
        timeout = self.timeout if timeout is None else timeout
        results, pending = [], collections.deque()
        with self._connection(timeout) as connection:
            headers = self._headers(context)

            def collect():
                correlation_id = pending.popleft()
                results.append(self._result(self._receive(connection, correlation_id, service,
                                                          time.monotonic() + timeout, timeout)))

            try:
                for args in calls:
                    pending.append(self._send(connection, service, method, args, {}, headers))
                    if len(pending) >= in_flight:
                        collect()
            finally:
                while pending:
                    collect()
        return results

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)
        return _Service(self, service)

    def __getitem__(self, service):
        return _Service(self, service)
