"""Orders' projection of sales' accounts: fed by account.created, updated and
merged (each once however often delivered, an older snapshot never over a
newer one), ``require_account`` for the other areas, and a merge moving the
merged account's documents to the survivor.

Events are published by hand on ``sales.events`` as sales' relay sends them;
the sales service itself runs in test_customers_catch_up.py."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from kombu import Connection, Exchange, Producer

from services.orders.customers import commands
from shared.kit.outbox import envelope
from shared.schemas.errors import ValidationFailed
from tests.orders.conftest import known_account, unique, wait_for

NOTHING_MOVED = {"contacts": 0, "opportunities": 0, "activities": 0, "children": 0}


@pytest.fixture
def publish(amqp_uri, service):
    """``publish(envelope)`` on sales.events; the orders queues exist (``service``)."""
    connection = Connection(amqp_uri)
    exchange = Exchange("sales.events", type="topic", durable=True)
    producer = Producer(connection.channel(), exchange=exchange)
    exchange.declare(channel=producer.channel)

    def send(body):
        producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                         content_type="application/json", content_encoding="utf-8", message_id=body["id"])

    yield send
    connection.release()


def sales_account(account_id=None, version=1, **fields):
    """An account as sales' events carry it (AccountSchema)."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    account = {"id": account_id or str(uuid.uuid4()), "name": f"Globex {unique()}", "domain": None,
               "industry": None, "size": None, "country": "DE", "addresses": [], "type": "prospect",
               "parent_id": None, "owner": None, "attributes": {}, "merged_into": None, "version": version,
               "created_by": "tests", "created_at": now, "updated_at": now}
    account.update(fields)
    return account


def created(account):
    return envelope("account.created", {"account": account})


def updated(account, changed=("name",)):
    return envelope("account.updated", {"account": account, "changed": list(changed)})


def merged(survivor, merged_id):
    return envelope("account.merged", {"account": survivor, "merged_id": merged_id, "moved": NOTHING_MOVED})


def handled(db, body):
    """How often orders recorded the event in its inbox (0 or 1)."""
    consumer = "orders.on_" + body["type"].replace(".", "_")
    return db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = %s", (consumer, body["id"]))


def deliver(publish, db, body, times=1):
    for _ in range(times):
        publish(body)
    wait_for(lambda: handled(db, body) == 1, message=f"{body['type']} was not handled")


def projected(db, account_id):
    return db.one("SELECT id::text, name, type, country, merged_into::text, source_version FROM accounts"
                  " WHERE id = %s", (account_id,))


def insert_order(db, account_id, currency="EUR", net="100.00", status="submitted"):
    """An order row straight in the table (what customer value and merges read)."""
    order_id = str(uuid.uuid4())
    net = Decimal(net)
    db.conn.execute(
        "INSERT INTO orders (id, number_seq, number, account_id, status, currency, tax_country,"
        " prices_include_tax, payment_terms_days, net_total, tax_total, gross_total, discount_total, tax_lines,"
        " placed_at)"
        " SELECT %s, seq, 'SO-' || lpad(seq::text, 6, '0'), %s, %s, %s, 'DE', false, 30, %s, 0, %s, 0, '[]',"
        "        CASE WHEN %s <> 'draft' THEN now() END FROM nextval('order_numbers') AS seq",
        (order_id, account_id, status, currency, net, net, status))
    return order_id


# The events ------------------------------------------------------------------------------------

def test_a_created_account_is_projected_once_however_often_delivered(service, db, publish):
    account = sales_account(type="customer", country="FR")
    body = created(account)
    deliver(publish, db, body, times=3)
    assert projected(db, account["id"]) == {"id": account["id"], "name": account["name"], "type": "customer",
                                            "country": "FR", "merged_into": None, "source_version": 1}
    wait_for(lambda: db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (body["id"],)) == 1)


def test_an_update_replaces_the_snapshot_and_an_older_one_never_overwrites_it(service, db, publish):
    account = sales_account()
    deliver(publish, db, updated({**account, "name": "Newest", "type": "customer", "version": 3}))
    deliver(publish, db, created(account))  # version 1 arrives late (another queue)
    deliver(publish, db, updated({**account, "name": "Older", "version": 2}))
    assert projected(db, account["id"])["name"] == "Newest"
    assert projected(db, account["id"])["source_version"] == 3
    deliver(publish, db, updated({**account, "name": "Renamed", "country": None, "version": 4}))
    assert projected(db, account["id"]) == {"id": account["id"], "name": "Renamed", "type": "prospect",
                                            "country": None, "merged_into": None, "source_version": 4}


def test_an_unreadable_event_is_acknowledged_and_changes_nothing(service, db, publish):
    account = sales_account()
    bad = envelope("account.created", {"account": {"id": "not-an-id", "name": "X", "version": 1}})
    publish(bad)
    later = created(account)
    deliver(publish, db, later)  # the same queue: the bad one went before it, without blocking it
    assert handled(db, bad) == 0
    assert db.scalar("SELECT count(*) FROM accounts WHERE name = 'X'") == 0


