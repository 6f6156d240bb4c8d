"""Invoices: a draft per order (what is left to invoice) or per shipment,
never beyond an order line's quantity; issuing gives the number, issue and
due dates and ``invoice.issued``; an issued invoice never changes (no RPC
does it, and the database refuses it); lists with filters and keyset pages."""

import base64
import datetime
import uuid

import psycopg
import pytest

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.orders.invoicing import InvoiceDetailSchema
from tests.orders.conftest import known_account
from tests.orders.invoicing_support import issued_invoice, keyed, make_order, make_shipment


def count_invoices(db, order_id):
    return db.scalar("SELECT count(*) FROM invoices WHERE order_id = %s", (order_id,))


def test_an_order_invoice_copies_every_line_and_its_prices(orders, db):
    order_id, line_ids = make_order(db, items=((2, "10.00", "19"), (3, "0.335", "7")))

    invoice = orders.create_invoice({"order_id": order_id, "notes": "Thank you"}, "fiona")

    assert invoice["status"] == "draft" and invoice["number"] is None
    assert invoice["order_id"] == order_id and invoice["order_number"].startswith("SO-")
    assert invoice["series"] == "INV" and invoice["payment_terms_days"] == 14
    assert [line["source_line_id"] for line in invoice["lines"]] == line_ids
    assert [line["quantity"] for line in invoice["lines"]] == ["2", "3"]
    # 2 x 10.00 = 20.00 + 3.80 tax; 3 x 0.335 = 1.005 -> 1.00 (half-even) + 0.07 tax
    assert invoice["totals"] == {"net_total": "21.00", "tax_total": "3.87", "gross_total": "24.87",
                                 "discount_total": "0.00",
                                 "tax_lines": [{"rate": "7", "net": "1.00", "tax": "0.07"},
                                               {"rate": "19", "net": "20.00", "tax": "3.80"}]}
    assert "net_total" not in invoice and "tax_lines" not in invoice
    assert invoice["balance"] == "24.87" and invoice["paid_total"] == "0.00"
    assert invoice["billing_address"]["city"] == "Berlin" and invoice["customer_reference"] == "PO-1"
    assert invoice["notes"] == "Thank you" and invoice["created_by"] == "fiona"
    assert invoice["payments"] == [] and invoice["credit_notes"] == []
    assert orders.get_invoice(invoice["id"]) == invoice
    assert InvoiceDetailSchema().validate(invoice) == {}


def test_a_second_invoice_of_an_order_takes_only_what_is_left(orders, db):
    order_id, line_ids = make_order(db, items=((5, "4.00", "19"), (1, "100.00", "19")))
    shipment_id = make_shipment(db, order_id, {line_ids[0]: 2})

    first = orders.create_invoice({"order_id": order_id, "shipment_id": shipment_id}, "fiona")
    rest = orders.create_invoice({"order_id": order_id}, "fiona")

    assert [(line["source_line_id"], line["quantity"]) for line in first["lines"]] == [(line_ids[0], "2")]
    assert first["shipment_id"] == shipment_id and first["totals"]["net_total"] == "8.00"
    assert [(line["source_line_id"], line["quantity"]) for line in rest["lines"]] == [
        (line_ids[0], "3"), (line_ids[1], "1")]
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice({"order_id": order_id}, "fiona")
    assert "order_id" in raised.value.errors and "invoices already" in raised.value.detail
    assert count_invoices(db, order_id) == 2


def test_a_shipment_is_never_invoiced_beyond_what_is_left_or_twice(orders, db):
    order_id, line_ids = make_order(db, items=((4, "1.00", "19"),))
    orders.create_invoice({"order_id": order_id}, "fiona")  # everything
    shipment_id = make_shipment(db, order_id, {line_ids[0]: 1})
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice({"order_id": order_id, "shipment_id": shipment_id}, "fiona")
    assert "only 0 of 4 are left to invoice" in raised.value.errors["shipment_id"][0]

    order_id, line_ids = make_order(db, items=((4, "1.00", "19"),))
    shipment_id = make_shipment(db, order_id, {line_ids[0]: 1})
    first = orders.create_invoice({"order_id": order_id, "shipment_id": shipment_id}, "fiona")
    with pytest.raises(Conflict) as raised:
        orders.create_invoice({"order_id": order_id, "shipment_id": shipment_id}, "fiona")
    assert raised.value.extra["existing_id"] == first["id"]
    other_order, _ = make_order(db)
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice({"order_id": other_order, "shipment_id": shipment_id}, "fiona")
    assert "shipment_id" in raised.value.errors
    assert count_invoices(db, order_id) == 1 and count_invoices(db, other_order) == 0


