"""The RPC entrypoint every service uses: ``@rpc`` from here, never nameko's.

It is nameko's RPC (same queue ``rpc-<service>``, same message format, so any
nameko client can call it) with three differences:

- domain errors (``CrmError``) are expected answers, logged in one line
  instead of as a crash;
- replies go out on one long-lived connection per service process, as
  transient messages without publisher confirms: a lost reply is already an
  error its caller sees (a timeout), so persisting it and waiting for the
  broker's confirm (2.5 ms per call, measured) buys nothing.  nameko's own
  responder opens a producer per reply, persists it and waits for a confirm;
- an RPC carrying an idempotency key (the gateway sends one for a POST with
  an ``Idempotency-Key``) has its answer recorded in the same transaction as
  its writes, and a repeat of it gets that answer instead of running again
  (see :class:`shared.kit.db.Db`).
"""

import functools
import inspect
import logging

import eventlet.semaphore
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import IncorrectSignature, UnserializableValueError, serialize
from nameko.rpc import Rpc, RpcConsumer, get_rpc_exchange

from shared.kit import amqp_connection
from shared.kit.answers import AnswerReplay
from shared.kit.consumers import KitQueueConsumer
from shared.kit.errors import register_domain_errors
from shared.kit.jsonio import dumps_message
from shared.schemas.errors import CrmError

log = logging.getLogger(__name__)
register_domain_errors()


class Replier:
    """Publishes RPC replies on one connection, one publish at a time (the
    frames of two replies must not interleave on the socket).  A broken
    connection is replaced and the reply sent once more."""

    def __init__(self, amqp_uri, exchange_name, name):
        self.amqp_uri = amqp_uri
        self.exchange_name = exchange_name
        self.name = name
        self.connection = None
        self.channel = None
        self.lock = eventlet.semaphore.Semaphore(1)

    def _channel(self):
        if self.channel is None:
            self.connection = amqp_connection.connect(self.amqp_uri, name=self.name)
            self.channel = self.connection.channel()
        return self.channel

    def _reset(self):
        amqp_connection.close_quietly(self.connection)
        self.connection = self.channel = None

    def publish(self, body, reply_to, correlation_id):
        import amqp

        message = amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                               correlation_id=correlation_id, delivery_mode=1)
        # A caller on RabbitMQ's direct reply-to is answered through the
        # default exchange; nameko's own clients through the RPC exchange.
        exchange = "" if reply_to.startswith("amq.rabbitmq.reply-to") else self.exchange_name
        with self.lock:
            for attempt in (1, 2):
                try:
                    self._channel().basic_publish(message, exchange=exchange, routing_key=reply_to)
                    return
                except amqp_connection.CONNECTION_ERRORS as exc:
                    self._reset()
                    if attempt == 2:
                        raise
                    log.warning("reply connection broke (%s); reconnecting", exc)

    def keepalive(self):
        with self.lock:
            if self.connection is not None:
                try:
                    amqp_connection.keepalive(self.connection)
                except amqp_connection.CONNECTION_ERRORS:
                    self._reset()

    def close(self):
        with self.lock:
            self._reset()


def reply_body(result, exc_info):
    """The JSON reply nameko's clients expect: ``{"result": ..., "error": ...}``,
    encoded the way kombu's JSON serializer would (so any nameko client
    decodes it), the common case of plain JSON types by orjson."""
    error = serialize(exc_info[1]) if exc_info is not None else None
    try:
        return dumps_message({"result": result, "error": error}), result, exc_info
    except TypeError as exc:  # the method returned something JSON cannot carry
        unserializable = UnserializableValueError(result)
        return dumps_message({"result": None, "error": serialize(unserializable)}), None, (
            type(unserializable), unserializable, exc.__traceback__)


def ack_or_leave(queue_consumer, message):
    """Acknowledge a handled message; when the broker connection it came on
    is gone (a broker restart), leave it: the broker delivers it again once
    the consumer is back, and a service process must not die of it."""
    try:
        queue_consumer.ack_message(message)
    except amqp_connection.CONNECTION_ERRORS as exc:
        log.warning("could not acknowledge a message (%s); the broker will deliver it again", exc)


class FastRpcConsumer(RpcConsumer):
    """nameko's RPC consumer (one queue per service), replying through a
    :class:`Replier`, on the kit's queue consumer."""

    queue_consumer = KitQueueConsumer()

    def setup(self):
        super().setup()
        config = self.container.config
        self.replier = Replier(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config).name,
                               f"{self.container.service_name}-replies")
        self._keepalive = None

    def start(self):
        super().start()
        self._keepalive = self.container.spawn_managed_thread(self._keep_replier_alive,
                                                              identifier="rpc-replier-keepalive")

    def _keep_replier_alive(self):
        while True:
            eventlet.sleep(1)
            self.replier.keepalive()

    def stop(self):
        super().stop()
        if self._keepalive is not None:
            self._keepalive.kill()
        self.replier.close()

    def kill(self):
        if self._keepalive is not None:
            self._keepalive.kill()
        self.replier.close()
        super().kill()

    def handle_result(self, message, result, exc_info):
        reply_to = message.properties.get("reply_to")
        body, result, exc_info = reply_body(result, exc_info)
        if reply_to:
            try:
                self.replier.publish(body, reply_to, message.properties.get("correlation_id"))
            except amqp_connection.CONNECTION_ERRORS as exc:
                # The caller times out and sees an error; the request is
                # still acknowledged below (running it again could repeat
                # its writes).
                log.error("could not send the reply to %s: %s", reply_to, exc)
        ack_or_leave(self.queue_consumer, message)
        return result, exc_info


class FastRpc(Rpc):
    rpc_consumer = FastRpcConsumer()

    def check_signature(self, args, kwargs):
        """Check the arguments against the method as written (not the wrapper
        that settles its answer); its signature is read once."""
        signature = getattr(self, "_signature", None)
        if signature is None:
            method = inspect.unwrap(getattr(self.container.service_cls, self.method_name))
            signature = self._signature = inspect.signature(method)
        try:
            signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None


def _with_answers(method):
    """Settle the worker's keyed transaction (answer + commit) before the
    reply leaves, and answer a repeat with the recorded answer."""

    @functools.wraps(method)
    def entry(self, *args, **kwargs):
        db = getattr(self, "db", None)
        try:
            result = method(self, *args, **kwargs)
        except AnswerReplay as replay:
            return replay.answer
        except BaseException:
            if db is not None and hasattr(db, "settle"):
                db.settle(None, failed=True)
            raise
        if db is not None and hasattr(db, "settle"):
            db.settle(result)
        return result

    return entry


def rpc(method):
    return FastRpc.decorator(expected_exceptions=CrmError)(_with_answers(method))


class ExpectedErrorFilter(logging.Filter):
    """Drops the traceback of ``(expected) error handling worker`` records."""

    def filter(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True