def test_a_merge_moves_the_documents_to_the_survivor_once(service, db, publish):
    survivor, duplicate = sales_account(), sales_account()
    deliver(publish, db, created(survivor))
    deliver(publish, db, created(duplicate))
    orders = [insert_order(db, duplicate["id"]), insert_order(db, duplicate["id"], status="draft")]
    kept = insert_order(db, survivor["id"])

    body = merged({**survivor, "version": 2}, duplicate["id"])
    deliver(publish, db, body, times=2)

    assert projected(db, duplicate["id"])["merged_into"] == survivor["id"]
    assert projected(db, survivor["id"])["source_version"] == 2
    owners = {row["id"]: row["account_id"] for row in db.all(
        "SELECT id::text, account_id::text FROM orders WHERE id = ANY(%s::uuid[])", (orders + [kept],))}
    assert owners == {orders[0]: survivor["id"], orders[1]: survivor["id"], kept: survivor["id"]}
    versions = {row["id"]: row["version"] for row in db.all(
        "SELECT id::text, version FROM orders WHERE id = ANY(%s::uuid[])", (orders + [kept],))}
    assert versions == {orders[0]: 2, orders[1]: 2, kept: 1}  # a moved document is a new version (ETags)
    # a late snapshot of the merged account (older, without merged_into) does not revive it
    deliver(publish, db, updated({**duplicate, "name": "Late", "version": 2}))
    assert projected(db, duplicate["id"])["merged_into"] == survivor["id"]


def test_merges_handled_out_of_order_end_on_the_live_account(service, db, publish):
    """A merged into B, then B into C at sales; orders handles B->C first."""
    a, b, c = sales_account(), sales_account(), sales_account()
    for account in (a, b, c):
        deliver(publish, db, created(account))
    order_of_a, order_of_b = insert_order(db, a["id"]), insert_order(db, b["id"])

    deliver(publish, db, merged({**c, "version": 2}, b["id"]))
    deliver(publish, db, merged({**b, "version": 2}, a["id"]))

    assert projected(db, a["id"])["merged_into"] == c["id"]
    assert projected(db, b["id"])["merged_into"] == c["id"]
    assert db.scalar("SELECT count(*) FROM orders WHERE id = ANY(%s::uuid[]) AND account_id = %s",
                     ([order_of_a, order_of_b], c["id"])) == 2


def test_a_merge_of_an_account_orders_never_saw_leaves_a_placeholder_its_snapshot_fills(service, db, publish):
    survivor, duplicate = sales_account(), sales_account(version=1)
    deliver(publish, db, merged(survivor, duplicate["id"]))
    assert projected(db, duplicate["id"])["merged_into"] == survivor["id"]
    deliver(publish, db, created(duplicate))
    assert projected(db, duplicate["id"]) == {"id": duplicate["id"], "name": duplicate["name"], "type": "prospect",
                                              "country": "DE", "merged_into": survivor["id"], "source_version": 1}


def test_a_merge_moves_issued_invoices_and_credit_notes_too(service, db, publish):
    """The invoicing guards let a merge change an issued document's account (and nothing else)."""
    survivor, duplicate = known_account(db), known_account(db)
    order_id = insert_order(db, duplicate)
    invoice_id, note_id = str(uuid.uuid4()), str(uuid.uuid4())
    tag = unique()[:6].upper()
    db.conn.execute(
        "INSERT INTO invoices (id, number, series, year, sequence, status, order_id, account_id, currency,"
        " prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines, payment_terms_days,"
        " issue_date, due_date) VALUES (%s, %s, %s, 2026, 1, 'issued', %s, %s, 'EUR', false, 100, 0, 100, 0,"
        " '[]', 30, current_date, current_date + 30)",
        (invoice_id, f"T{tag}-1", f"T{tag}", order_id, duplicate))
    db.conn.execute(
        "INSERT INTO credit_notes (id, number, series, year, sequence, invoice_id, order_id, account_id, reason,"
        " currency, prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines, issue_date)"
        " VALUES (%s, %s, %s, 2026, 1, %s, %s, %s, 'tests', 'EUR', false, 10, 0, 10, 0, '[]', current_date)",
        (note_id, f"C{tag}-1", f"C{tag}", invoice_id, order_id, duplicate))
    survivor_row = sales_account(survivor, version=2, name="Survivor")

    deliver(publish, db, merged(survivor_row, duplicate))

    for table, row_id in (("orders", order_id), ("invoices", invoice_id), ("credit_notes", note_id)):
        assert db.scalar(f"SELECT account_id::text FROM {table} WHERE id = %s", (row_id,)) == survivor, table


# require_account ---------------------------------------------------------------------------------

def test_require_account_answers_a_live_account_and_refuses_the_others(db):
    live, survivor, gone = known_account(db, name="Live"), known_account(db), known_account(db)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, gone))
    with db.conn.transaction():
        assert commands.require_account(db.conn, live)["name"] == "Live"

    with pytest.raises(ValidationFailed) as unknown:
        commands.require_account(db.conn, str(uuid.uuid4()), field="lines.0.account_id")
    assert unknown.value.errors == {"lines.0.account_id": ["No such account."]}

    with pytest.raises(ValidationFailed) as malformed:
        commands.require_account(db.conn, "nope")
    assert list(malformed.value.errors) == ["account_id"]

    with pytest.raises(ValidationFailed) as was_merged:
        commands.require_account(db.conn, gone)
    assert was_merged.value.errors == {"account_id": [f"Merged into account {survivor}."]}
    assert was_merged.value.extra == {"merged_into": survivor}
    assert survivor in was_merged.value.detail


def test_require_account_holds_the_account_until_the_document_commits(db, orders_database_url):
    """A merge being applied waits for a document being created for the
    account, so the document is moved with the others (not left behind)."""
    import psycopg
    from psycopg.rows import dict_row

    account, survivor = known_account(db), known_account(db)
    options = {"options": "-c search_path=orders,public", "row_factory": dict_row}
    with psycopg.connect(orders_database_url, **options) as creating, \
            psycopg.connect(orders_database_url, **options) as merging:
        commands.require_account(creating, account)  # FOR SHARE, transaction open
        merging.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            commands.follow_merge(merging, {**sales_account(survivor, version=2)}, account)
        merging.rollback()
        creating.commit()
        commands.follow_merge(merging, sales_account(survivor, version=2), account)
        merging.commit()
    assert projected(db, account)["merged_into"] == survivor
