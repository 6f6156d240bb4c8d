"""Fixtures for the kit's own tests: a migrated ``kit_test`` schema, the sample
services started in containers on the test vhost, and a tap that consumes
what the relay publishes."""

import contextlib
import json
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests
from kombu import Connection, Consumer, Exchange, Producer, Queue
from nameko.testing.utils import get_extension
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from psycopg.rows import dict_row

from shared.kit.migrate import migrate
from shared.kit.relay import OutboxRelay
from shared.kit.tracing import setup_tracing
from tests.helpers import wait_for
from tests.kit import sample_service  # noqa: F401  (registers note.written)

SCHEMA = "kit_test"
MIGRATIONS = Path(__file__).parent / "migrations"
EVENTS_EXCHANGE = "kitsample.events"
CONSUMER_QUEUE = "evt-kitsample-note.written--kitconsumer.on_note_written"
DEAD_LETTER_QUEUE = "kitconsumer.dead-letter"
RELAY_LOCK = f"crm-outbox:{SCHEMA}"

def unique(prefix="note"):
    return f"{prefix}-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def kit_schema(database_url):
    """The sample services' schema (kit tables + notes/effects), migrated once."""
    migrate(database_url, SCHEMA, MIGRATIONS)
    return SCHEMA


@pytest.fixture
def kit_config(database_url, amqp_uri, kit_schema):
    """Container config for the sample services (a fresh dict per test)."""
    return {
        "SERVICE_NAME": "kitsample",
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "DB_SCHEMA": kit_schema,
        "OUTBOX_POLL_SECONDS": 0.2,
        # a queue argument: every consumer container must declare the same value
        "INBOX_DELIVERY_LIMIT": 2,
    }


class KitDb:
    """Direct SQL on the test database, outside any service."""

    def __init__(self, database_url):
        self.conn = psycopg.connect(
            database_url, autocommit=True, row_factory=dict_row, options=f"-c search_path={SCHEMA},public"
        )

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return next(iter(row.values()))

    def outbox_rows(self, bodies):
        """Outbox rows whose note body is one of ``bodies``, in outbox order."""
        return self.all(
            "SELECT * FROM outbox WHERE body::jsonb -> 'data' ->> 'body' = ANY(%s) ORDER BY id", (list(bodies),)
        )

    def relay_lock_holders(self):
        return self.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND l.objsubid = 1 AND l.objid = (hashtext(%s)::bigint & 4294967295)::oid",
            (RELAY_LOCK,),
        )

    def close(self):
        self.conn.close()


@pytest.fixture(scope="session")
def kit_db(database_url, kit_schema):
    db = KitDb(database_url)
    yield db
    db.close()


def purge_queue(rabbit_admin, vhost, name):
    """Drop what earlier tests left in a durable queue (it may not exist yet)."""
    try:
        rabbit_admin.call("DELETE", f"queues/{quote(vhost, safe='')}/{quote(name, safe='')}/contents")
    except requests.HTTPError as exc:
        if exc.response.status_code != 404:
            raise


@pytest.fixture
def start_service(container_factory, kit_config, kit_db, rabbit_admin, vhost):
    """``start_service(KitSample, OUTBOX_RELAY=False)``: a started container.

    The consumer's queue starts empty (earlier tests' events are purged).  At
    teardown the containers are killed and the relay's leader lock is waited
    for, so the next test's relay becomes active at once.
    """
    containers = []

    def start(service_cls, **overrides):
        if service_cls.name == "kitconsumer":
            purge_queue(rabbit_admin, vhost, CONSUMER_QUEUE)
        container = container_factory(service_cls, {**kit_config, **overrides})
        container.start()
        containers.append(container)
        return container

    yield start
    for container in containers:
        container.kill()
    wait_for(lambda: kit_db.relay_lock_holders() == 0, timeout=10, message="a killed relay kept its leader lock")


