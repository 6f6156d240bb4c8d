"""Credit notes: for the whole invoice or some lines and quantities, never
beyond what a line invoiced minus what was credited; a full credit makes
the invoice void, a credit on a paid invoice leaves a credit balance;
crediting a line in parts adds up to the line exactly; refunded returns
are credited on the invoices that billed them, oldest first."""

import uuid
from decimal import Decimal

import psycopg
import pytest

from services.orders.invoicing import commands
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.orders.invoicing import CreditNoteSchema, InvoiceDetailSchema
from tests import dates
from tests.orders.invoicing_support import issued_invoice, make_order, make_shipment


def pay(amount):
    return {"amount": amount, "paid_on": dates.today_iso(), "method": "bank_transfer"}


def credit(lines=None, reason="Wrong price"):
    data = {"reason": reason}
    if lines is not None:
        data["lines"] = [{"invoice_line_id": line_id, "quantity": quantity} for line_id, quantity in lines]
    return data


def count_notes(db, invoice_id):
    return db.scalar("SELECT count(*) FROM credit_notes WHERE invoice_id = %s", (invoice_id,))


def test_a_partial_credit_note(orders, db, events):
    invoice = issued_invoice(orders, db, items=((4, "10.00", "19"), (1, "5.00", "7")))
    line = invoice["lines"][0]

    with dates.during(dates.today_iso) as today:
        note = orders.issue_credit_note(invoice["id"], credit([(line["id"], "1")]), "fiona")

    year = note["issue_date"][:4]  # the issue date's year; the issue date is checked to be today below
    assert note["number"].startswith(f"CN-{year}-") and note["invoice_number"] == invoice["number"]
    assert note["reason"] == "Wrong price" and note["issue_date"] == today and note["return_id"] is None
    assert [(item["source_line_id"], item["quantity"], item["gross_amount"]) for item in note["lines"]] == [
        (line["id"], "1", "11.90")]
    assert note["totals"]["gross_total"] == "11.90"
    assert note["totals"]["tax_lines"] == [{"rate": "19", "net": "10.00", "tax": "1.90"}]
    assert "gross_total" not in note
    assert orders.get_credit_note(note["id"]) == note

    after = orders.get_invoice(invoice["id"])
    assert after["status"] == "issued" and after["credited_total"] == "11.90"
    assert after["balance"] == str(Decimal(invoice["totals"]["gross_total"]) - Decimal("11.90"))
    assert [item["id"] for item in after["credit_notes"]] == [note["id"]]
    issued = events.wait_for("credit_note.issued", note["id"])
    assert issued[0].data["invoice"]["credited_total"] == "11.90"
    assert contract("credit_note.issued").schema().validate(issued[0].data) == {}
    assert CreditNoteSchema().validate(note) == {} and InvoiceDetailSchema().validate(after) == {}


def test_never_more_than_invoiced_minus_credited(orders, db):
    invoice = issued_invoice(orders, db, items=((3, "10.00", "19"),))
    line_id = invoice["lines"][0]["id"]
    orders.issue_credit_note(invoice["id"], credit([(line_id, "2")]), "fiona")

    with pytest.raises(ValidationFailed) as raised:
        orders.issue_credit_note(invoice["id"], credit([(line_id, "1.5")]), "fiona")
    assert raised.value.errors["lines.0.quantity"] == [
        "Line 1 (Item 1) invoiced 3, of which 2 are credited already; at most 1 can be credited."]
    other = issued_invoice(orders, db)
    cases = [
        credit([(other["lines"][0]["id"], "1")]),  # a line of another invoice
        credit([(line_id, "0.5"), (line_id, "0.5")]),  # named twice
        credit([(line_id, "0")]),
        credit([(line_id, "1.00001")]),
        credit([]),
        {"lines": [{"invoice_line_id": line_id, "quantity": "1"}]},  # no reason
        {**credit(), "reason": "r" * 501},
        {**credit(), "series": "cn"},
        {**credit(), "amount": "5"},
    ]
    for data in cases:
        with pytest.raises(ValidationFailed):
            orders.issue_credit_note(invoice["id"], data, "fiona")
    assert count_notes(db, invoice["id"]) == 1 and count_notes(db, other["id"]) == 0


