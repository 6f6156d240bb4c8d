"""Converted leads follow account merges (leads consumes ``account.merged``):
end to end with both services running, once however often the event is
delivered, nothing for an account no lead was converted into, and a
malformed event acknowledged instead of retried.

The real sales service runs next to leads (tests/leads/sales_neighbour.py),
which also tells how a hand-published event's handling is observed.
"""

import uuid

import pytest

from shared.kit.outbox import envelope
from shared.schemas.events import contract
from tests.leads import sales_neighbour
from tests.leads.conftest import person, unique, wait_for
from tests.leads.sales_neighbour import dead_lettered, deliver, deliver_together, inbox_rows, published_body

# The sales service next to leads (fixtures):
sales_env, sales_config, sales_db = sales_neighbour.sales_env, sales_neighbour.sales_config, sales_neighbour.sales_db
sales, span_exporter, publish = sales_neighbour.sales, sales_neighbour.span_exporter, sales_neighbour.publish

NOTHING_MOVED = {"contacts": 0, "opportunities": 0, "activities": 0, "children": 0}


def new_account(sales):
    tag = unique()
    return sales.create_account({"name": f"Analytical {tag} GmbH", "domain": f"{tag}.example.org",
                                 "country": "DE"}, "tests")


def qualified_lead(leads):
    """A qualified lead whose email has a company domain of its own (so
    converting it makes a new account)."""
    lead = leads.create_lead(person(email=f"ada@{unique()}.example.com"), "tests")
    return leads.update_lead(lead["id"], {"status": "qualified"}, "tests")


def converted_into(leads, db, account_id):
    """A lead marked converted into ``account_id`` straight in the database."""
    lead = leads.create_lead(person())
    db.one("UPDATE leads SET status = 'converted', converted_account_id = %s, converted_contact_id = %s,"
           " converted_at = now() WHERE id = %s RETURNING id", (account_id, str(uuid.uuid4()), lead["id"]))
    return leads.get_lead(lead["id"])


def merged_event(survivor, merged_id):
    """An account.merged envelope as sales would publish it."""
    data = {"account": survivor, "merged_id": merged_id, "moved": NOTHING_MOVED}
    contract("account.merged").schema().load(data)
    return envelope("account.merged", data)


def followed(db, lead_id):
    """The changes of the lead's ``account_merged`` history rows."""
    return [row["changes"] for row in db.all(
        "SELECT changes FROM lead_history WHERE lead_id = %s AND action = 'account_merged' ORDER BY id", (lead_id,))]


# End to end -------------------------------------------------------------------------------------

def test_a_converted_lead_follows_its_account_into_the_survivor_once(sales, sales_db, leads, db, events, publish,
                                                                    span_exporter):
    result = leads.convert_lead(qualified_lead(leads)["id"], None, "closer")
    assert result["account_created"] is True
    lead, survivor = result["lead"], new_account(sales)

    sales.merge_accounts(survivor["id"], result["account_id"], "tests")

    wait_for(lambda: leads.get_lead(lead["id"])["converted_account_id"] == survivor["id"],
             message="the lead still names the merged account")
    body = published_body(sales_db, "account.merged", ("merged_id",), result["account_id"])
    deliver(publish, span_exporter, body, times=2)  # redelivered, twice at once: two workers race
    assert inbox_rows(db, body) == 1
    assert followed(db, lead["id"]) == [{"converted_account_id": [result["account_id"], survivor["id"]]}]
    assert db.scalar("SELECT actor FROM lead_history WHERE lead_id = %s AND action = 'account_merged'",
                     (lead["id"],)) == "sales"
    now = leads.get_lead(lead["id"])
    assert now == {**lead, "converted_account_id": survivor["id"], "version": lead["version"] + 1,
                   "updated_at": now["updated_at"]}
    events.settle(db, [lead["id"]])
    [event] = [event for event in events.of("lead.updated", lead["id"])
               if event.data["changed"] == ["converted_account_id"]]
    assert event.data["lead"] == now
    contract("lead.updated").schema().load(event.data)


def test_every_lead_of_the_merged_account_follows_once_however_often_delivered(sales, leads, db, events, publish,
                                                                              span_exporter):
    merged_id, survivor = str(uuid.uuid4()), new_account(sales)
    linked = [converted_into(leads, db, merged_id) for _ in range(3)]
    other = converted_into(leads, db, str(uuid.uuid4()))
    event = merged_event(survivor, merged_id)

    deliver(publish, span_exporter, event, times=2)
    deliver(publish, span_exporter, event)

    assert inbox_rows(db, event) == 1
    for lead in linked:
        now = leads.get_lead(lead["id"])
        assert (now["converted_account_id"], now["version"]) == (survivor["id"], lead["version"] + 1)
        assert followed(db, lead["id"]) == [{"converted_account_id": [merged_id, survivor["id"]]}]
    assert leads.get_lead(other["id"]) == other
    ids = [lead["id"] for lead in linked]
    events.settle(db, ids)
    assert sorted(event.lead_id for event in events.of("lead.updated")
                  if event.lead_id in ids and event.data["changed"] == ["converted_account_id"]) == sorted(ids)


