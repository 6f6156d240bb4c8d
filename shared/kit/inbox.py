"""Idempotent event consumer with a dead-letter queue.

    @inbox_handler("sales", "activity.logged")
    def on_activity_logged(self, event):
        with self.db.handle_once(event) as conn:
            if conn is not None:
                ...   # writes on conn; they commit with the inbox row

The handler's writes share one transaction with the
``(consumer, event id)`` row in ``inbox``: a redelivered event finds its row and
is acknowledged without a second effect.  Queues are quorum queues with a
delivery limit and a dead-letter exchange: a message that cannot be parsed is
rejected straight to the dead-letter queue, one whose handler keeps failing
goes there after ``INBOX_DELIVERY_LIMIT`` attempts instead of looping.

A failure that says nothing about the event (the database out of reach, a
deadlock: ``Unavailable``, or a ``Conflict`` marked ``retry``) is not a
failed delivery: the message stays unacknowledged and the handler runs again
after a growing pause (0.5 s, doubling, at most 10 s), so an outage of any
length never dead-letters an event.
"""

import functools
import logging

import eventlet
from kombu import Exchange, Queue
from marshmallow import ValidationError
from nameko.events import EventHandler

from shared.kit import amqp_connection
from shared.kit.consumers import KitQueueConsumer
from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import Conflict, Unavailable

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "crm.dead-letter"
_ENVELOPE = EnvelopeSchema()


def dead_letter_queue_name(service_name):
    return f"{service_name}.dead-letter"


def dead_letter_queue(service_name):
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)
    return Queue(
        dead_letter_queue_name(service_name),
        exchange=exchange,
        routing_key=service_name,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


class PoisonMessage(Exception):
    """A message that can never be handled (unparseable, not an envelope)."""


class InboxQueueConsumer(KitQueueConsumer):
    """The kit's queue consumer, but a message kombu cannot decode is
    dead-lettered instead of crashing the consumer thread."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for consumer in consumers:
            consumer.on_decode_error = self._on_decode_error
        return consumers

    def _on_decode_error(self, message, exc):
        log.error("dead-lettering undecodable message from %s: %s",
                  message.delivery_info.get("routing_key"), exc)
        message.reject(requeue=False)

    def reject_message(self, message):
        if message.channel.connection:
            message.reject(requeue=False)


class InboxHandler(EventHandler):
    queue_consumer = InboxQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, requeue_on_error=True, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        service = self.container.service_name
        self.consumer_name = f"{service}.{self.method_name}"
        self.delivery_limit = int(config.get("INBOX_DELIVERY_LIMIT", 5))
        dlq = dead_letter_queue(service)
        self.queue = Queue(
            self.queue.name,
            exchange=self.queue.exchange,
            routing_key=self.queue.routing_key,
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                "x-dead-letter-routing-key": service,
            },
        )
        self._dead_letter_queue = dlq
        self._transient_attempts = {}

    def start(self):
        with self.queue_consumer.connection as connection:
            self._dead_letter_queue.maybe_bind(connection)
            self._dead_letter_queue.declare()
        super().start()

    def handle_message(self, body, message):
        try:
            envelope = _ENVELOPE.load(body) if isinstance(body, dict) else None
        except ValidationError as exc:
            log.error("dead-lettering %s: not an event envelope: %s", self.consumer_name, exc.messages)
            envelope = None
        if envelope is None:
            self.queue_consumer.reject_message(message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is not None and transient(exc_info[1]):
            attempt = self._transient_attempts.get(id(message), 0) + 1
            self._transient_attempts[id(message)] = attempt
            delay = min(0.5 * 2 ** (attempt - 1), 10)
            log.warning("%s: %s; handling the event again in %.1fs (attempt %s; not a failed delivery)",
                        self.consumer_name, exc_info[1], delay, attempt)
            self.container.spawn_managed_thread(
                functools.partial(self._handle_again, worker_ctx.args[0], message, delay),
                identifier=f"{self.consumer_name}.retry")
            return result, exc_info
        self._transient_attempts.pop(id(message), None)
        return super().handle_result(message, worker_ctx, result, exc_info)

    def _handle_again(self, body, message, delay):
        eventlet.sleep(delay)
        channel = message.channel
        if channel is None or channel.connection is None:  # the broker will deliver it again
            self._transient_attempts.pop(id(message), None)
            return
        self.handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None:
            attempts = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            log.warning("%s failed on attempt %s of %s: %r", self.consumer_name, attempts,
                        self.delivery_limit + 1, exc_info[1])
        try:
            super().handle_message_processed(message, result, exc_info)
        except amqp_connection.CONNECTION_ERRORS as exc:  # the broker delivers it again: the inbox dedupes
            log.warning("%s could not acknowledge an event (%s); the broker will deliver it again",
                        self.consumer_name, exc)


def transient(exc):
    """A failure of the moment (database unreachable, deadlock), not of the event."""
    return isinstance(exc, Unavailable) or (isinstance(exc, Conflict) and exc.extra.get("retry") is True)


inbox_handler = InboxHandler.decorator
