"""Sales follows the campaigns service's ``consent.changed``: a withdrawn
marketing-email consent marks the contacts with the address do-not-email
(granted clears it) through ``update_contact`` (version, history,
``contact.updated``), once however often the event is delivered; other
purposes, channels and pending consents change nothing.

Events are published by hand on ``campaigns.events`` as its relay would; a
delivery's handling is observed through its consumer span."""

import itertools
import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.sales.consent.events import do_not_email_of
from shared.kit.outbox import envelope
from shared.kit.tracing import setup_tracing
from shared.schemas.events import contract
from tests.sales.conftest import contact_data, wait_for

CONSUMER = "sales.on_consent_changed"


@pytest.fixture(scope="module")
def span_exporter():
    exporter = InMemorySpanExporter()
    setup_tracing("sales-consent-tests", extra_processor=SimpleSpanProcessor(exporter))
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
             if span.context.trace_id == int(trace_id, 16) and span.name == CONSUMER]),
            message=f"{CONSUMER} did not handle the event {times} time(s)")
        assert all(span.status.is_ok for span in spans), [span.status for span in spans]

    yield send
    connection.release()


CHANGES = itertools.count(1)  # the ledger's change numbers: each event a newer one unless given


def consent_changed(email, status, purpose="marketing_email", channel="email", change_id=None):
    data = {"email": email, "purpose": purpose, "channel": channel, "status": status, "previous_status": None,
            "legal_basis": "consent", "source": "unsubscribe_link", "at": "2026-05-01T10:00:00+00:00",
            "change_id": next(CHANGES) if change_id is None else change_id}
    contract("consent.changed").schema().load(data)
    return envelope("consent.changed", data)


def test_the_event_is_read_only_for_marketing_email_decisions():
    assert do_not_email_of({"email": "A@Example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "withdrawn", "change_id": 7}) == ("a@example.org", True, 7)
    assert do_not_email_of({"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "granted", "change_id": 8}) == ("a@example.org", False, 8)
    assert do_not_email_of({"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                            "status": "granted"}) is None  # no change number: its order cannot be told
    for data in ({"email": "a@example.org", "purpose": "newsletter", "channel": "email", "status": "withdrawn"},
                 {"email": "a@example.org", "purpose": "marketing_email", "channel": "sms", "status": "withdrawn"},
                 {"email": "a@example.org", "purpose": "marketing_email", "channel": "email",
                  "status": "pending_confirmation"},
                 {"email": "not an address", "purpose": "marketing_email", "channel": "email", "status": "withdrawn"},
                 {"email": 7, "purpose": "marketing_email", "channel": "email", "status": "withdrawn"}, None, []):
        assert do_not_email_of(data) is None


def test_a_withdrawal_delivered_twice_marks_the_contact_once_and_a_grant_clears_it(sales, db, events, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].upper()
    other = sales.create_contact(contact_data(), "ann")
    withdrawn = consent_changed(email.lower(), "withdrawn")

    deliver(withdrawn, times=2)  # redelivered, twice at once
    deliver(withdrawn)  # and once more later
    marked = sales.get_contact(contact["id"])
    assert marked["do_not_email"] is True and marked["version"] == contact["version"] + 1
    assert sales.get_contact(other["id"])["do_not_email"] is False
    assert db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s",
                     (CONSUMER, withdrawn["id"])) == 1
    events.settle(db, [contact["id"]])
    updates = events.of("contact.updated", contact["id"])
    assert len(updates) == 1 and updates[0].data["changed"] == ["do_not_email"]
    assert db.scalar("SELECT count(*) FROM contact_history WHERE contact_id = %s AND actor = 'campaigns:consent'",
                     (contact["id"],)) == 1

    deliver(consent_changed(email.lower(), "withdrawn"))  # another withdrawal: marked already, no change
    assert sales.get_contact(contact["id"])["version"] == marked["version"]
    deliver(consent_changed(email.lower(), "granted"))
    cleared = sales.get_contact(contact["id"])
    assert cleared["do_not_email"] is False and cleared["version"] == marked["version"] + 1


def test_an_older_decision_delivered_late_never_overrides_a_newer_one(sales, db, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].lower()
    withdrawn, granted = next(CHANGES), next(CHANGES)
    deliver(consent_changed(email, "granted", change_id=granted))
    deliver(consent_changed(email, "withdrawn", change_id=withdrawn))  # the older one, redelivered after
    assert sales.get_contact(contact["id"])["do_not_email"] is False
    assert sales.get_contact(contact["id"])["version"] == contact["version"]
    deliver(consent_changed(email, "withdrawn"))  # a newer withdrawal does apply
    assert sales.get_contact(contact["id"])["do_not_email"] is True


def test_other_purposes_and_pending_consents_change_nothing(sales, db, deliver):
    contact = sales.create_contact(contact_data(), "ann")
    email = contact["emails"][0].lower()
    for event in (consent_changed(email, "withdrawn", purpose="newsletter"),
                  consent_changed(email, "withdrawn", purpose="marketing_email", channel="phone"),
                  consent_changed(email, "pending_confirmation")):
        deliver(event)
        assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (event["id"],)) == 0
    assert sales.get_contact(contact["id"])["version"] == contact["version"]