def test_a_merged_account_no_lead_was_converted_into_changes_nothing(sales, leads, db, publish, span_exporter):
    lead = converted_into(leads, db, str(uuid.uuid4()))
    event = merged_event(new_account(sales), str(uuid.uuid4()))

    deliver(publish, span_exporter, event)

    assert inbox_rows(db, event) == 1
    assert leads.get_lead(lead["id"]) == lead
    assert followed(db, lead["id"]) == []


def merges_table(db):
    return {str(row["merged_id"]): str(row["survivor_id"])
            for row in db.all("SELECT merged_id, survivor_id FROM account_merges")}


@pytest.mark.parametrize("order", ["in order", "out of order", "at once"])
def test_chained_merges_leave_every_lead_on_the_live_account_in_any_order(sales, leads, db, publish, span_exporter,
                                                                          order):
    a_id, b, c = str(uuid.uuid4()), new_account(sales), new_account(sales)
    on_a, on_b = converted_into(leads, db, a_id), converted_into(leads, db, b["id"])
    a_into_b, b_into_c = merged_event(b, a_id), merged_event(c, b["id"])

    if order == "at once":
        deliver_together(publish, span_exporter, [a_into_b, b_into_c])
    for event in {"in order": [a_into_b, b_into_c], "out of order": [b_into_c, a_into_b]}.get(order, []):
        deliver(publish, span_exporter, event)

    assert leads.get_lead(on_a["id"])["converted_account_id"] == c["id"]
    assert leads.get_lead(on_b["id"])["converted_account_id"] == c["id"]
    assert {a_id: c["id"], b["id"]: c["id"]}.items() <= merges_table(db).items()
    assert followed(db, on_b["id"]) == [{"converted_account_id": [b["id"], c["id"]]}]


def test_a_merge_that_would_close_a_cycle_changes_nothing(sales, leads, db, publish, span_exporter):
    a, b = new_account(sales), new_account(sales)
    lead = converted_into(leads, db, b["id"])
    deliver(publish, span_exporter, merged_event(b, a["id"]))

    deliver(publish, span_exporter, merged_event(a, b["id"]))

    assert leads.get_lead(lead["id"]) == lead
    assert merges_table(db)[a["id"]] == b["id"] and b["id"] not in merges_table(db)


def test_a_conversion_answered_with_an_account_merged_meanwhile_links_the_survivor(sales, leads, db, publish,
                                                                                  span_exporter):
    chosen, survivor = new_account(sales), new_account(sales)
    deliver(publish, span_exporter, merged_event(survivor, chosen["id"]))  # leads heard of it first

    result = leads.convert_lead(qualified_lead(leads)["id"], {"account_id": chosen["id"]}, "closer")

    assert result["account_id"] == survivor["id"]
    assert leads.get_lead(result["lead"]["id"])["converted_account_id"] == survivor["id"]


# Malformed events: acknowledged, not retried ------------------------------------------------

MERGED_ID = str(uuid.uuid4())


@pytest.mark.parametrize("data", [
    {"merged_id": MERGED_ID, "moved": NOTHING_MOVED},
    {"account": "an account", "merged_id": MERGED_ID},
    {"account": {"id": "not-a-uuid"}, "merged_id": MERGED_ID},
    {"account": {"id": str(uuid.uuid4())}},
    {"account": {"id": str(uuid.uuid4())}, "merged_id": "not-a-uuid"},
    {"account": {"id": MERGED_ID}, "merged_id": MERGED_ID},
], ids=["no-survivor", "survivor-not-an-object", "survivor-id-not-an-id", "no-merged-id", "merged-id-not-an-id",
        "merged-into-itself"])
def test_a_malformed_event_is_acknowledged_without_effect(data, leads, db, publish, span_exporter, rabbit_admin,
                                                          vhost):
    lead = converted_into(leads, db, MERGED_ID)
    event = envelope("account.merged", data)

    deliver(publish, span_exporter, event)

    assert leads.get_lead(lead["id"]) == lead
    assert inbox_rows(db, event) == 0
    assert not dead_lettered(rabbit_admin, vhost, event["id"])
