"""Activities logged in sales raise the lead's engagement (leads consumes
``activity.logged``): end to end with both services running, exactly once
however often the event is delivered, and never stuck on a lead that is gone,
merged or converted.

The real sales service runs next to leads (tests/leads/sales_neighbour.py),
which also tells how a hand-published event's handling is observed.
"""

import uuid
from datetime import UTC, datetime

from shared.kit.outbox import envelope
from tests.leads import sales_neighbour
from tests.leads.conftest import person, wait_for
from tests.leads.sales_neighbour import dead_lettered, deliver, inbox_rows, published_body

# The sales service next to leads (fixtures):
sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db
sales, span_exporter, publish = sales_neighbour.sales, sales_neighbour.span_exporter, sales_neighbour.publish


# Reading the leads side --------------------------------------------------------------

def engagement(db, lead_id):
    return db.scalar("SELECT engagement FROM leads WHERE id = %s", (lead_id,))


def engagement_history(db, lead_id):
    return [row["changes"] for row in db.all(
        "SELECT changes FROM lead_history WHERE lead_id = %s AND action = 'engagement' ORDER BY id", (lead_id,))]


def logged_event(sales_db, activity_id):
    """The activity.logged envelope sales wrote for the activity, as the relay publishes it."""
    return published_body(sales_db, "activity.logged", ("activity", "id"), activity_id)


def activity_event(lead_id, kind="call", status="open", created_by="alice"):
    """An activity.logged envelope as sales would publish it."""
    now = datetime.now(UTC).isoformat()
    activity = {
        "id": str(uuid.uuid4()), "kind": kind, "subject": "Follow-up", "body": None, "account_id": None,
        "contact_id": None, "opportunity_id": None, "lead_id": lead_id, "status": status, "due_at": None,
        "occurred_at": now, "completed_at": None, "owner": created_by, "version": 1, "created_by": created_by,
        "created_at": now, "updated_at": now,
    }
    return envelope("activity.logged", {"activity": activity})


# End to end -------------------------------------------------------------------------------------

def test_an_activity_on_a_lead_raises_its_engagement_exactly_once(sales, sales_db, leads, db, events, publish,
                                                                  span_exporter):
    lead = leads.create_lead(person())

    activity = sales.log_activity({"kind": "call", "subject": "Intro call", "lead_id": lead["id"]}, "alice")

    wait_for(lambda: engagement(db, lead["id"]) == 1, message="the lead was not credited")
    body = logged_event(sales_db, activity["id"])
    deliver(publish, span_exporter, body, times=2)  # twice at once: two workers race for the inbox row
    deliver(publish, span_exporter, body)  # and once more later
    assert engagement(db, lead["id"]) == 1
    assert inbox_rows(db, body) == 1
    assert engagement_history(db, lead["id"]) == [{"kind": "call", "engagement": 1}]
    assert db.scalar("SELECT actor FROM lead_history WHERE lead_id = %s AND action = 'engagement'",
                     (lead["id"],)) == "alice"
    credited = leads.get_lead(lead["id"])
    assert credited["score"] == lead["score"] + 5  # the default engagement rule: 5 points an event
    events.settle(db, [lead["id"]])
    assert [event.data["changed"] for event in events.of("lead.updated", lead["id"])] == [["engagement", "score"]]


def test_calls_meetings_tasks_and_notes_each_count_once(sales, leads, db, span_exporter):
    lead = leads.create_lead(person())

    for kind in ("call", "meeting", "task", "note"):
        sales.log_activity({"kind": kind, "subject": f"A {kind}", "lead_id": lead["id"]}, "alice")

    wait_for(lambda: engagement(db, lead["id"]) == 4, message="not every activity was credited")
    assert sorted(change["kind"] for change in engagement_history(db, lead["id"])) == [
        "call", "meeting", "note", "task"]
    contributions = {item["rule_id"]: item["points"] for item in leads.explain_score(lead["id"])["contributions"]}
    assert contributions["engagement"] == 20


def test_an_activity_on_a_merged_lead_credits_the_survivor(sales, leads, db):
    survivor, duplicate = leads.create_lead(person()), leads.create_lead(person())
    merged = leads.merge_leads(survivor["id"], duplicate["id"], "tests")

    sales.log_activity({"kind": "meeting", "subject": "Demo", "lead_id": duplicate["id"]}, "alice")

    wait_for(lambda: engagement(db, survivor["id"]) == merged["engagement"] + 1,
             message="the survivor was not credited")
    assert engagement(db, duplicate["id"]) == duplicate["engagement"]


def test_an_activity_without_a_lead_leaves_leads_alone(leads, db, publish, span_exporter):
    event = activity_event(None)

    deliver(publish, span_exporter, event)

    assert inbox_rows(db, event) == 0


# Leads that cannot be credited: acknowledged, not retried ----------------------------------

def test_an_unknown_lead_is_acknowledged_without_effect(leads, db, publish, span_exporter, rabbit_admin, vhost):
    event = activity_event(str(uuid.uuid4()))

    deliver(publish, span_exporter, event)

    assert inbox_rows(db, event) == 1
    assert not dead_lettered(rabbit_admin, vhost, event["id"])


def test_a_lead_id_that_is_no_id_is_acknowledged_without_effect(leads, db, publish, span_exporter):
    event = activity_event("not-a-uuid")

    deliver(publish, span_exporter, event)

    assert inbox_rows(db, event) == 1


def test_a_converted_lead_is_not_credited(leads, db, publish, span_exporter):
    lead = leads.create_lead(person())
    db.one("UPDATE leads SET status = 'converted', converted_account_id = %s, converted_contact_id = %s,"
           " converted_at = now() WHERE id = %s RETURNING id", (str(uuid.uuid4()), str(uuid.uuid4()), lead["id"]))
    event = activity_event(lead["id"])

    deliver(publish, span_exporter, event)

    assert engagement(db, lead["id"]) == 0
    assert inbox_rows(db, event) == 1


def test_a_cancelled_activity_earns_nothing(leads, db, publish, span_exporter):
    lead = leads.create_lead(person())
    event = activity_event(lead["id"], status="cancelled")

    deliver(publish, span_exporter, event)

    assert engagement(db, lead["id"]) == 0


def test_a_merge_chain_is_followed_to_its_end(leads, db, publish, span_exporter):
    first, second, third = (leads.create_lead(person()) for _ in range(3))
    leads.merge_leads(second["id"], first["id"], "tests")
    survivor = leads.merge_leads(third["id"], second["id"], "tests")

    deliver(publish, span_exporter, activity_event(first["id"], kind="note"))

    assert engagement(db, third["id"]) == survivor["engagement"] + 1
