"""The real sales service next to leads, for the tests of the sales events
leads consumes (tests/leads/test_service_activity_engagement.py,
test_service_account_merges.py).

The sales service runs in a container on a scratch database of its own and
the session's vhost, next to the leads container of ``service``.  A
handler's completion is observed through its span: each hand-published
message carries a trace context of its own, and the consumer's span ends
after the handler's transaction committed.

Fixtures (assign them in the test module, e.g. ``sales = sales_neighbour.sales``):

- ``sales_env``, ``sales_config``, ``sales_db`` (ServiceDb on schema sales);
- ``sales``: the sales service proxy; the leads service (and its queues) is up first;
- ``span_exporter``: the finished spans of this process;
- ``publish(body, traceparent)``: a message on ``sales.events`` as the relay sends it.

``deliver(publish, span_exporter, body, times=1)`` publishes an envelope and
waits until its leads consumer (``leads.on_<type with _ for .>``) handled it.
"""

import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.sales.service import SalesService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster, start_container
from shared.kit.tracing import setup_tracing
from tests.helpers import wait_for
from tests.services import ServiceDb, scratch_database

DEAD_LETTER_QUEUE = "leads.dead-letter"


def consumer_of(event_type):
    """The leads consumer of a sales event type (service.method, as in the inbox)."""
    return f"leads.on_{event_type.replace('.', '_')}"


def _envelope(body):
    return json.loads(body) if isinstance(body, str) else body


# The sales service next to leads ---------------------------------------------

@pytest.fixture(scope="module")
def sales_env(test_env, database_url):
    with scratch_database(database_url, "sales") as url:
        yield {**test_env, "DATABASE_URL": url, "OUTBOX_POLL_SECONDS": "0.2"}


@pytest.fixture(scope="module")
def sales_config(sales_env):
    config = load_component_config("sales", sales_env)
    migrate_component("sales", config)
    return config


@pytest.fixture(scope="module")
def sales_db(sales_env, sales_config):
    sales_db = ServiceDb(sales_env["DATABASE_URL"], "sales")
    yield sales_db
    sales_db.close()


@pytest.fixture(scope="module")
def sales(sales_config, sales_db, leads):
    """The sales service proxy; the leads service (and its queue) is up first."""
    container = start_container(SalesService, dict(sales_config))
    try:
        with RpcCluster(sales_config, timeout=30) as cluster:
            yield cluster.sales
    finally:
        container.kill()
        sales_db.wait_relay_free()


def published_body(sales_db, event_type, path, value):
    """The body of the ``event_type`` envelope sales wrote whose data at
    ``path`` (e.g. ``("activity", "id")``) is ``value``, as the relay publishes it."""
    return sales_db.one("SELECT body FROM outbox WHERE event_type = %s AND body::jsonb -> 'data' #>> %s = %s",
                        (event_type, list(path), value))["body"]


# Observing the consumer ---------------------------------------------------------------

@pytest.fixture(scope="module")
def span_exporter():
    exporter = InMemorySpanExporter()
    setup_tracing("leads-tests", extra_processor=SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def publish(amqp_uri):
    """``publish(body, traceparent)``: a message on sales.events as the relay sends it."""
    connection = Connection(amqp_uri)
    exchange = Exchange("sales.events", type="topic", durable=True)
    producer = Producer(connection.channel(), exchange=exchange)
    exchange.declare(channel=producer.channel)

    def send(body, traceparent):
        if not isinstance(body, str):
            body = json.dumps(body)
        envelope = json.loads(body)
        producer.publish(body, routing_key=envelope["type"], delivery_mode=2, content_type="application/json",
                         content_encoding="utf-8", message_id=envelope["id"],
                         headers={"nameko.traceparent": traceparent})

    yield send
    connection.release()


def new_trace():
    trace_id = uuid.uuid4().hex
    return trace_id, f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"


def wait_handled(span_exporter, consumer, trace_id, count=1):
    """The consumer's spans in this trace, once ``count`` of them ended."""
    return wait_for(lambda: (lambda spans: spans if len(spans) >= count else None)(
        [span for span in span_exporter.get_finished_spans()
         if span.context.trace_id == int(trace_id, 16) and span.name == consumer]),
        message=f"{consumer} did not handle the event {count} time(s)")


def deliver(publish, span_exporter, body, times=1):
    """Publish ``body`` (an envelope, or its JSON) ``times`` times at once and
    wait until each delivery was handled; every handling must have succeeded
    (acknowledged, not retried)."""
    deliver_together(publish, span_exporter, [body] * times)


def deliver_together(publish, span_exporter, bodies):
    """Publish events of one type at once (the consumer's workers race over
    them) and wait until each was handled successfully."""
    trace_id, traceparent = new_trace()
    for body in bodies:
        publish(body, traceparent)
    spans = wait_handled(span_exporter, consumer_of(_envelope(bodies[0])["type"]), trace_id, len(bodies))
    assert all(span.status.is_ok for span in spans), [span.status for span in spans]


# Reading the leads side --------------------------------------------------------------

def inbox_rows(db, body):
    """How often the event's leads consumer recorded it in its inbox (0 or 1)."""
    event = _envelope(body)
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s",
                     (consumer_of(event["type"]), event["id"]))


def dead_lettered(rabbit_admin, vhost, event_id):
    """The messages about the event in the leads dead-letter queue."""
    letters = rabbit_admin.get_messages(vhost, DEAD_LETTER_QUEUE, count=1000)
    return [letter for letter in letters if event_id in letter["payload"]]
