"""Sales consumes orders' ``quote.accepted``: the quote's opportunity takes
its net total and currency and is won, once however often the event is
delivered; a won one only takes the amount, a lost or missing one and an
event without an opportunity change nothing (and are acknowledged).

Events are published by hand on ``orders.events`` as orders' relay would.
A delivery's handling is observed through its consumer span: each message
carries a trace context of its own, and the span ends after the handler's
transaction committed (or failed)."""

import json
import uuid
from decimal import Decimal

import pytest
from kombu import Connection, Exchange, Producer
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.sales.opportunities.quote_events import accepted_quote
from shared.kit.outbox import envelope
from shared.kit.tracing import setup_tracing
from shared.schemas.events import contract
from tests.sales.conftest import wait_for
from tests.sales.opportunity_helpers import new_account, opportunity_data, pipeline_data, stage

CONSUMER = "sales.on_quote_accepted"


@pytest.fixture(scope="module")
def span_exporter():
    exporter = InMemorySpanExporter()
    setup_tracing("sales-tests", extra_processor=SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def publish(amqp_uri, service):
    """``publish(body, traceparent)``: a message on orders.events as orders' relay sends it."""
    connection = Connection(amqp_uri)
    exchange = Exchange("orders.events", type="topic", durable=True)
    producer = Producer(connection.channel(), exchange=exchange)
    exchange.declare(channel=producer.channel)

    def send(body, traceparent):
        producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                         content_type="application/json", content_encoding="utf-8", message_id=body["id"],
                         headers={"nameko.traceparent": traceparent})

    yield send
    connection.release()


def deliver(publish, span_exporter, body, times=1):
    """Publish ``body`` ``times`` times at once and wait until each delivery
    was handled successfully (acknowledged, not retried)."""
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    for _ in range(times):
        publish(body, traceparent)
    spans = wait_for(lambda: (lambda found: found if len(found) >= times else None)(
        [span for span in span_exporter.get_finished_spans()
         if span.context.trace_id == int(trace_id, 16) and span.name == CONSUMER]),
        message=f"{CONSUMER} did not handle the event {times} time(s)")
    assert all(span.status.is_ok for span in spans), [span.status for span in spans]


def accepted_event(opportunity_id, net_total="1234.50", currency="EUR", account_id=None):
    """A quote.accepted envelope as orders publishes it (its data checked against the contract)."""
    quote_id = str(uuid.uuid4())
    totals = {"net_total": net_total, "tax_total": "0.00", "gross_total": net_total, "discount_total": "0.00",
              "tax_lines": []}
    quote = {
        "id": quote_id, "number": "Q-000042", "revision": 1, "status": "accepted", "superseded_by": None,
        "revision_of": None, "account_id": account_id or str(uuid.uuid4()), "opportunity_id": opportunity_id,
        "contact_id": None, "title": None, "notes": None, "terms": None, "currency": currency,
        "price_book_id": str(uuid.uuid4()), "prices_include_tax": False, "tax_country": "DE",
        "priced_on": "2026-11-02", "valid_until": "2026-12-02", "sent_at": "2026-11-02T10:00:00+00:00",
        "sent_by": "sam", "accepted_at": "2026-11-03T10:00:00+00:00", "accepted_by": "sam", "rejected_at": None,
        "rejected_by": None, "rejection_reason": None, "expired_at": None, "version": 3, "created_by": "sam",
        "created_at": "2026-11-02T09:00:00+00:00", "updated_at": "2026-11-03T10:00:00+00:00", "totals": totals,
        "lines": []}
    data = {"quote": quote, "opportunity_id": opportunity_id, "account_id": quote["account_id"],
            "currency": currency, "net_total": net_total, "gross_total": net_total}
    contract("quote.accepted").schema().load(data)
    return envelope("quote.accepted", data)


def inbox_rows(db, event):
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s", (CONSUMER, event["id"]))


def stage_moves(db, opportunity_id, to_stage):
    return db.scalar("SELECT count(*) FROM opportunity_stage_history WHERE opportunity_id = %s AND to_stage = %s",
                     (opportunity_id, to_stage))


def test_the_event_delivered_twice_wins_the_opportunity_once(sales, db, events, publish, span_exporter):
    account_id = new_account(db)
    opportunity = sales.create_opportunity(opportunity_data(account_id, amount="900.00"), "ann")
    event = accepted_event(opportunity["id"], "1234.50", account_id=account_id)

    deliver(publish, span_exporter, event, times=2)  # redelivered, twice at once: two workers race
    deliver(publish, span_exporter, event)  # and once more later

    won = sales.get_opportunity(opportunity["id"])
    assert (won["stage"], won["category"], won["amount"], won["currency"]) == ("closed_won", "won", "1234.50", "EUR")
    assert won["probability"] == 100 and won["closed_on"] is not None
    assert won["version"] == opportunity["version"] + 1
    assert inbox_rows(db, event) == 1
    assert stage_moves(db, opportunity["id"], "closed_won") == 1
    assert db.scalar("SELECT changed_by FROM opportunity_stage_history WHERE opportunity_id = %s AND to_stage ="
                     " 'closed_won'", (opportunity["id"],)) == "sam"
    events.settle(db, [opportunity["id"]])
    assert len(events.of("opportunity.won", opportunity["id"])) == 1
    assert db.scalar("SELECT type FROM accounts WHERE id = %s", (account_id,)) == "customer"


