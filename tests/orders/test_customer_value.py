"""Customer value over RPC: an account's orders, invoices and credit notes in
several currencies, converted with orders' copy of the exchange rates; a
currency without a rate listed, never dropped; unknown and merged accounts."""

import datetime
import uuid
from decimal import Decimal

import pytest

from shared.schemas.errors import Conflict, NotFound
from shared.schemas.orders.customers import CustomerValueSchema
from tests import dates
from tests.orders.conftest import known_account, unique
from tests.orders.test_customers_projection import insert_order


@pytest.fixture
def rates(db):
    """Orders' copy of sales' rates (base EUR): USD 0.9 today, nothing for CHF."""
    today = dates.utc_today()  # customer value's today is UTC's
    db.conn.execute("DELETE FROM exchange_rates")
    db.conn.execute("INSERT INTO exchange_rates (currency, valid_from, rate) VALUES"
                    " ('USD', '2020-01-01', 0.5), ('USD', %s, 0.9), ('USD', %s, 2)",
                    (today - datetime.timedelta(days=3), today + datetime.timedelta(days=10)))
    db.conn.execute("UPDATE exchange_rates_source SET base_currency = 'EUR', refreshed_at = now()")


def placed(db, order_id, when):
    db.conn.execute("UPDATE orders SET placed_at = %s WHERE id = %s", (when, order_id))


def insert_invoice(db, account_id, order_id, net, status="issued", paid="0", currency="EUR", due_in_days=30):
    invoice_id, tag = str(uuid.uuid4()), unique()[:8].upper()
    issued, today = status != "draft", dates.utc_today()
    db.conn.execute(
        "INSERT INTO invoices (id, number, series, year, sequence, status, order_id, account_id, currency,"
        " prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines, paid_total,"
        " payment_terms_days, issue_date, due_date)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, false, %s, 0, %s, 0, '[]', %s, 30, %s, %s)",
        (invoice_id, f"I{tag}-1" if issued else None, f"I{tag}", 2026 if issued else None, 1 if issued else None,
         status, order_id, account_id, currency, Decimal(net), Decimal(net), Decimal(paid),
         today if issued else None, today + datetime.timedelta(days=due_in_days) if issued else None))
    return invoice_id


def insert_credit_note(db, account_id, invoice_id, order_id, net, currency="EUR"):
    tag = unique()[:8].upper()
    db.conn.execute(
        "INSERT INTO credit_notes (id, number, series, year, sequence, invoice_id, order_id, account_id, reason,"
        " currency, prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines, issue_date)"
        " VALUES (%s, %s, %s, 2026, 1, %s, %s, %s, 'tests', %s, false, %s, 0, %s, 0, '[]', current_date)",
        (str(uuid.uuid4()), f"C{tag}-1", f"C{tag}", invoice_id, order_id, account_id, currency, Decimal(net),
         Decimal(net)))


def test_the_value_of_an_account_in_several_currencies(orders, db, rates):
    account = known_account(db, name="Value Ltd")
    first = datetime.datetime(2026, 2, 1, 9, 30, tzinfo=datetime.UTC)
    last = datetime.datetime(2026, 11, 5, 17, 0, tzinfo=datetime.UTC)
    submitted = insert_order(db, account, net="100.00", status="submitted")
    delivered = insert_order(db, account, net="200.00", status="delivered")
    placed(db, delivered, first)
    insert_order(db, account, net="50.00", status="cancelled")   # placed, then cancelled: not counted
    insert_order(db, account, net="70.00", status="draft")       # not placed yet
    shipped_usd = insert_order(db, account, currency="USD", net="300.00", status="shipped")
    placed(db, shipped_usd, last)
    insert_order(db, account, currency="CHF", net="10.00", status="delivered")  # no rate

    overdue = insert_invoice(db, account, delivered, "200.00", due_in_days=-1)
    insert_invoice(db, account, submitted, "100.00", status="paid", paid="100.00")
    insert_invoice(db, account, shipped_usd, "300.00", status="partly_paid", paid="100.00", currency="USD")
    insert_invoice(db, account, submitted, "999.00", status="draft")  # not issued: no revenue
    insert_credit_note(db, account, overdue, delivered, "20.00")

    with dates.during(dates.utc_today_iso) as today:
        value = orders.customer_value(account)

    assert CustomerValueSchema().validate(value) == {}
    breakdown = {entry["currency"]: entry for entry in value.pop("currencies")}
    assert value == {
        "account_id": account, "account_name": "Value Ltd", "as_of": today, "reporting_currency": "EUR",
        "lifetime_revenue": "550.00",     # EUR 200 + 100 - 20, USD 300 * 0.9
        "open_orders": {"count": 2, "amount": "370.00"},  # EUR 100 submitted, USD 300 shipped * 0.9
        "unpaid_balance": "380.00",       # EUR 200, USD 200 * 0.9
        "overdue_balance": "200.00",
        "first_order_at": first.isoformat(), "last_order_at": value["last_order_at"],
        "order_count": 4,                 # EUR 2, USD 1, CHF 1
        "average_order_value": "190.00",  # (100 + 200 + 270) / 3 convertible orders
        "missing_rates": ["CHF"],
    }
    assert value["last_order_at"] >= last.isoformat()  # the CHF and EUR orders were placed just now
    assert breakdown["USD"] == {"currency": "USD", "rate": "0.9", "lifetime_revenue": "300.00",
                                "open_orders": {"count": 1, "amount": "300.00"}, "unpaid_balance": "200.00",
                                "overdue_balance": "0.00", "order_count": 1, "orders_total": "300.00"}
    assert breakdown["CHF"] == {"currency": "CHF", "rate": None, "lifetime_revenue": "0.00",
                                "open_orders": {"count": 0, "amount": "0.00"}, "unpaid_balance": "0.00",
                                "overdue_balance": "0.00", "order_count": 1, "orders_total": "10.00"}
    assert breakdown["EUR"]["lifetime_revenue"] == "280.00" and breakdown["EUR"]["rate"] == "1"


def test_an_account_without_documents_has_nothing(orders, db):
    account = known_account(db, name="Quiet GmbH")
    value = orders.customer_value(account)
    assert value["lifetime_revenue"] == "0.00" and value["open_orders"] == {"count": 0, "amount": "0.00"}
    assert value["first_order_at"] is None and value["average_order_value"] is None
    assert value["currencies"] == [] and value["missing_rates"] == [] and value["order_count"] == 0


def test_amounts_keep_each_currencys_minor_unit(orders, db, rates):
    account = known_account(db)
    insert_order(db, account, currency="JPY", net="1500", status="submitted")
    insert_order(db, account, currency="KWD", net="1.250", status="submitted")
    value = orders.customer_value(account)
    breakdown = {entry["currency"]: entry["open_orders"]["amount"] for entry in value["currencies"]}
    assert breakdown == {"JPY": "1500", "KWD": "1.250"}
    assert value["missing_rates"] == ["JPY", "KWD"] and value["open_orders"] == {"count": 2, "amount": "0.00"}


def test_unknown_and_merged_accounts(orders, db):
    with pytest.raises(NotFound):
        orders.customer_value(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        orders.customer_value("not-an-id")
    survivor, gone = known_account(db), known_account(db)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, gone))
    with pytest.raises(Conflict) as merged:
        orders.customer_value(gone)
    assert merged.value.extra["merged_into"] == survivor and survivor in merged.value.detail
