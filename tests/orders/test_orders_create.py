"""Direct orders: creating (priced from the standard book, defaults),
reading, changing a draft, listing; bad input writes nothing; a keyed
create called twice makes one order."""

import uuid

import pytest

from shared.schemas.errors import IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.orders.conftest import known_account, unique
from tests.orders.order_support import (
    COUNTRY,
    account,
    count_orders,
    order_data,
    product,
    standard_book_id,
    submitted_order,
)


def test_a_direct_order_is_priced_from_the_standard_book(orders, db):
    data = order_data(db, orders, quantities=("2", "3"), prices=("10.00", "4.50"), customer_reference="PO-77",
                      shipping_address={"street": "Ring 1", "city": "Wien", "postal_code": "1010", "country": "at"})

    order = orders.create_order(data, "tester")

    assert order["number"].startswith("SO-") and len(order["number"]) == 9
    assert order["status"] == "draft" and order["version"] == 1 and order["created_by"] == "tester"
    assert order["account_id"] == data["account_id"]
    assert order["account_name"] == db.scalar("SELECT name FROM accounts WHERE id = %s", (data["account_id"],))
    assert order["currency"] == "EUR" and order["tax_country"] == COUNTRY
    assert order["price_book_id"] == standard_book_id(db)
    assert order["prices_include_tax"] is False
    assert order["payment_terms_days"] == 30
    assert order["customer_reference"] == "PO-77"
    assert order["shipping_address"] == {"street": "Ring 1", "city": "Wien", "region": None, "postal_code": "1010",
                                         "country": "AT"}
    assert order["billing_address"] is None and order["quote_id"] is None and order["placed_at"] is None
    assert [(line["position"], line["quantity"], line["unit_price"], line["net_amount"], line["tax_amount"])
            for line in order["lines"]] == [(1, "2", "10.00", "20.00", "4.00"), (2, "3", "4.50", "13.50", "2.70")]
    assert all(line["shipped_quantity"] == line["delivered_quantity"] == line["returned_quantity"] == "0"
               for line in order["lines"])
    assert order["totals"] == {"net_total": "33.50", "tax_total": "6.70", "gross_total": "40.20",
                               "discount_total": "0.00", "tax_lines": [{"rate": "20", "net": "33.50", "tax": "6.70"}]}
    assert order["shipments"] == []
    assert orders.get_order(order["id"]) == order


def test_payment_terms_and_tax_country_can_be_given(orders, db):
    data = order_data(db, orders, quantities=("1",), account_id=known_account(db, country="DE"),
                      tax_country="at", payment_terms_days=0)
    order = orders.create_order(data)
    assert order["tax_country"] == "AT" and order["payment_terms_days"] == 0


def test_free_lines_need_no_product(orders, db):
    data = {"account_id": account(db), "currency": "JPY",
            "lines": [{"name": "Setup", "unit_price": "1234", "quantity": "1", "tax_category": "zero"}]}
    order = orders.create_order(data)
    assert order["totals"]["gross_total"] == "1234" and order["lines"][0]["sku"] is None


@pytest.mark.parametrize("change, field", [
    (lambda data: data.pop("lines"), "lines"),
    (lambda data: data.update(lines=[]), "lines"),
    (lambda data: data.update(currency="XYZ"), "currency"),
    (lambda data: data.update(colour="red"), "colour"),
    (lambda data: data.update(payment_terms_days=400), "payment_terms_days"),
    (lambda data: data.update(customer_reference="x" * 101), "customer_reference"),
    (lambda data: data["lines"][0].update(quantity="0"), "lines"),
    (lambda data: data["lines"][0].update(product_id=str(uuid.uuid4())), "lines.0.product_id"),
    (lambda data: data.update(account_id=str(uuid.uuid4())), "account_id"),
    (lambda data: data.update(price_book_id=str(uuid.uuid4())), "price_book_id"),
])
def test_bad_input_is_a_422_and_writes_nothing(orders, db, change, field):
    data = order_data(db, orders, quantities=("1",))
    account_id = data["account_id"]
    change(data)

    with pytest.raises(ValidationFailed) as raised:
        orders.create_order(data)

    assert field in raised.value.errors, raised.value.errors
    assert count_orders(db, account_id) == 0


def test_an_inactive_product_cannot_be_ordered(orders, db):
    made = product(orders, db, active=False)
    data = {"account_id": account(db), "currency": "EUR", "lines": [{"product_id": made["id"], "quantity": "1"}]}
    with pytest.raises(ValidationFailed) as raised:
        orders.create_order(data)
    assert "inactive" in raised.value.errors["lines.0.product_id"][0]
    assert count_orders(db, data["account_id"]) == 0


