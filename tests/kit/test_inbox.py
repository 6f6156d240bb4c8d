"""Idempotent consumer and dead-lettering, with messages published raw to the
broker as any producer (or a broken one) could.

A handler's completion is observed through its span: each raw message carries
a trace context of its own, and the consumer's span ends after the handler's
transaction committed.
"""

import uuid

from shared.kit.db import Db, make_pool
from shared.kit.outbox import envelope
from tests.kit.conftest import CONSUMER_QUEUE, DEAD_LETTER_QUEUE, unique, wait_for
from tests.kit.sample_service import KitConsumer

CONSUMER = "kitconsumer.on_note_written"


def new_trace():
    trace_id = uuid.uuid4().hex
    return trace_id, f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"


def handler_spans(exporter, trace_id):
    return [span for span in exporter.get_finished_spans()
            if span.context.trace_id == int(trace_id, 16) and span.name == CONSUMER]


def note_event(body):
    return envelope("note.written", {"id": 1, "body": body})


def effects(kit_db, event_id):
    return kit_db.scalar("SELECT count(*) FROM effects WHERE event_id = %s", (event_id,))


def inbox_rows(kit_db, event_id):
    return kit_db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s", (CONSUMER, event_id))


def dead_letters(rabbit_admin, vhost):
    return rabbit_admin.get_messages(vhost, DEAD_LETTER_QUEUE, count=1000)


def wait_dead_lettered(rabbit_admin, vhost, marker):
    return wait_for(
        lambda: [m for m in dead_letters(rabbit_admin, vhost) if marker in m["payload"]],
        message=f"no dead letter containing {marker}",
    )


def wait_dead_lettered_by_id(rabbit_admin, vhost, message_id):
    return wait_for(
        lambda: [m for m in dead_letters(rabbit_admin, vhost) if m["properties"].get("message_id") == message_id],
        message=f"no dead letter with message id {message_id}",
    )


def publish_valid_and_wait(raw_publisher, kit_db):
    event = note_event(unique("valid"))
    raw_publisher(event, message_id=event["id"])
    wait_for(lambda: effects(kit_db, event["id"]) == 1, message="a valid event after it was not handled")


def test_the_handler_queue_is_a_quorum_queue_with_a_dead_letter_route(start_service, rabbit_admin, vhost):
    start_service(KitConsumer)

    queue = rabbit_admin.queue(vhost, CONSUMER_QUEUE)
    assert queue["type"] == "quorum"
    assert queue["durable"] is True
    assert queue["arguments"] == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 2,
        "x-dead-letter-exchange": "crm.dead-letter",
        "x-dead-letter-routing-key": "kitconsumer",
    }
    assert rabbit_admin.queue(vhost, DEAD_LETTER_QUEUE)["type"] == "quorum"


def test_a_redelivered_event_has_one_effect(start_service, raw_publisher, kit_db, span_exporter):
    start_service(KitConsumer)
    event = note_event(unique("twice"))
    trace_id, traceparent = new_trace()

    # twice at once (two workers race for the inbox row), then once more later
    for _ in range(2):
        raw_publisher(event, message_id=event["id"], headers={"nameko.traceparent": traceparent})
    wait_for(lambda: len(handler_spans(span_exporter, trace_id)) == 2)
    raw_publisher(event, message_id=event["id"], headers={"nameko.traceparent": traceparent})
    wait_for(lambda: len(handler_spans(span_exporter, trace_id)) == 3)

    assert effects(kit_db, event["id"]) == 1
    assert inbox_rows(kit_db, event["id"]) == 1
    assert all(span.status.is_ok for span in handler_spans(span_exporter, trace_id))


def test_a_body_that_is_not_json_is_dead_lettered(start_service, raw_publisher, kit_db, rabbit_admin, vhost):
    start_service(KitConsumer)
    marker = unique("garbage")

    raw_publisher(b"{not json " + marker.encode(), message_id=marker)

    [letter] = wait_dead_lettered(rabbit_admin, vhost, marker)
    assert letter["payload"] == "{not json " + marker
    assert letter["properties"]["message_id"] == marker
    publish_valid_and_wait(raw_publisher, kit_db)


