"""The invoices, payments and credit notes routes of the gateway: who may
use each (401 without a token, 403 for a role without the permission,
nothing sent to a service), what each sends to the service, bad input
answered 4xx before a service is asked, and the documents."""

import base64

import pytest

from gateway.auth import PERMISSIONS
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import PAGE, ROLES, AreaChecks, IfMatchCheck, answering, entity, send, without

INVOICE_ID = "6e6e6e6e-1111-4c1e-9a55-2f9f5f0d1a66"
ORDER_ID = "0e0e0e0e-5555-4c1e-9a55-2f9f5f0d1a66"
SHIPMENT_ID = "1a1a1a1a-7777-4c1e-9a55-2f9f5f0d1a88"
NOTE_ID = "7f7f7f7f-2222-4c1e-9a55-2f9f5f0d1a77"
LINE_ID = "3c3c3c3c-9999-4c1e-9a55-2f9f5f0d1aaa"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "orders:read": set(ROLES),
    "finance:write": {"admin", "finance"},
}

INVOICE = f"/api/v1/invoices/{INVOICE_ID}"
PAYMENT_BODY = {"amount": "10.00", "paid_on": "2026-01-10", "method": "bank_transfer", "reference": "TX-1"}
CREDIT_BODY = {"reason": "Wrong price", "lines": [{"invoice_line_id": LINE_ID, "quantity": "1"}]}

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/invoices", "orders:read", None, ("orders", "list_invoices")),
    ("GET", "/api/v1/invoices/counts", "orders:read", None, ("orders", "count_invoices")),
    ("POST", "/api/v1/invoices", "finance:write", {"order_id": ORDER_ID}, ("orders", "create_invoice")),
    ("GET", INVOICE, "orders:read", None, ("orders", "get_invoice")),
    ("DELETE", INVOICE, "finance:write", None, ("orders", "delete_draft_invoice")),
    ("POST", f"{INVOICE}/issue", "finance:write", None, ("orders", "issue_invoice")),
    ("GET", f"{INVOICE}/payments", "orders:read", None, ("orders", "list_payments")),
    ("POST", f"{INVOICE}/payments", "finance:write", PAYMENT_BODY, ("orders", "record_payment")),
    ("POST", f"{INVOICE}/credit-notes", "finance:write", CREDIT_BODY, ("orders", "issue_credit_note")),
    ("GET", f"{INVOICE}/document.html", "orders:read", None, ("orders", "invoice_document")),
    ("GET", f"{INVOICE}/document.pdf", "orders:read", None, ("orders", "invoice_document")),
    ("GET", "/api/v1/credit-notes", "orders:read", None, ("orders", "list_credit_notes")),
    ("GET", f"/api/v1/credit-notes/{NOTE_ID}", "orders:read", None, ("orders", "get_credit_note")),
    ("GET", "/api/v1/payments", "orders:read", None, ("orders", "list_payments")),
]


def document(invoice_id, format):
    if format == "pdf":
        return {"content_type": "application/pdf", "filename": "INV-2026-000001.pdf",
                "body": base64.b64encode(b"%PDF-1.4 test").decode()}
    return {"content_type": "text/html; charset=utf-8", "filename": "INV-2026-000001.html", "body": "<h1>Hi</h1>"}


ANSWERS = {
    ("orders", "list_invoices"): PAGE,
    ("orders", "count_invoices"): {"by_status": {"draft": 1, "issued": 2, "partly_paid": 0, "paid": 0, "overdue": 1,
                                                 "void": 0}, "total": 4, "overdue": 2},
    ("orders", "create_invoice"): entity(INVOICE_ID),
    ("orders", "get_invoice"): entity(INVOICE_ID, 2),
    ("orders", "delete_draft_invoice"): {"id": INVOICE_ID, "deleted": True},
    ("orders", "issue_invoice"): entity(INVOICE_ID, 3, number="INV-2026-000001"),
    ("orders", "list_payments"): PAGE,
    ("orders", "record_payment"): {"payment": {"id": LINE_ID}, "invoice": entity(INVOICE_ID, 4)},
    ("orders", "issue_credit_note"): entity(NOTE_ID),
    ("orders", "invoice_document"): document,
    ("orders", "list_credit_notes"): PAGE,
    ("orders", "get_credit_note"): entity(NOTE_ID),
}


answered = answering(ANSWERS)


def test_sales_reads_invoices_but_does_not_bill():
    assert "sales" in PERMISSIONS["orders:read"] and "sales" not in PERMISSIONS["finance:write"]


# What is sent -----------------------------------------------------------------------