def test_three_decimals_are_rounded_half_even_to_cents(sales, db, publish, span_exporter):
    cases = (("1000.125", "1000.12"), ("1000.135", "1000.14"), ("1000.005", "1000.00"))
    for net_total, amount in cases:
        opportunity = sales.create_opportunity(opportunity_data(new_account(db)))
        deliver(publish, span_exporter, accepted_event(opportunity["id"], net_total, "KWD"))
        now = sales.get_opportunity(opportunity["id"])
        assert (now["amount"], now["currency"], now["category"]) == (amount, "KWD", "won")
    opportunity = sales.create_opportunity(opportunity_data(new_account(db)))
    deliver(publish, span_exporter, accepted_event(opportunity["id"], "150000", "JPY"))
    assert sales.get_opportunity(opportunity["id"])["amount"] == "150000.00"


def test_a_won_opportunity_only_takes_the_amount(sales, db, publish, span_exporter):
    opportunity = sales.create_opportunity(opportunity_data(new_account(db), stage="closed_won", amount="500.00"))
    same = sales.create_opportunity(opportunity_data(new_account(db), stage="closed_won", amount="750.00"))

    deliver(publish, span_exporter, accepted_event(opportunity["id"], "640.00", "USD"))
    deliver(publish, span_exporter, accepted_event(same["id"], "750.00"))

    now = sales.get_opportunity(opportunity["id"])
    assert (now["stage"], now["amount"], now["currency"]) == ("closed_won", "640.00", "USD")
    assert now["closed_on"] == opportunity["closed_on"]
    assert stage_moves(db, opportunity["id"], "closed_won") == 1  # only its creation
    assert sales.get_opportunity(same["id"]) == same  # nothing differs: nothing written


def test_a_lost_or_missing_opportunity_is_left_and_the_event_acknowledged(sales, db, publish, span_exporter):
    lost = sales.create_opportunity(opportunity_data(new_account(db), stage="closed_lost", loss_reason="Price"))
    event = accepted_event(lost["id"])
    deliver(publish, span_exporter, event)
    assert sales.get_opportunity(lost["id"]) == lost
    assert inbox_rows(db, event) == 1

    missing = accepted_event(str(uuid.uuid4()))
    deliver(publish, span_exporter, missing)
    assert inbox_rows(db, missing) == 1


def test_an_event_without_opportunity_changes_nothing(sales, db, publish, span_exporter):
    event = accepted_event(None)
    deliver(publish, span_exporter, event)
    assert inbox_rows(db, event) == 0  # nothing to remember: there was nothing to do


def test_a_pipeline_that_forbids_the_move_still_gets_the_amount(sales, db, publish, span_exporter):
    data = pipeline_data()
    data["stages"][0] = stage("lead", "open", 10, next_stages=["demo"])
    pipeline = sales.create_pipeline(data, "admin")
    opportunity = sales.create_opportunity(opportunity_data(new_account(db), pipeline_id=pipeline["id"]))

    deliver(publish, span_exporter, accepted_event(opportunity["id"], "99.90"))

    now = sales.get_opportunity(opportunity["id"])
    assert (now["stage"], now["amount"]) == ("lead", "99.90")


def test_reading_the_event_data():
    opportunity_id = str(uuid.uuid4())
    assert accepted_quote({"opportunity_id": opportunity_id, "net_total": "10.005", "currency": "kwd",
                           "quote": {"accepted_by": "ann", "number": "Q-000001", "revision": 2}}) == (
        opportunity_id, Decimal("10.00"), "KWD", "quote Q-000001 revision 2 (?)", "ann")
    assert accepted_quote({"opportunity_id": opportunity_id, "net_total": "10", "currency": "EUR"})[4] == "orders"
    for bad in (None, {}, {"opportunity_id": None}, {"opportunity_id": "x", "net_total": "1", "currency": "EUR"},
                {"opportunity_id": opportunity_id, "net_total": "lots", "currency": "EUR"},
                {"opportunity_id": opportunity_id, "net_total": "-1", "currency": "EUR"},
                {"opportunity_id": opportunity_id, "net_total": "1", "currency": "EURO"},
                {"opportunity_id": opportunity_id, "net_total": "1e30", "currency": "EUR"}):
        assert accepted_quote(bad) is None, bad