def test_concurrent_invoices_of_one_order_never_bill_a_line_twice(orders, db, rpc_proxy):
    from tests.orders.conftest import concurrently

    order_id, line_ids = make_order(db, items=((3, "5.00", "19"),))
    results = concurrently(rpc_proxy, [lambda cluster: cluster.orders.create_invoice({"order_id": order_id}, "f")] * 4)
    made = [result for result in results if isinstance(result, dict)]
    assert len(made) == 1, results
    assert all(isinstance(result, ValidationFailed) for result in results if result not in made)
    assert db.scalar("SELECT sum(quantity) FROM invoice_lines WHERE source_line_id = %s", (line_ids[0],)) == 3


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_only_submitted_orders_are_invoiced(orders, db, status):
    order_id, _ = make_order(db, status=status)
    with pytest.raises(Conflict) as raised:
        orders.create_invoice({"order_id": order_id}, "fiona")
    assert status in raised.value.detail
    assert count_invoices(db, order_id) == 0


@pytest.mark.parametrize(("data", "field"), [
    ({}, "order_id"),
    ({"order_id": "nope"}, "order_id"),
    ({"order_id": str(uuid.uuid4())}, "order_id"),
    ({"order_id": str(uuid.uuid4()), "colour": "red"}, "colour"),
    ({"order_id": str(uuid.uuid4()), "series": "inv-1"}, "series"),
    ({"order_id": str(uuid.uuid4()), "payment_terms_days": -1}, "payment_terms_days"),
    ({"order_id": str(uuid.uuid4()), "payment_terms_days": "30"}, "payment_terms_days"),
    ({"order_id": str(uuid.uuid4()), "notes": "n" * 2001}, "notes"),
])
def test_bad_input_is_a_clear_422_and_writes_nothing(orders, db, data, field):
    before = db.scalar("SELECT count(*) FROM invoices")
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice(data, "fiona")
    assert field in raised.value.errors
    assert db.scalar("SELECT count(*) FROM invoices") == before


def test_an_order_of_a_merged_account_is_refused_naming_the_survivor(orders, db):
    survivor = known_account(db)
    order_id, _ = make_order(db)
    account_id = db.scalar("SELECT account_id FROM orders WHERE id = %s", (order_id,))
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, account_id))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice({"order_id": order_id}, "fiona")
    assert survivor in raised.value.detail
    assert count_invoices(db, order_id) == 0


def test_a_keyed_create_called_twice_makes_one_invoice(rpc_proxy, service, db):
    order_id, _ = make_order(db)
    with keyed(rpc_proxy) as cluster:
        first = cluster.orders.create_invoice({"order_id": order_id}, "fiona")
        again = cluster.orders.create_invoice({"order_id": order_id}, "fiona")
    assert again == first
    assert count_invoices(db, order_id) == 1


def test_issuing_gives_number_dates_and_an_event(orders, db, events):
    order_id, _ = make_order(db, payment_terms_days=10)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")

    with pytest.raises(PreconditionFailed):
        orders.issue_invoice(draft["id"], "fiona", 7)
    invoice = orders.issue_invoice(draft["id"], "fiona", draft["version"])

    today = datetime.date.today()
    assert invoice["status"] == "issued" and invoice["issued_by"] == "fiona"
    assert invoice["number"].startswith(f"INV-{today.year}-") and len(invoice["number"]) == len("INV-2026-000001")
    assert invoice["issue_date"] == today.isoformat()
    assert invoice["due_date"] == (today + datetime.timedelta(days=10)).isoformat()
    assert invoice["version"] == draft["version"] + 1 and invoice["overdue"] is False
    issued = events.wait_for("invoice.issued", invoice["id"])
    assert len(issued) == 1
    assert issued[0].data["invoice"]["number"] == invoice["number"]
    assert [line["id"] for line in issued[0].data["lines"]] == [line["id"] for line in invoice["lines"]]
    assert contract("invoice.issued").schema().validate(issued[0].data) == {}

    with pytest.raises(IllegalTransition) as raised:
        orders.issue_invoice(draft["id"], "fiona")
    assert invoice["number"] in raised.value.detail and "credit note" in raised.value.detail
    assert orders.get_invoice(invoice["id"]) == invoice


def test_a_series_of_its_own_numbers_from_one(orders, db):
    series = "S" + uuid.uuid4().hex[:6].upper()
    numbers = []
    for _ in range(3):
        order_id, _ = make_order(db)
        draft = orders.create_invoice({"order_id": order_id, "series": series, "payment_terms_days": 0}, "fiona")
        numbers.append(orders.issue_invoice(draft["id"], "fiona")["number"])
    year = datetime.date.today().year
    assert numbers == [f"{series}-{year}-00000{n}" for n in (1, 2, 3)]


def test_a_draft_of_a_cancelled_order_is_not_issued(orders, db):
    order_id, _ = make_order(db)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")
    db.conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = %s", (order_id,))
    with pytest.raises(Conflict) as raised:
        orders.issue_invoice(draft["id"], "fiona")
    assert "cancelled" in raised.value.detail
    assert db.scalar("SELECT status FROM invoices WHERE id = %s", (draft["id"],)) == "draft"