def test_a_body_in_a_foreign_serialisation_is_dead_lettered_not_decoded(
    start_service, raw_publisher, kit_db, rabbit_admin, vhost
):
    start_service(KitConsumer)
    marker = unique("pickled")

    # never unpickled: only JSON is accepted
    raw_publisher(b"\x80\x04" + marker.encode(), content_type="application/x-python-serialize",
                  content_encoding="binary", message_id=marker)

    [letter] = wait_dead_lettered_by_id(rabbit_admin, vhost, marker)
    assert letter["properties"]["content_type"] == "application/x-python-serialize"
    publish_valid_and_wait(raw_publisher, kit_db)


def test_json_that_is_not_an_envelope_is_dead_lettered(start_service, raw_publisher, kit_db, rabbit_admin, vhost):
    start_service(KitConsumer)
    not_envelope, a_list = unique("not-envelope"), unique("a-list")
    half_envelope = {**note_event("x"), "type": None, "marker": unique("half")}

    raw_publisher({"hello": not_envelope})
    raw_publisher([a_list])
    raw_publisher(half_envelope)

    for marker in (not_envelope, a_list, half_envelope["marker"]):
        wait_dead_lettered(rabbit_admin, vhost, marker)
    publish_valid_and_wait(raw_publisher, kit_db)
    assert inbox_rows(kit_db, half_envelope["id"]) == 0


def test_a_failing_handler_ends_in_the_dead_letter_queue(
    start_service, raw_publisher, kit_db, rabbit_admin, vhost, span_exporter
):
    start_service(KitConsumer)
    poison = note_event(unique("explode"))
    trace_id, traceparent = new_trace()

    raw_publisher(poison, message_id=poison["id"], headers={"nameko.traceparent": traceparent})
    # a later event is handled while the poison one is retried
    publish_valid_and_wait(raw_publisher, kit_db)

    [letter] = wait_dead_lettered(rabbit_admin, vhost, poison["data"]["body"])
    assert letter["properties"]["message_id"] == poison["id"]
    # first delivery plus INBOX_DELIVERY_LIMIT (2) redeliveries, each failing
    spans = wait_for(lambda: handler_spans(span_exporter, trace_id) if
                     len(handler_spans(span_exporter, trace_id)) >= 3 else None)
    assert len(spans) == 3
    assert all(not span.status.is_ok for span in spans)
    assert effects(kit_db, poison["id"]) == 0
    assert inbox_rows(kit_db, poison["id"]) == 0
    publish_valid_and_wait(raw_publisher, kit_db)


def test_an_outage_longer_than_the_delivery_limit_dead_letters_nothing(
    start_service, raw_publisher, kit_db, rabbit_admin, vhost
):
    """The database is "unavailable" four times in a row for this event, more
    than INBOX_DELIVERY_LIMIT (2) allows for failed deliveries: it is handled
    once it comes back, and never dead-lettered."""
    start_service(KitConsumer)
    event = note_event(unique("outage"))
    raw_publisher(event, message_id=event["id"])
    wait_for(lambda: effects(kit_db, event["id"]) == 1, timeout=20, message="the event was never handled")
    assert KitConsumer.outages[event["id"]] == 4
    assert not [m for m in dead_letters(rabbit_admin, vhost) if m["properties"].get("message_id") == event["id"]]
    assert inbox_rows(kit_db, event["id"]) == 1


def test_handle_once_claims_an_event_for_one_consumer_only(database_url, kit_schema, kit_db):
    event = note_event(unique("claim"))
    with make_pool(database_url, kit_schema, max_size=2) as pool:
        first, other = Db(pool, "kit.first"), Db(pool, "kit.other")
        with first.handle_once(event) as conn:
            assert conn is not None
        with first.handle_once(event) as conn:
            assert conn is None
        with other.handle_once(event) as conn:
            assert conn is not None
        # a failing handler releases its claim with its writes
        fresh = note_event(unique("claim-fails"))
        try:
            with first.handle_once(fresh) as conn:
                raise RuntimeError("handler failed")
        except RuntimeError:
            pass
        with first.handle_once(fresh) as conn:
            assert conn is not None

    consumers = kit_db.all("SELECT consumer FROM inbox WHERE event_id = %s ORDER BY consumer", (event["id"],))
    assert [row["consumer"] for row in consumers] == ["kit.first", "kit.other"]