def test_writes_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["finance"])
    created = send(client, "POST", "/api/v1/invoices", {"order_id": ORDER_ID, "shipment_id": SHIPMENT_ID,
                                                        "series": "INV", "payment_terms_days": 30}, headers)
    assert created.status_code == 201 and created.headers["Location"].endswith(INVOICE)
    issued = send(client, "POST", f"{INVOICE}/issue", None, {**headers, "If-Match": '"2"'})
    assert issued.status_code == 200 and issued.headers["ETag"] == '"3"'
    paid = send(client, "POST", f"{INVOICE}/payments", PAYMENT_BODY, headers)
    assert paid.status_code == 201 and paid.headers["Location"].endswith(INVOICE)
    note = send(client, "POST", f"{INVOICE}/credit-notes", {"reason": " Wrong price "}, headers)
    assert note.status_code == 201 and note.headers["Location"].endswith(f"/api/v1/credit-notes/{NOTE_ID}")
    deleted = send(client, "DELETE", INVOICE, None, {**headers, "If-Match": '"1"'})
    assert deleted.status_code == 204 and deleted.get_data() == b""
    send(client, "GET", f"{INVOICE}/payments?method=card", None, headers)

    actor = answered.calls[0][2][1]
    assert actor.startswith("finance")
    assert [args for _, _, args in answered.calls[:5]] == [
        ({"order_id": ORDER_ID, "shipment_id": SHIPMENT_ID, "series": "INV", "payment_terms_days": 30}, actor),
        (INVOICE_ID, actor, 2),
        (INVOICE_ID, PAYMENT_BODY, actor),
        (INVOICE_ID, {"reason": "Wrong price"}, actor),
        (INVOICE_ID, actor, 1),
    ]
    [query] = answered.calls[5][2]
    assert query["method"] == ["card"] and query["invoice_id"] == INVOICE_ID


def test_counts_send_the_lists_filters(client, tokens, answered):
    response = client.get(f"/api/v1/invoices/counts?order_id={ORDER_ID}&overdue=true&q=2026",
                          headers=bearer(tokens["sales"]))
    assert response.status_code == 200
    assert response.get_json() == ANSWERS[("orders", "count_invoices")]
    [(_, method, (query,))] = answered.calls
    assert method == "count_invoices"
    assert query == {"account_id": None, "order_id": ORDER_ID, "overdue": True, "q": "2026"}


def test_the_documents(client, tokens, answered):
    page = send(client, "GET", f"{INVOICE}/document.html", None, bearer(tokens["readonly"]))
    assert page.status_code == 200 and page.mimetype == "text/html" and page.get_data() == b"<h1>Hi</h1>"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Content-Disposition"] == "inline; filename=INV-2026-000001.html"
    pdf = send(client, "GET", f"{INVOICE}/document.pdf", None, bearer(tokens["readonly"]))
    assert pdf.mimetype == "application/pdf" and pdf.get_data() == b"%PDF-1.4 test"
    assert [args for _, _, args in answered.calls] == [(INVOICE_ID, "html"), (INVOICE_ID, "pdf")]