def test_an_account_without_country_needs_a_tax_country(orders, db):
    data = order_data(db, orders, quantities=("1",), account_id=known_account(db, country=None))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_order(data)
    assert "tax_country" in raised.value.errors
    assert count_orders(db, data["account_id"]) == 0


def test_a_merged_account_is_refused_naming_the_survivor(orders, db):
    survivor = account(db)
    merged = account(db)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, merged))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_order(order_data(db, orders, quantities=("1",), account_id=merged))
    assert survivor in raised.value.errors["account_id"][0]


def test_unknown_and_malformed_ids_are_404(orders):
    for call in (lambda: orders.get_order(str(uuid.uuid4())), lambda: orders.get_order("nope"),
                 lambda: orders.list_shipments(str(uuid.uuid4())),
                 lambda: orders.submit_order(str(uuid.uuid4())),
                 lambda: orders.update_order(str(uuid.uuid4()), {"notes": "x"})):
        with pytest.raises(NotFound):
            call()


def test_a_keyed_create_called_twice_makes_one_order(orders, db, rpc_proxy):
    data = order_data(db, orders, quantities=("1",))
    key = f"test-{uuid.uuid4()}"

    answers = []
    for _ in range(2):
        with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
            answers.append(cluster.orders.create_order(data, "tester"))

    assert answers[0] == answers[1]
    assert count_orders(db, data["account_id"]) == 1


# Changing a draft -------------------------------------------------------------------

def test_a_draft_changes_its_fields_and_lines_with_if_match(orders, db):
    order = orders.create_order(order_data(db, orders, quantities=("1",)))
    other = product(orders, db, "7.00")

    changed = orders.update_order(order["id"], {"notes": "Leave at the gate",
                                                "billing_address": {"city": "Graz", "country": "AT"},
                                                "lines": [{"product_id": other["id"], "quantity": "3"}]},
                                  "tester", order["version"])

    assert changed["version"] == 2 and changed["notes"] == "Leave at the gate"
    assert changed["billing_address"]["city"] == "Graz"
    assert [(line["sku"], line["quantity"], line["net_amount"]) for line in changed["lines"]] == [
        (other["sku"], "3", "21.00")]
    assert changed["totals"]["gross_total"] == "25.20"

    with pytest.raises(PreconditionFailed):
        orders.update_order(order["id"], {"notes": "stale"}, "tester", order["version"])
    assert orders.get_order(order["id"]) == changed

    same = orders.update_order(order["id"], {"notes": "Leave at the gate"}, "tester")
    assert same["version"] == 2


def test_bad_lines_in_a_change_keep_the_old_ones(orders, db):
    order = orders.create_order(order_data(db, orders, quantities=("1",)))
    with pytest.raises(ValidationFailed) as raised:
        orders.update_order(order["id"], {"lines": [{"product_id": str(uuid.uuid4()), "quantity": "1"}]})
    assert "lines.0.product_id" in raised.value.errors
    assert orders.get_order(order["id"]) == order


def test_a_submitted_order_cannot_be_changed(orders, db):
    order = submitted_order(orders, db)
    with pytest.raises(IllegalTransition) as raised:
        orders.update_order(order["id"], {"notes": "too late"})
    assert "only a draft" in raised.value.detail
    assert orders.get_order(order["id"]) == order


# Lists ------------------------------------------------------------------------------

def test_list_filters_sorts_and_pages(orders, db):
    account_id = account(db)
    reference = unique("PO-")
    made = [orders.create_order(order_data(db, orders, quantities=("1",), account_id=account_id,
                                           customer_reference=f"{reference}-{n}")) for n in range(3)]
    orders.submit_order(made[0]["id"])

    page = orders.list_orders({"account_id": account_id, "limit": 2})
    assert [item["id"] for item in page["items"]] == [made[2]["id"], made[1]["id"]]
    assert "lines" not in page["items"][0] and page["items"][0]["totals"]["net_total"] == "10.00"
    rest = orders.list_orders({"account_id": account_id, "limit": 2, "cursor": page["next_cursor"]})
    assert [item["id"] for item in rest["items"]] == [made[0]["id"]] and rest["next_cursor"] is None

    assert [item["id"] for item in orders.list_orders({"account_id": account_id, "status": ["submitted"]})[
        "items"]] == [made[0]["id"]]
    assert [item["id"] for item in orders.list_orders({"q": f"{reference}-1"})["items"]] == [made[1]["id"]]
    assert [item["id"] for item in orders.list_orders({"q": made[2]["number"]})["items"]] == [made[2]["id"]]
    by_number = orders.list_orders({"account_id": account_id, "sort": "number"})["items"]
    assert [item["number"] for item in by_number] == sorted(order["number"] for order in made)

    with pytest.raises(ValidationFailed):
        orders.list_orders({"status": ["lost"]})
    with pytest.raises(ValidationFailed):
        orders.list_orders({"cursor": page["next_cursor"], "sort": "number"})