@pytest.fixture
def rpc_proxy(kit_config):
    """``with rpc_proxy(context_data=...) as cluster: cluster.kitsample...``"""
    from nameko.standalone.rpc import ClusterRpcProxy

    def make(**kwargs):
        kwargs.setdefault("timeout", 20)
        return ClusterRpcProxy(kit_config, **kwargs)

    return make


def relay_of(container):
    return get_extension(container, OutboxRelay)


class Received:
    """One message the tap consumed."""

    def __init__(self, body, message):
        self.raw = message.body
        self.envelope = json.loads(message.body)
        self.routing_key = message.delivery_info["routing_key"]
        self.properties = message.properties
        self.headers = message.headers

    @property
    def note_body(self):
        data = self.envelope.get("data") if isinstance(self.envelope, dict) else None
        return data.get("body") if isinstance(data, dict) else None


class EventTap:
    """Consumes everything published to an exchange into a list, via its own
    exclusive queue bound before the events are published."""

    def __init__(self, amqp_uri, exchange=EVENTS_EXCHANGE, routing_key="#"):
        self.connection = Connection(amqp_uri)
        self.connection.connect()
        self.queue = Queue(
            f"kit-tap-{uuid.uuid4().hex[:8]}",
            exchange=Exchange(exchange, type="topic", durable=True),
            routing_key=routing_key,
            exclusive=True,
        )
        self.messages = []
        self.consumer = Consumer(
            self.connection.channel(), queues=[self.queue], callbacks=[self._on_message],
            accept=["application/json"], no_ack=True,
        )
        self.consumer.consume()

    def _on_message(self, body, message):
        self.messages.append(Received(body, message))

    @property
    def local_port(self):
        return self.connection.connection.sock.getsockname()[1]

    def drain(self, timeout=0.1):
        with contextlib.suppress(TimeoutError):
            self.connection.drain_events(timeout=timeout)

    def wait(self, predicate, timeout=10, message=None):
        """Consume until ``predicate(messages)`` is true or fail at the deadline."""
        deadline = time.monotonic() + timeout
        while not predicate(self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(message or f"tap: condition not met within {timeout}s")
            self.drain(min(0.2, remaining))
        return self.messages

    def notes(self, bodies):
        """Messages for notes whose body is in ``bodies``, in arrival order."""
        wanted = set(bodies)
        return [received for received in self.messages if received.note_body in wanted]

    def wait_notes(self, bodies, count=None, timeout=10):
        """Wait until ``count`` (default: one per body) messages for ``bodies`` arrived."""
        bodies = list(bodies)
        count = len(bodies) if count is None else count
        self.wait(lambda _: len(self.notes(bodies)) >= count, timeout,
                  f"expected {count} events for {len(bodies)} notes within {timeout}s")
        return self.notes(bodies)

    def close(self):
        with contextlib.suppress(OSError):  # already closed by a test
            self.connection.release()


@pytest.fixture
def event_tap(amqp_uri):
    taps = []

    def make(**kwargs):
        tap = EventTap(amqp_uri, **kwargs)
        taps.append(tap)
        return tap

    yield make
    for tap in taps:
        tap.close()


@pytest.fixture
def raw_publisher(amqp_uri):
    """``publish(body, message_id=..., headers=...)`` straight to kitsample.events."""
    connection = Connection(amqp_uri)
    exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
    producer = Producer(connection.channel(), exchange=exchange)
    exchange.declare(channel=producer.channel)

    def publish(body, routing_key="note.written", **properties):
        if not isinstance(body, str | bytes):
            body = json.dumps(body)
        properties.setdefault("content_type", "application/json")
        properties.setdefault("content_encoding", "utf-8")
        producer.publish(body, routing_key=routing_key, delivery_mode=2, **properties)

    yield publish
    connection.release()


@pytest.fixture(scope="session")
def span_exporter():
    """All finished spans of this process (filter them by trace id)."""
    exporter = InMemorySpanExporter()
    setup_tracing("kit-tests", extra_processor=SimpleSpanProcessor(exporter))
    return exporter

