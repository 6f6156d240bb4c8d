"""Payments: partial and full (issued -> partly_paid -> paid), never beyond
the balance, recorded once under a retried idempotency key; the overdue
sweep marks each unpaid invoice past its due date once, and a payment
brings it back."""

import datetime
import uuid

import pytest

from services.orders.invoicing import commands
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.orders.invoicing import PaymentPageSchema, PaymentRecordedSchema
from tests import dates
from tests.orders.invoicing_support import issued_invoice, keyed, make_order

# Stands for tomorrow in a parametrize list: read when the test runs, since a date read at collection would be
# today by then if the run crosses midnight.
TOMORROW = object()


def pay(amount, **fields):
    return {"amount": amount, "paid_on": dates.today_iso(), "method": "bank_transfer", **fields}


def count_payments(db, invoice_id):
    return db.scalar("SELECT count(*) FROM payments WHERE invoice_id = %s", (invoice_id,))


def test_partial_then_full_payment(orders, db, events):
    invoice = issued_invoice(orders, db)  # 2 x 10.00 + 19 % = 23.80

    first = orders.record_payment(invoice["id"], pay("3.80", reference="TX-1"), "fiona")
    assert first["payment"]["amount"] == "3.80" and first["payment"]["reference"] == "TX-1"
    assert first["payment"]["invoice_number"] == invoice["number"]
    assert first["invoice"]["status"] == "partly_paid"
    assert first["invoice"]["paid_total"] == "3.80" and first["invoice"]["balance"] == "20.00"
    assert first["invoice"]["totals"]["gross_total"] == "23.80" and "gross_total" not in first["invoice"]

    second = orders.record_payment(invoice["id"], pay("20", method="card"), "fiona")
    assert second["invoice"]["status"] == "paid" and second["invoice"]["balance"] == "0.00"

    detail = orders.get_invoice(invoice["id"])
    assert [payment["id"] for payment in detail["payments"]] == [first["payment"]["id"], second["payment"]["id"]]
    assert detail["status"] == "paid" and detail["credit_balance"] == "0.00"
    recorded = events.wait_for("payment.recorded", invoice["id"], count=2)
    assert len(recorded) == 2 and contract("payment.recorded").schema().validate(recorded[0].data) == {}
    paid = events.wait_for("invoice.paid", invoice["id"])
    assert len(paid) == 1 and paid[0].data["invoice"]["status"] == "paid"
    assert paid[0].data["invoice"]["totals"]["gross_total"] == "23.80"
    assert contract("invoice.paid").schema().validate(paid[0].data) == {}
    assert PaymentRecordedSchema().validate(second) == {}
    assert PaymentPageSchema().validate(orders.list_payments({"invoice_id": invoice["id"]})) == {}

    with pytest.raises(ValidationFailed) as raised:
        orders.record_payment(invoice["id"], pay("0.01"), "fiona")
    assert "0.00 EUR" in raised.value.detail


def test_an_overpayment_is_refused_naming_the_balance(orders, db):
    invoice = issued_invoice(orders, db)
    with pytest.raises(ValidationFailed) as raised:
        orders.record_payment(invoice["id"], pay("23.81"), "fiona")
    assert raised.value.errors["amount"] == ["At most the balance, 23.80 EUR."]
    assert "credit note" in raised.value.detail and raised.value.extra["balance"] == "23.80"
    assert count_payments(db, invoice["id"]) == 0
    assert orders.get_invoice(invoice["id"]) == invoice


def test_a_keyed_payment_sent_twice_is_recorded_once(rpc_proxy, service, orders, db):
    invoice = issued_invoice(orders, db)
    key = str(uuid.uuid4())
    with keyed(rpc_proxy, key) as cluster:
        first = cluster.orders.record_payment(invoice["id"], pay("10.00"), "fiona")
    with keyed(rpc_proxy, key) as cluster:
        again = cluster.orders.record_payment(invoice["id"], pay("10.00"), "fiona")
    assert again == first
    assert count_payments(db, invoice["id"]) == 1
    assert orders.get_invoice(invoice["id"])["paid_total"] == "10.00"


def test_a_payment_without_a_date_is_dated_today(orders, db):
    invoice = issued_invoice(orders, db)
    with dates.during(dates.today_iso) as today:
        recorded = orders.record_payment(invoice["id"], {"amount": "1.00", "method": "cash"}, "fiona")
    assert recorded["payment"]["paid_on"] == today


