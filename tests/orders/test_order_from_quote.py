"""Orders from accepted quotes: the same lines and prices, one order per
quote (also under concurrent calls), only from an accepted quote."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.orders.conftest import concurrently
from tests.orders.order_support import accepted_quote, account, product


def quote_lines(db, quote_id):
    return db.all("SELECT * FROM quote_lines WHERE quote_id = %s ORDER BY position", (quote_id,))


def test_the_order_has_the_quotes_lines_and_prices(orders, db):
    quote_id = accepted_quote(db, account(db), lines=(("2", "10.005", "20"), ("1", "99.99", "0")))
    quote = db.one("SELECT * FROM quotes WHERE id = %s", (quote_id,))

    order = orders.create_order_from_quote(quote_id, {"customer_reference": "PO-1", "payment_terms_days": 14},
                                           "tester")

    assert order["quote_id"] == quote_id and order["status"] == "draft"
    assert order["account_id"] == str(quote["account_id"])
    assert order["opportunity_id"] == str(quote["opportunity_id"])
    assert order["price_book_id"] == str(quote["price_book_id"])
    assert (order["currency"], order["tax_country"], order["prices_include_tax"]) == ("EUR", "AT", False)
    assert order["customer_reference"] == "PO-1" and order["payment_terms_days"] == 14
    quoted = quote_lines(db, quote_id)
    assert [line["source_line_id"] for line in order["lines"]] == [str(line["id"]) for line in quoted]
    assert [(line["name"], line["quantity"], line["unit_price"], line["tax_rate"], line["net_amount"])
            for line in order["lines"]] == [("Quoted item 1", "2", "10.005", "20", "20.01"),
                                            ("Quoted item 2", "1", "99.99", "0", "99.99")]
    assert order["totals"]["net_total"] == "120.00"
    assert order["totals"]["tax_lines"] == [{"rate": "0", "net": "99.99", "tax": "0.00"},
                                            {"rate": "20", "net": "20.01", "tax": "4.00"}]


def test_a_quote_makes_one_order(orders, db):
    quote_id = accepted_quote(db, account(db))
    first = orders.create_order_from_quote(quote_id)

    with pytest.raises(Conflict) as raised:
        orders.create_order_from_quote(quote_id)

    assert raised.value.extra["existing_id"] == first["id"]
    assert first["number"] in raised.value.detail
    assert db.scalar("SELECT count(*) FROM orders WHERE quote_id = %s", (quote_id,)) == 1


def test_concurrent_calls_make_one_order(orders, db, rpc_proxy):
    quote_id = accepted_quote(db, account(db))

    results = concurrently(rpc_proxy, [lambda cluster: cluster.orders.create_order_from_quote(quote_id)] * 6)

    made = [result for result in results if isinstance(result, dict)]
    assert len(made) == 1, results
    assert all(isinstance(result, Conflict) for result in results if result is not made[0])
    assert db.scalar("SELECT count(*) FROM orders WHERE quote_id = %s", (quote_id,)) == 1


@pytest.mark.parametrize("status", ["draft", "sent", "rejected", "expired"])
def test_only_an_accepted_quote_becomes_an_order(orders, db, status):
    quote_id = accepted_quote(db, account(db), status=status)
    with pytest.raises(Conflict) as raised:
        orders.create_order_from_quote(quote_id)
    assert f"is {status}" in raised.value.detail and "accept it first" in raised.value.detail
    assert db.scalar("SELECT count(*) FROM orders WHERE quote_id = %s", (quote_id,)) == 0


def test_unknown_quote_and_bad_input(orders, db):
    with pytest.raises(NotFound):
        orders.create_order_from_quote(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        orders.create_order_from_quote("Q-000001")
    quote_id = accepted_quote(db, account(db))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_order_from_quote(quote_id, {"lines": []})
    assert "lines" in raised.value.errors
    with pytest.raises(ValidationFailed):
        orders.create_order_from_quote(quote_id, {"payment_terms_days": -1})
    assert db.scalar("SELECT count(*) FROM orders WHERE quote_id = %s", (quote_id,)) == 0


def test_a_quote_of_a_merged_account_is_refused(orders, db):
    merged, survivor = account(db), account(db)
    quote_id = accepted_quote(db, merged)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, merged))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_order_from_quote(quote_id)
    assert survivor in raised.value.detail


def test_the_quote_flow_ends_in_an_order(orders, db):
    """Through the quotes area's own RPC: create, send, accept, order."""
    made = product(orders, db, "12.50")
    quote = orders.create_quote({"account_id": account(db), "currency": "EUR",
                                 "lines": [{"product_id": made["id"], "quantity": "4", "discount_percent": "10"}]},
                                "tester")
    orders.send_quote(quote["id"], "tester")
    accepted = orders.accept_quote(quote["id"], "tester")

    order = orders.create_order_from_quote(quote["id"], {}, "tester")

    assert order["quote_id"] == quote["id"] and order["account_id"] == accepted["account_id"]
    [line] = order["lines"]
    assert (line["sku"], line["quantity"], line["unit_price"], line["discount_percent"], line["net_amount"]) == (
        made["sku"], "4", "12.50", "10", "45.00")
    assert order["totals"]["gross_total"] == "54.00"