def test_a_full_credit_of_an_unpaid_invoice_makes_it_void(orders, db, events):
    invoice = issued_invoice(orders, db, items=((2, "10.00", "19"), (1, "5.00", "7")))
    note = orders.issue_credit_note(invoice["id"], credit(reason="Order cancelled"), "fiona")
    assert note["totals"]["gross_total"] == invoice["totals"]["gross_total"]
    after = orders.get_invoice(invoice["id"])
    assert after["status"] == "void" and after["balance"] == "0.00" and after["credit_balance"] == "0.00"
    assert events.wait_for("credit_note.issued", note["id"])[0].data["invoice"]["status"] == "void"
    with pytest.raises(Conflict) as raised:
        orders.issue_credit_note(invoice["id"], credit(), "fiona")
    assert "void" in raised.value.detail
    # The void invoice frees the order's quantities: the order can be invoiced again.
    again = orders.create_invoice({"order_id": invoice["order_id"]}, "fiona")
    assert [line["quantity"] for line in again["lines"]] == ["2", "1"]


def test_credits_of_a_line_in_parts_add_up_to_the_line(orders, db):
    # 3 x 0.335 = 1.005 -> 1.00 (half-even); each unit alone is 0.335 -> 0.34, so three would be 1.02.
    invoice = issued_invoice(orders, db, items=((3, "0.335", "19"),))
    line = invoice["lines"][0]
    assert (line["net_amount"], line["tax_amount"]) == ("1.00", "0.19")
    for _ in range(3):
        orders.issue_credit_note(invoice["id"], credit([(line["id"], "1")]), "fiona")
    after = orders.get_invoice(invoice["id"])
    assert after["credited_total"] == after["totals"]["gross_total"] == "1.19"
    assert after["status"] == "void"
    nets = db.all("SELECT l.net_amount FROM credit_note_lines l JOIN credit_notes c ON c.id = l.credit_note_id"
                  " WHERE c.invoice_id = %s", (invoice["id"],))
    assert sum(row["net_amount"] for row in nets) == Decimal("1.00")


def test_a_credit_on_a_paid_invoice_leaves_a_credit_balance(orders, db):
    invoice = issued_invoice(orders, db, items=((2, "10.00", "19"),))  # 23.80
    orders.record_payment(invoice["id"], pay("23.80"), "fiona")
    orders.issue_credit_note(invoice["id"], credit([(invoice["lines"][0]["id"], "1")]), "fiona")
    after = orders.get_invoice(invoice["id"])
    assert after["status"] == "paid" and after["balance"] == "0.00" and after["credit_balance"] == "11.90"


def test_a_credit_that_settles_the_rest_pays_the_invoice(orders, db, events):
    invoice = issued_invoice(orders, db, items=((1, "10.00", "0"), (1, "5.00", "0")))
    orders.record_payment(invoice["id"], pay("10.00"), "fiona")
    orders.issue_credit_note(invoice["id"], credit([(invoice["lines"][1]["id"], "1")]), "fiona")
    assert orders.get_invoice(invoice["id"])["status"] == "paid"
    assert len(events.wait_for("invoice.paid", invoice["id"])) == 1


def test_drafts_and_unknown_invoices_are_not_credited(orders, db):
    order_id, _ = make_order(db)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")
    with pytest.raises(Conflict):
        orders.issue_credit_note(draft["id"], credit(), "fiona")
    with pytest.raises(NotFound):
        orders.issue_credit_note(str(uuid.uuid4()), credit(), "fiona")
    with pytest.raises(NotFound):
        orders.get_credit_note(str(uuid.uuid4()))
    assert count_notes(db, draft["id"]) == 0