# The cases' paid_on, read at collection, is today's or (past midnight) yesterday's: a valid date either way.
@pytest.mark.parametrize(("data", "field"), [
    ({"paid_on": dates.today_iso(), "method": "card"}, "amount"),
    (pay("-1"), "amount"),
    (pay("0"), "amount"),
    (pay("ten"), "amount"),
    (pay(1.5), None),  # a JSON number is read through its text: 1.5, fine (see below)
    (pay("1.005"), "amount"),  # more decimals than EUR has
    (pay("1", method="barter"), "method"),
    (pay("1", paid_on="yesterday"), "paid_on"),
    (pay("1", paid_on=TOMORROW), "paid_on"),  # in the future
    (pay("1", reference="r" * 201), "reference"),
    (pay("1", colour="red"), "colour"),
])
def test_bad_payment_input_is_a_clear_422_and_writes_nothing(orders, db, data, field):
    invoice = issued_invoice(orders, db)
    data = {key: dates.days_from_today(1).isoformat() if value is TOMORROW else value for key, value in data.items()}
    if field is None:
        assert orders.record_payment(invoice["id"], data, "fiona")["payment"]["amount"] == "1.50"
        return
    with pytest.raises(ValidationFailed) as raised:
        orders.record_payment(invoice["id"], data, "fiona")
    assert field in raised.value.errors
    assert count_payments(db, invoice["id"]) == 0


def test_drafts_void_and_unknown_invoices_take_no_payment(orders, db):
    order_id, _ = make_order(db)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")
    with pytest.raises(Conflict) as raised:
        orders.record_payment(draft["id"], pay("1"), "fiona")
    assert "issue it" in raised.value.detail
    invoice = orders.issue_invoice(draft["id"], "fiona")
    orders.issue_credit_note(invoice["id"], {"reason": "Cancelled"}, "fiona")
    with pytest.raises(Conflict) as raised:
        orders.record_payment(invoice["id"], pay("1"), "fiona")
    assert "void" in raised.value.detail
    with pytest.raises(NotFound):
        orders.record_payment(str(uuid.uuid4()), pay("1"), "fiona")
    assert count_payments(db, invoice["id"]) == 0


def test_payments_in_currencies_with_other_minor_units(orders, db):
    yen = issued_invoice(orders, db, currency="JPY", items=((3, "1000", "10"),))  # 3300 JPY
    with pytest.raises(ValidationFailed):
        orders.record_payment(yen["id"], pay("0.5"), "fiona")
    assert orders.record_payment(yen["id"], pay("3300"), "fiona")["invoice"]["status"] == "paid"
    dinar = issued_invoice(orders, db, currency="KWD", items=((1, "1.234", "0"),))
    answer = orders.record_payment(dinar["id"], pay("1.233"), "fiona")
    assert answer["payment"]["amount"] == "1.233" and answer["invoice"]["balance"] == "0.001"


def test_list_payments(orders, db):
    invoice = issued_invoice(orders, db)
    orders.record_payment(invoice["id"], pay("1", method="cash", paid_on="2026-01-05"), "fiona")
    orders.record_payment(invoice["id"], pay("2", method="card"), "fiona")
    page = orders.list_payments({"invoice_id": invoice["id"]})
    assert [item["amount"] for item in page["items"]] == ["2.00", "1.00"]  # newest first
    assert page["items"][0]["account_id"] == invoice["account_id"]
    assert [item["amount"] for item in orders.list_payments({"invoice_id": invoice["id"], "sort": "paid_on"})[
        "items"]] == ["1.00", "2.00"]
    assert len(orders.list_payments({"account_id": invoice["account_id"], "method": ["cash"]})["items"]) == 1
    assert len(orders.list_payments({"invoice_id": invoice["id"], "paid_to": "2026-01-31"})["items"]) == 1
    with pytest.raises(ValidationFailed):
        orders.list_payments({"method": ["barter"]})


def sweep(db, today):
    with db.conn.transaction():
        return commands.mark_overdue(db.conn, today, 10_000)


def test_the_overdue_sweep_marks_each_once_and_a_payment_brings_it_back(orders, db, events):
    invoice = issued_invoice(orders, db)  # due in 14 days
    partly = issued_invoice(orders, db)
    orders.record_payment(partly["id"], pay("1.00"), "fiona")
    paid = issued_invoice(orders, db)
    orders.record_payment(paid["id"], pay("23.80"), "fiona")
    due = datetime.date.fromisoformat(invoice["due_date"])

    sweep(db, due)  # due today: not yet overdue
    assert orders.get_invoice(invoice["id"])["status"] == "issued"
    later = due + datetime.timedelta(days=1)
    assert sweep(db, later) >= 2
    assert sweep(db, later) == 0  # once each
    assert orders.get_invoice(invoice["id"])["status"] == "overdue"
    assert orders.get_invoice(partly["id"])["status"] == "overdue"
    assert orders.get_invoice(paid["id"])["status"] == "paid"
    marked = events.wait_for("invoice.overdue", invoice["id"])
    assert len(marked) == 1 and marked[0].data["invoice"]["status"] == "overdue"
    assert contract("invoice.overdue").schema().validate(marked[0].data) == {}

    answer = orders.record_payment(invoice["id"], pay("10.00"), "fiona")
    assert answer["invoice"]["status"] == "partly_paid"
    sweep(db, later + datetime.timedelta(days=30))  # marked before: not again
    assert orders.get_invoice(invoice["id"])["status"] == "partly_paid"
    assert orders.record_payment(invoice["id"], pay("13.80"), "fiona")["invoice"]["status"] == "paid"
    assert orders.list_invoices({"account_id": invoice["account_id"], "overdue": True})["items"] == []
