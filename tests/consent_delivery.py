"""Delivering the campaigns service's ``consent.changed`` to a consuming
service in a test, as its relay would: published by hand on
``campaigns.events``, each delivery's handling observed through its consumer
span (handled and acknowledged, not retried).

``span_exporter, deliver = delivery_fixtures("sales.on_consent_changed")`` in
a test module; ``consent_changed(email, status)`` builds an event."""

import itertools
import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.kit.outbox import envelope
from shared.kit.tracing import setup_tracing
from shared.schemas.events import contract
from tests.helpers import wait_for

CHANGES = itertools.count(1)  # the ledger's change numbers: each event a newer one unless given


def consent_changed(email, status, purpose="marketing_email", channel="email", change_id=None,
                    source="unsubscribe_link"):
    """A ``consent.changed`` envelope, checked against its contract."""
    data = {"email": email, "purpose": purpose, "channel": channel, "status": status, "previous_status": None,
            "legal_basis": "consent", "source": source, "at": "2026-05-01T10:00:00+00:00",
            "change_id": next(CHANGES) if change_id is None else change_id}
    contract("consent.changed").schema().load(data)
    return envelope("consent.changed", data)


def delivery_fixtures(consumer):
    """``(span_exporter, deliver)`` fixtures for the module whose ``service``
    fixture runs ``consumer`` (``"leads.on_consent_changed"``)."""

    @pytest.fixture(scope="module")
    def span_exporter():
        exporter = InMemorySpanExporter()
        setup_tracing(f"{consumer}-tests", extra_processor=SimpleSpanProcessor(exporter))
        return exporter

    @pytest.fixture
    def deliver(amqp_uri, service, span_exporter):
        """``deliver(body, times)``: publish on campaigns.events ``times`` times at
        once and wait until each delivery was handled (acknowledged, not retried)."""
        connection = Connection(amqp_uri)
        exchange = Exchange("campaigns.events", type="topic", durable=True)
        producer = Producer(connection.channel(), exchange=exchange)
        exchange.declare(channel=producer.channel)

        def send(body, times=1):
            trace_id = uuid.uuid4().hex
            for _ in range(times):
                producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                                 content_type="application/json", content_encoding="utf-8", message_id=body["id"],
                                 headers={"nameko.traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})
            spans = wait_for(lambda: (lambda found: found if len(found) >= times else None)(
                [span for span in span_exporter.get_finished_spans()
                 if span.context.trace_id == int(trace_id, 16) and span.name == consumer]),
                message=f"{consumer} did not handle the event {times} time(s)")
            assert all(span.status.is_ok for span in spans), [span.status for span in spans]

        yield send
        connection.release()

    return span_exporter, deliver