def test_the_database_refuses_to_change_a_credit_note_or_payment(orders, db):
    invoice = issued_invoice(orders, db)
    orders.record_payment(invoice["id"], pay("1"), "fiona")
    note = orders.issue_credit_note(invoice["id"], credit([(invoice["lines"][0]["id"], "1")]), "fiona")
    for sql, value in (("UPDATE credit_notes SET gross_total = 0 WHERE id = %s", note["id"]),
                       ("DELETE FROM credit_notes WHERE id = %s", note["id"]),
                       ("UPDATE credit_note_lines SET quantity = 2 WHERE credit_note_id = %s", note["id"]),
                       ("UPDATE payments SET amount = 5 WHERE invoice_id = %s", invoice["id"]),
                       ("DELETE FROM payments WHERE invoice_id = %s", invoice["id"])):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
            db.conn.execute(sql, (value,))
    assert orders.get_credit_note(note["id"]) == note


def test_list_credit_notes(orders, db):
    invoice = issued_invoice(orders, db, items=((2, "10.00", "19"),))
    first = orders.issue_credit_note(invoice["id"], credit([(invoice["lines"][0]["id"], "1")]), "fiona")
    second = orders.issue_credit_note(invoice["id"], credit(), "fiona")
    page = orders.list_credit_notes({"invoice_id": invoice["id"]})
    assert [item["id"] for item in page["items"]] == [second["id"], first["id"]]
    assert "lines" not in page["items"][0]
    assert [item["id"] for item in orders.list_credit_notes({"q": first["number"]})["items"]] == [first["id"]]
    assert len(orders.list_credit_notes({"account_id": invoice["account_id"], "limit": 1})["items"]) == 1
    assert len(orders.list_credit_notes({"order_id": invoice["order_id"], "sort": "number"})["items"]) == 2
    with pytest.raises(ValidationFailed):
        orders.list_credit_notes({"sort": "amount"})


def returned(db, order_id, quantities, return_id=None):
    with db.conn.transaction():
        return commands.credit_returned_lines(db.conn, order_id, quantities, "damaged", "sam",
                                              return_id or str(uuid.uuid4()))


def test_returned_lines_are_credited_on_the_invoices_that_billed_them_oldest_first(orders, db):
    order_id, line_ids = make_order(db, items=((4, "10.00", "19"), (2, "3.00", "19")))
    assert returned(db, order_id, {line_ids[0]: Decimal(1)}) is None  # nothing invoiced yet

    shipment = make_shipment(db, order_id, {line_ids[0]: 2})
    older = orders.issue_invoice(orders.create_invoice({"order_id": order_id, "shipment_id": shipment}, "f")["id"],
                                 "f")
    newer = orders.issue_invoice(orders.create_invoice({"order_id": order_id}, "f")["id"], "f")
    return_id = str(uuid.uuid4())

    note = returned(db, order_id, {line_ids[0]: Decimal(3), line_ids[1]: Decimal("1")}, return_id)

    assert str(note["invoice_id"]) == older["id"] and str(note["return_id"]) == return_id
    notes = {str(row["invoice_id"]): row for row in db.all("SELECT * FROM credit_notes WHERE return_id = %s",
                                                           (return_id,))}
    assert set(notes) == {older["id"], newer["id"]}
    credited = db.all("SELECT c.invoice_id, l.source_line_id, l.quantity FROM credit_note_lines l"
                      " JOIN credit_notes c ON c.id = l.credit_note_id WHERE c.return_id = %s", (return_id,))
    by_invoice = {(str(row["invoice_id"]), str(row["source_line_id"])): row["quantity"] for row in credited}
    older_line = older["lines"][0]["id"]
    newer_lines = {line["source_line_id"]: line["id"] for line in newer["lines"]}
    assert by_invoice == {(older["id"], older_line): Decimal(2), (newer["id"], newer_lines[line_ids[0]]): Decimal(1),
                          (newer["id"], newer_lines[line_ids[1]]): Decimal(1)}
    assert orders.get_invoice(older["id"])["status"] == "void"

    # Only what is still credited can be: the older invoice's line is spent, the newer has 1 + 1 left.
    again = returned(db, order_id, {line_ids[0]: Decimal(4)})
    assert str(again["invoice_id"]) == newer["id"]
    assert db.scalar("SELECT sum(l.quantity) FROM credit_note_lines l WHERE l.source_line_id = %s",
                     (newer_lines[line_ids[0]],)) == 2
