"""The status counts beside the quotes, orders and invoices lists
(``count_quotes``, ``count_orders``, ``count_invoices``): they follow the
list's filters (but status), name every status (0 when none), agree with
what the list shows, and refuse bad filters with a 422."""

import datetime
import re
import uuid

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.orders.invoicing import INVOICE_STATUSES
from shared.schemas.orders.orders import ORDER_STATUSES
from shared.schemas.orders.quotes import QUOTE_STATUSES
from tests.orders import order_support, quote_support
from tests.orders.invoicing_support import issued_invoice, make_order


def counted(statuses, **counts):
    """The expected ``by_status``: every status, 0 unless given."""
    return {status: counts.get(status, 0) for status in statuses}


def listed(list_rpc, query, status):
    """How many items the list shows under ``query`` and one status (every page)."""
    total, cursor = 0, None
    while True:
        page = list_rpc({**query, "status": [status], "limit": 500, **({"cursor": cursor} if cursor else {})})
        total += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return total


def agrees_with_the_list(list_rpc, query, counts, statuses):
    assert {status: listed(list_rpc, query, status) for status in statuses} == counts["by_status"]


BAD_QUERIES = [
    ({"status": ["draft"]}, "status"),
    ({"sort": "-created_at"}, "sort"),
    ({"limit": 10}, "limit"),
    ({"cursor": "abc"}, "cursor"),
    ({"account_id": "nope"}, "account_id"),
    ({"colour": "red"}, "colour"),
]


# Quotes -------------------------------------------------------------------------------

def test_quote_counts_follow_the_filters(orders, db):
    account_id = quote_support.account(db)
    draft = quote_support.new_quote(orders, db, account_id=account_id)
    dropped = quote_support.new_quote(orders, db, account_id=account_id)
    orders.reject_quote(dropped["id"], "No budget", "tests")
    sent = quote_support.sent_quote(orders, db, account_id=account_id)
    revision = orders.revise_quote(sent["id"], "tests")  # the sent one is superseded by a new draft

    counts = orders.count_quotes({"account_id": account_id})
    assert counts == {"by_status": counted(QUOTE_STATUSES, draft=2, rejected=1), "total": 3}
    agrees_with_the_list(orders.list_quotes, {"account_id": account_id}, counts, QUOTE_STATUSES)

    everything = {"account_id": account_id, "include_superseded": True}
    counts = orders.count_quotes(everything)
    assert counts == {"by_status": counted(QUOTE_STATUSES, draft=2, rejected=1, sent=1), "total": 4}
    agrees_with_the_list(orders.list_quotes, everything, counts, QUOTE_STATUSES)

    by_number = orders.count_quotes({**everything, "q": revision["number"]})
    assert by_number == {"by_status": counted(QUOTE_STATUSES, draft=1, sent=1), "total": 2}
    assert orders.count_quotes({"account_id": account_id, "q": draft["number"]})["total"] == 1


def test_quote_counts_name_every_status_when_none_match(orders):
    counts = orders.count_quotes({"account_id": str(uuid.uuid4())})
    assert counts == {"by_status": counted(QUOTE_STATUSES), "total": 0}
    assert set(orders.count_quotes()["by_status"]) == set(QUOTE_STATUSES)


@pytest.mark.parametrize("query, field", [*BAD_QUERIES, ({"include_superseded": "maybe"}, "include_superseded")])
def test_bad_quote_count_filters_are_422(orders, query, field):
    with pytest.raises(ValidationFailed) as raised:
        orders.count_quotes(query)
    assert list(raised.value.errors) == [field]


def test_a_quote_count_query_must_be_an_object(orders):
    with pytest.raises(ValidationFailed):
        orders.count_quotes(["draft"])


# Orders -------------------------------------------------------------------------------

def test_order_counts_follow_the_filters(orders, db):
    account_id = order_support.account(db)
    orders.create_order(order_support.order_data(db, orders, account_id=account_id, customer_reference="PO-77A"),
                        "tests")
    draft = orders.create_order(order_support.order_data(db, orders, account_id=account_id), "tests")
    orders.cancel_order(draft["id"], "Changed plans", "tests")
    order_support.submitted_order(orders, db, account_id=account_id)
    order_support.submitted_order(orders, db, account_id=account_id)

    counts = orders.count_orders({"account_id": account_id})
    assert counts == {"by_status": counted(ORDER_STATUSES, draft=1, cancelled=1, submitted=2), "total": 4}
    agrees_with_the_list(orders.list_orders, {"account_id": account_id}, counts, ORDER_STATUSES)

    by_reference = orders.count_orders({"account_id": account_id, "q": "po-77a"})
    assert by_reference == {"by_status": counted(ORDER_STATUSES, draft=1), "total": 1}
    assert orders.count_orders({"account_id": str(uuid.uuid4())}) == {"by_status": counted(ORDER_STATUSES),
                                                                      "total": 0}


