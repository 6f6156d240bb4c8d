"""Support's projections of sales' accounts and contacts and of orders: fed
by their events (each once however often delivered, an older snapshot never
over a newer one), ``contact_by_email`` for the mail area, and
``account.merged`` moving the merged account's contacts, orders and cases to
the survivor in one transaction.

Events are published by hand on ``sales.events`` / ``orders.events`` as the
producers' relays send them."""

import datetime
import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from services.support.customers import commands, store
from shared.kit.outbox import envelope
from tests.support.conftest import known_account, known_contact, unique, wait_for

NOTHING_MOVED = {"contacts": 0, "opportunities": 0, "activities": 0, "children": 0}
NOW = datetime.datetime.now(datetime.UTC).isoformat()


@pytest.fixture
def publish(amqp_uri, service):
    """``publish(envelope)`` on the producer's exchange; support's queues exist (``service``)."""
    connection = Connection(amqp_uri)
    channel = connection.channel()

    def send(body):
        exchange = Exchange(f"{body['producer']}.events", type="topic", durable=True)
        exchange.declare(channel=channel)
        Producer(channel, exchange=exchange).publish(
            json.dumps(body), routing_key=body["type"], delivery_mode=2, content_type="application/json",
            content_encoding="utf-8", message_id=body["id"])

    yield send
    connection.release()


def sales_account(account_id=None, version=1, **fields):
    account = {"id": account_id or str(uuid.uuid4()), "name": f"Globex {unique()}", "domain": None,
               "industry": "Retail", "size": None, "country": "de", "addresses": [], "type": "customer",
               "parent_id": None, "owner": "sam", "attributes": {"tier": "gold"}, "merged_into": None,
               "version": version, "created_by": "tests", "created_at": NOW, "updated_at": NOW}
    account.update(fields)
    return account


def sales_contact(contact_id=None, account_id=None, version=1, **fields):
    contact = {"id": contact_id or str(uuid.uuid4()), "account_id": account_id, "first_name": "Ada",
               "last_name": "Lovelace", "title": None, "emails": [f"Ada.{unique()}@Example.org", "x@example.org"],
               "phones": ["+442079460958"], "role": None, "do_not_call": False, "do_not_email": False,
               "owner": None, "attributes": {}, "version": version, "created_by": "tests", "created_at": NOW,
               "updated_at": NOW}
    contact.update(fields)
    return contact


def an_order(account_id, version=2, status="submitted", **fields):
    order = {"id": str(uuid.uuid4()), "number": f"SO-{unique()}", "account_id": account_id, "status": status,
             "placed_at": NOW, "version": version}
    order.update(fields)
    return order


def handled(db, body):
    consumer = "support.on_" + body["type"].replace(".", "_")
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s", (consumer, body["id"]))


def deliver(publish, db, body, times=1):
    for _ in range(times):
        publish(body)
    wait_for(lambda: handled(db, body) == 1, message=f"{body['type']} was not handled")


def test_accounts_are_projected_newest_version_wins(publish, db):
    account = sales_account()
    deliver(publish, db, envelope("account.created", {"account": account}))
    row = db.one("SELECT name, type, tier, industry, country, owner, source_version FROM accounts WHERE id = %s",
                 (account["id"],))
    assert row == {"name": account["name"], "type": "customer", "tier": "gold", "industry": "Retail",
                   "country": "DE", "owner": "sam", "source_version": 1}
    newer = {**account, "name": "Globex Two", "version": 3}
    deliver(publish, db, envelope("account.updated", {"account": newer, "changed": ["name"]}))
    older = {**account, "name": "Globex Stale", "version": 2}
    deliver(publish, db, envelope("account.updated", {"account": older, "changed": ["name"]}))
    assert db.scalar("SELECT name FROM accounts WHERE id = %s", (account["id"],)) == "Globex Two"


def test_contacts_are_projected_with_their_primary_email_lower_cased(publish, db):
    contact = sales_contact(account_id=known_account(db))
    deliver(publish, db, envelope("contact.created", {"contact": contact}))
    row = db.one("SELECT first_name, email, phone, source_version FROM contacts WHERE id = %s", (contact["id"],))
    assert row == {"first_name": "Ada", "email": contact["emails"][0].lower(), "phone": "+442079460958",
                   "source_version": 1}
    with db.conn.transaction():
        found = commands.contact_by_email(db.conn, "  " + contact["emails"][0].upper())
        assert str(found["id"]) == contact["id"]
        assert commands.contact_by_email(db.conn, "nobody@example.org") is None
        assert commands.contact_by_email(db.conn, "") is None
    moved = {**contact, "emails": ["new@example.org"], "version": 2}
    deliver(publish, db, envelope("contact.updated", {"contact": moved, "changed": ["emails"]}))
    assert db.scalar("SELECT email FROM contacts WHERE id = %s", (contact["id"],)) == "new@example.org"