# Bad input --------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/invoices"): [
        ({}, "order_id"),
        ({"order_id": "not-a-uuid"}, "order_id"),
        ({"order_id": ORDER_ID, "shipment_id": 5}, "shipment_id"),
        ({"order_id": ORDER_ID, "series": "inv"}, "series"),
        ({"order_id": ORDER_ID, "series": "A" * 11}, "series"),
        ({"order_id": ORDER_ID, "payment_terms_days": 1.5}, "payment_terms_days"),
        ({"order_id": ORDER_ID, "payment_terms_days": 5000}, "payment_terms_days"),
        ({"order_id": ORDER_ID, "status": "issued"}, "status"),
        ({"order_id": ORDER_ID, "notes": "n" * 2001}, "notes"),
    ],
    ("POST", f"{INVOICE}/payments"): [
        ({}, "amount"),
        (without(PAYMENT_BODY, "method"), "method"),
        ({**PAYMENT_BODY, "amount": "-5"}, "amount"),
        ({**PAYMENT_BODY, "amount": "0"}, "amount"),
        ({**PAYMENT_BODY, "amount": "ten"}, "amount"),
        ({**PAYMENT_BODY, "amount": "1.0000001"}, "amount"),
        ({**PAYMENT_BODY, "amount": True}, "amount"),
        ({**PAYMENT_BODY, "method": "barter"}, "method"),
        ({**PAYMENT_BODY, "paid_on": "10/01/2026"}, "paid_on"),
        ({**PAYMENT_BODY, "reference": "r" * 201}, "reference"),
        ({**PAYMENT_BODY, "currency": "EUR"}, "currency"),
    ],
    ("POST", f"{INVOICE}/credit-notes"): [
        ({}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "r" * 501}, "reason"),
        ({**CREDIT_BODY, "lines": []}, "lines"),
        ({**CREDIT_BODY, "lines": [{"invoice_line_id": "x", "quantity": "1"}]}, "lines"),
        ({**CREDIT_BODY, "lines": [{"invoice_line_id": LINE_ID, "quantity": "0"}]}, "lines"),
        ({**CREDIT_BODY, "lines": [{"invoice_line_id": LINE_ID}]}, "lines"),
        ({**CREDIT_BODY, "amount": "5"}, "amount"),
    ],
}
QUERY_CASES = [
    ("/api/v1/invoices?status=unpaid", "status"),
    ("/api/v1/invoices?sort=amount", "sort"),
    ("/api/v1/invoices?account_id=nope", "account_id"),
    ("/api/v1/invoices?overdue=maybe", "overdue"),
    ("/api/v1/invoices?limit=0", "limit"),
    ("/api/v1/invoices?cursor=%25%25", "cursor"),
    ("/api/v1/invoices?colour=red", "colour"),
    ("/api/v1/invoices/counts?status=paid", "status"),
    ("/api/v1/invoices/counts?sort=number", "sort"),
    ("/api/v1/invoices/counts?limit=10", "limit"),
    ("/api/v1/invoices/counts?cursor=abc", "cursor"),
    ("/api/v1/invoices/counts?overdue=maybe", "overdue"),
    ("/api/v1/payments?method=barter", "method"),
    ("/api/v1/payments?paid_from=soon", "paid_from"),
    ("/api/v1/payments?sort=amount", "sort"),
    (f"{INVOICE}/payments?invoice_id={ORDER_ID}", "invoice_id"),
    ("/api/v1/credit-notes?invoice_id=nope", "invoice_id"),
    ("/api/v1/credit-notes?sort=reason", "sort"),
]


MALFORMED = [
    ("GET", "/api/v1/invoices/INV-2026-000001", None), ("POST", "/api/v1/invoices/nope/issue", PAYMENT_BODY),
    ("DELETE", "/api/v1/invoices/1", None), ("POST", "/api/v1/invoices/1/payments", PAYMENT_BODY),
    ("GET", "/api/v1/credit-notes/CN-1", None), ("GET", "/api/v1/invoices/x/document.pdf", None),
]
SERVICE_ERRORS = [("record_payment", error, status) for error, status in [
    (NotFound("No invoice with id x."), 404),
    (IllegalTransition("Invoice INV-2026-000001 is issued.", allowed=[]), 409),
    (Conflict("Order SO-1 is draft."), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
    (ValidationFailed("Balance 10.00 EUR.", {"amount": ["At most the balance, 10.00 EUR."]}), 422),
]]


class TestInvoicingRoutes(AreaChecks, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    if_match_route = ("POST", f"{INVOICE}/issue", "finance")
    ids = {INVOICE_ID: "{invoice_id}", NOTE_ID: "{credit_note_id}"}

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "invoicing"


# The documented shapes ---------------------------------------------------------------

def resolved(document, schema):
    """``schema`` with a top-level ``$ref`` followed (to a component of ``document``)."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize("path, method", [
    ("/api/v1/invoices/{invoice_id}", "get"),
    ("/api/v1/invoices", "get"),
    ("/api/v1/credit-notes/{credit_note_id}", "get"),
    ("/api/v1/credit-notes", "get"),
    ("/api/v1/orders/{order_id}", "get"),
    ("/api/v1/quotes/{quote_id}", "get"),
])
def test_every_document_nests_its_totals(client, path, method):
    """Invoices and credit notes carry their totals under ``totals``, as quotes and orders do."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert path in document["paths"], sorted(document["paths"])
    responses = document["paths"][path][method]["responses"]
    schema = resolved(document, next(iter(responses["200"]["content"].values()))["schema"])
    if "items" in schema.get("properties", {}):
        schema = resolved(document, schema["properties"]["items"]["items"])
    totals = resolved(document, schema["properties"]["totals"])
    assert "totals" in schema["required"]
    assert set(totals["required"]) == {"net_total", "tax_total", "gross_total", "discount_total", "tax_lines"}
    assert not {"net_total", "tax_total", "gross_total", "discount_total", "tax_lines"} & set(schema["properties"])