@pytest.mark.parametrize("query, field", [*BAD_QUERIES, ({"quote_id": 12}, "quote_id")])
def test_bad_order_count_filters_are_422(orders, query, field):
    with pytest.raises(ValidationFailed) as raised:
        orders.count_orders(query)
    assert list(raised.value.errors) == [field]


# Invoices -----------------------------------------------------------------------------

def test_invoice_counts_follow_the_filters_and_count_the_overdue(orders, db):
    account_id = quote_support.account(db)
    order_id, _ = make_order(db, account_id=account_id)
    orders.create_invoice({"order_id": order_id}, "fiona")  # a draft
    issued_invoice(orders, db, account_id=account_id)
    late = issued_invoice(orders, db, account_id=account_id)
    with db.conn.transaction():  # its terms ran out yesterday (the issued invoice guard lifted for this only)
        db.conn.execute("ALTER TABLE invoices DISABLE TRIGGER invoices_guard")
        db.conn.execute("UPDATE invoices SET due_date = %s WHERE id = %s",
                        (datetime.date.today() - datetime.timedelta(days=1), late["id"]))
        db.conn.execute("ALTER TABLE invoices ENABLE TRIGGER invoices_guard")

    query = {"account_id": account_id}
    counts = orders.count_invoices(query)
    assert counts == {"by_status": counted(INVOICE_STATUSES, draft=1, issued=2), "total": 3, "overdue": 1}
    agrees_with_the_list(orders.list_invoices, query, counts, INVOICE_STATUSES)

    overdue = orders.count_invoices({**query, "overdue": True})
    assert overdue == {"by_status": counted(INVOICE_STATUSES, issued=1), "total": 1, "overdue": 1}
    assert len(orders.list_invoices({**query, "overdue": True})["items"]) == overdue["overdue"]
    not_overdue = orders.count_invoices({**query, "overdue": False})
    assert not_overdue == {"by_status": counted(INVOICE_STATUSES, draft=1, issued=1), "total": 2, "overdue": 0}

    by_number = orders.count_invoices({**query, "q": late["number"]})
    assert by_number == {"by_status": counted(INVOICE_STATUSES, issued=1), "total": 1, "overdue": 1}
    assert orders.count_invoices({"order_id": order_id})["total"] == 1

    # The sweep marks it: it moves to the overdue status and is still counted overdue.
    db.conn.execute("UPDATE invoices SET status = 'overdue', overdue_at = now() WHERE id = %s", (late["id"],))
    counts = orders.count_invoices(query)
    assert counts == {"by_status": counted(INVOICE_STATUSES, draft=1, issued=1, overdue=1), "total": 3,
                      "overdue": 1}
    agrees_with_the_list(orders.list_invoices, query, counts, INVOICE_STATUSES)


def test_invoice_counts_name_every_status_when_none_match(orders):
    counts = orders.count_invoices({"account_id": str(uuid.uuid4())})
    assert counts == {"by_status": counted(INVOICE_STATUSES), "total": 0, "overdue": 0}


@pytest.mark.parametrize("query, field", [*BAD_QUERIES, ({"overdue": "maybe"}, "overdue"),
                                          ({"order_id": "SO-1"}, "order_id")])
def test_bad_invoice_count_filters_are_422(orders, query, field):
    with pytest.raises(ValidationFailed) as raised:
        orders.count_invoices(query)
    assert list(raised.value.errors) == [field]


# The plan -----------------------------------------------------------------------------

@pytest.mark.parametrize("table, where, indexes", [
    ("quotes", " WHERE superseded_by IS NULL", ("quotes_status",)),
    ("invoices", "", ("invoices_status",)),
    ("orders", "", ("orders_status", "orders_account_value")),  # both hold the status
])
def test_the_unfiltered_count_is_answered_from_a_status_index(db, table, where, indexes):
    """With sequential scans off (the test tables are tiny), the planner
    answers the list's default count from an index holding the status."""
    with db.conn.transaction():
        db.conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row["QUERY PLAN"] for row in db.conn.execute(
            f"EXPLAIN SELECT status, count(*) FROM {table}{where} GROUP BY status"))
    assert any(re.search(rf"(using|on) {index}\b", plan) for index in indexes) and "Seq Scan" not in plan, plan