def test_orders_are_projected_from_orders_events(publish, db):
    account_id = known_account(db)
    order = an_order(account_id)
    deliver(publish, db, envelope("order.placed", {"order": {**order, "lines": [], "shipments": []}}))
    shipped = {**order, "status": "shipped", "version": 4}
    deliver(publish, db, envelope("order.shipped", {"order": shipped, "shipment": {}}))
    deliver(publish, db, envelope("order.cancelled", {"order": {**order, "status": "cancelled"}, "reason": "x"}))
    row = db.one("SELECT number, account_id::text, status FROM orders WHERE id = %s", (order["id"],))
    assert row == {"number": order["number"], "account_id": account_id, "status": "shipped"}


def test_unreadable_events_are_acknowledged_and_ignored(publish, db):
    broken = envelope("account.created", {"account": {"id": "nope"}})
    good = envelope("account.created", {"account": sales_account()})
    publish(broken)
    deliver(publish, db, good)
    assert handled(db, broken) == 0


def test_account_merged_moves_contacts_orders_and_cases_once(publish, db, support):
    survivor, merged = sales_account(), sales_account()
    for account in (survivor, merged):
        deliver(publish, db, envelope("account.created", {"account": account}))
    contact = known_contact(db, merged["id"])
    order = an_order(merged["id"])
    deliver(publish, db, envelope("order.placed", {"order": order}))
    open_case = support.create_case({"subject": "Open one", "contact_id": contact, "order_id": order["id"]})
    closed_case = support.create_case({"subject": "Closed one", "account_id": merged["id"]})
    support.change_case_status(closed_case["id"], "closed", "ann")
    assert open_case["account_id"] == merged["id"]
    body = envelope("account.merged", {"account": {**survivor, "version": 2}, "merged_id": merged["id"],
                                       "moved": NOTHING_MOVED})
    deliver(publish, db, body, times=3)  # redelivered: one effect
    assert db.scalar("SELECT merged_into::text FROM accounts WHERE id = %s", (merged["id"],)) == survivor["id"]
    assert db.scalar("SELECT account_id::text FROM contacts WHERE id = %s", (contact,)) == survivor["id"]
    assert db.scalar("SELECT account_id::text FROM orders WHERE id = %s", (order["id"],)) == survivor["id"]
    for case in (open_case, closed_case):
        moved = support.get_case(case["id"])
        assert moved["account_id"] == survivor["id"] and moved["account_name"] == survivor["name"]
        assert moved["version"] == case["version"] + (2 if case is closed_case else 1)
        merges = [item for item in support.case_history(case["id"])["items"] if item["action"] == "account_merged"]
        assert len(merges) == 1
        assert merges[0]["changes"]["account_id"] == [merged["id"], survivor["id"]]
    # the merged account is refused from now on, naming the survivor
    with pytest.raises(Exception) as raised:
        support.create_case({"subject": "x", "account_id": merged["id"]})
    assert raised.value.extra["merged_into"] == survivor["id"]


def test_a_merge_of_an_unknown_account_leaves_a_placeholder(db):
    survivor = sales_account()
    merged_id = str(uuid.uuid4())
    with db.conn.transaction():
        moved = commands.follow_merge(db.conn, survivor, merged_id)
        assert moved == {"contacts": 0, "orders": 0, "cases": 0}
        assert store.final_survivor(db.conn, merged_id) == survivor["id"]
    # its own, older snapshot keeps merged_into
    with db.conn.transaction():
        commands.apply_accounts(db.conn, [sales_account(merged_id, version=1)])
    assert db.scalar("SELECT merged_into::text FROM accounts WHERE id = %s", (merged_id,)) == survivor["id"]


def test_the_catch_up_state_answers_its_schema(support):
    from shared.schemas.support.customers import CustomersSyncStateSchema

    state = support.customers_sync_state()
    assert CustomersSyncStateSchema().validate(state) == {}
    assert [item["kind"] for item in state["items"]] == ["accounts", "contacts"]