def test_a_draft_is_deleted_but_an_issued_invoice_never(orders, db):
    order_id, _ = make_order(db)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")
    assert orders.delete_draft_invoice(draft["id"], "fiona") == {"id": draft["id"], "deleted": True}
    with pytest.raises(NotFound):
        orders.get_invoice(draft["id"])
    assert db.scalar("SELECT count(*) FROM invoice_lines WHERE invoice_id = %s", (draft["id"],)) == 0

    invoice = orders.issue_invoice(orders.create_invoice({"order_id": order_id}, "fiona")["id"], "fiona")
    with pytest.raises(IllegalTransition) as raised:
        orders.delete_draft_invoice(invoice["id"], "fiona")
    assert "credit note" in raised.value.detail
    assert orders.get_invoice(invoice["id"]) == invoice


@pytest.mark.parametrize("sql", [
    "UPDATE invoices SET gross_total = gross_total + 1 WHERE id = %s",
    "UPDATE invoices SET due_date = due_date + 30 WHERE id = %s",
    "UPDATE invoices SET status = 'draft', number = NULL WHERE id = %s",
    "DELETE FROM invoices WHERE id = %s",
    "UPDATE invoice_lines SET quantity = quantity + 1 WHERE invoice_id = %s",
    "DELETE FROM invoice_lines WHERE invoice_id = %s",
    "INSERT INTO invoice_lines (id, invoice_id, position, name, quantity, unit_price, tax_rate, discount_total,"
    " net_amount, tax_amount, gross_amount) VALUES (gen_random_uuid(), %s, 9, 'x', 1, 1, 0, 0, 1, 0, 1)",
])
def test_the_database_refuses_to_change_an_issued_invoice(orders, db, sql):
    invoice = issued_invoice(orders, db)
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation) as raised:
        db.conn.execute(sql, (invoice["id"],))
    assert "credit note" in str(raised.value)
    assert orders.get_invoice(invoice["id"]) == invoice


def test_the_database_lets_a_merge_move_an_issued_invoice(orders, db):
    invoice = issued_invoice(orders, db)
    survivor = known_account(db)
    db.conn.execute("UPDATE invoices SET account_id = %s, version = version + 1, updated_at = now() WHERE id = %s",
                    (survivor, invoice["id"]))
    assert orders.get_invoice(invoice["id"])["account_id"] == survivor


def test_unknown_and_malformed_ids_are_404(orders):
    for call in (orders.get_invoice, orders.issue_invoice, orders.delete_draft_invoice):
        with pytest.raises(NotFound):
            call(str(uuid.uuid4()))
        with pytest.raises(NotFound):
            call("not-an-id")


def test_lists_filter_sort_and_page(orders, db):
    account_id = known_account(db)
    made = []
    for _ in range(3):
        order_id, _ = make_order(db, account_id=account_id)
        made.append(orders.create_invoice({"order_id": order_id}, "fiona"))
    issued = orders.issue_invoice(made[0]["id"], "fiona")

    page = orders.list_invoices({"account_id": account_id, "limit": 2})
    assert [item["id"] for item in page["items"]] == [made[2]["id"], made[1]["id"]]
    rest = orders.list_invoices({"account_id": account_id, "limit": 2, "cursor": page["next_cursor"]})
    assert [item["id"] for item in rest["items"]] == [made[0]["id"]] and rest["next_cursor"] is None
    assert "lines" not in rest["items"][0] and rest["items"][0]["account_name"].startswith("Initech")

    drafts = orders.list_invoices({"account_id": account_id, "status": ["draft"], "sort": "created_at"})
    assert [item["id"] for item in drafts["items"]] == [made[1]["id"], made[2]["id"]]
    by_number = orders.list_invoices({"account_id": account_id, "sort": "number"})
    assert by_number["items"][0]["id"] == issued["id"]  # drafts (no number) last
    found = orders.list_invoices({"q": issued["number"]})
    assert [item["id"] for item in found["items"]] == [issued["id"]]
    assert orders.list_invoices({"account_id": account_id, "overdue": True})["items"] == []
    assert len(orders.list_invoices({"order_id": made[1]["order_id"]})["items"]) == 1

    for query, field in (({"status": ["nope"]}, "status"), ({"sort": "gross"}, "sort"), ({"cursor": "x!"}, "cursor"),
                         ({"limit": 0}, "limit"), ({"account_id": "x"}, "account_id"), ({"colour": 1}, "colour")):
        with pytest.raises(ValidationFailed) as raised:
            orders.list_invoices(query)
        assert field in raised.value.errors


def test_the_invoice_document_in_html_and_pdf(orders, db):
    invoice = issued_invoice(orders, db, items=((2, "1250.00", "19"),))
    page = orders.invoice_document(invoice["id"], "html")
    assert page["content_type"].startswith("text/html") and page["filename"] == f"{invoice['number']}.html"
    assert f"Invoice {invoice['number']}" in page["body"] and "2,975.00" in page["body"]
    assert "Balance due EUR" in page["body"] and invoice["account_name"] in page["body"]
    document = orders.invoice_document(invoice["id"], "pdf")
    assert document["content_type"] == "application/pdf"
    assert base64.b64decode(document["body"]).startswith(b"%PDF")
    with pytest.raises(ValidationFailed):
        orders.invoice_document(invoice["id"], "docx")
    with pytest.raises(NotFound):
        orders.invoice_document(str(uuid.uuid4()), "html")
