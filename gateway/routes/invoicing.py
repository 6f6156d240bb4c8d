"""Invoices, payments and credit notes of the orders service: invoice an
order or a shipment, issue (the number is assigned then), record payments,
issue credit notes, and the invoice document a customer reads.  Reads
need ``orders:read``; every write ``finance:write``."""

import base64

from flask import Blueprint, Response, url_for

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, created, listing, versioned
from shared.schemas.orders.invoicing import (
    CreditNoteCreateSchema,
    CreditNotePageSchema,
    CreditNoteQuerySchema,
    CreditNoteSchema,
    InvoiceCountQuerySchema,
    InvoiceCountsSchema,
    InvoiceCreateSchema,
    InvoiceDetailSchema,
    InvoicePageSchema,
    InvoicePaymentQuerySchema,
    InvoiceQuerySchema,
    PaymentCreateSchema,
    PaymentPageSchema,
    PaymentQuerySchema,
    PaymentRecordedSchema,
)

bp = Blueprint("invoicing", __name__, url_prefix="/api/v1")
TAGS = ["invoices"]
HTML_BODY = {"type": "string", "description": "The invoice as an HTML page for the customer."}
PDF_BODY = {"type": "string", "format": "binary", "description": "The invoice as a PDF for the customer."}
DOCUMENT_HEADERS = {"Content-Disposition": "inline; filename=<number>.<html|pdf>"}
# The HTML document runs nothing and loads nothing: it is shown as a page.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


@bp.get("/invoices")
@requires("orders:read")
@operation("List invoices (filtered; newest first, or sorted)", tags=TAGS, query=InvoiceQuerySchema,
           response=InvoicePageSchema,
           description="`status` may repeat or hold commas; `overdue=true`: unpaid past the due date; `q` finds "
                       "part of the number.")
def list_invoices(query):
    return listing("orders", "list_invoices", query)


@bp.post("/invoices")
@requires("finance:write")
@operation("Invoice an order, or one shipment of it (a draft)", tags=TAGS, body=InvoiceCreateSchema,
           response=InvoiceDetailSchema, status=201, problems=(409,),
           headers={"Location": "The invoice's URL.", "ETag": "The invoice's version."},
           description="Without `shipment_id`: everything of the order not on another invoice; with it: the "
                       "shipment's lines and quantities. The lines copy the order's prices and tax rates. The "
                       "order must be submitted or later (409 otherwise); a line is never invoiced beyond its "
                       "quantity (422).")
def create_invoice(body):
    return create("orders", "create_invoice", body, "invoicing.get_invoice", "invoice_id")


@bp.get("/invoices/counts")
@requires("orders:read")
@operation("Count invoices by status, and the overdue ones", tags=TAGS, query=InvoiceCountQuerySchema,
           response=InvoiceCountsSchema,
           description="The numbers beside the list's status links: the list's filters but `status` (and paging "
                       "and sort, which are refused here), every status present (0 when none); `overdue`: how "
                       "many of them `overdue=true` lists.")
def count_invoices(query):
    return listing("orders", "count_invoices", query)


@bp.get("/invoices/<uuid:invoice_id>")
@requires("orders:read")
@operation("Get an invoice with its lines, payments and credit notes", tags=TAGS, response=InvoiceDetailSchema,
           headers={"ETag": "The invoice's version, for If-Match."})
def get_invoice(invoice_id):
    return versioned(call("orders", "get_invoice", str(invoice_id)))


@bp.delete("/invoices/<uuid:invoice_id>")
@requires("finance:write")
@operation("Delete a draft invoice", tags=TAGS, status=204, problems=(409, 412), request_headers=("If-Match",),
           description="Only a draft: an issued invoice is never deleted (409); correct it with a credit note.")
def delete_draft_invoice(invoice_id, expected_version):
    call("orders", "delete_draft_invoice", str(invoice_id), actor(), expected_version)
    return "", 204


@bp.post("/invoices/<uuid:invoice_id>/issue")
@requires("finance:write")
@operation("Issue a draft invoice", tags=TAGS, response=InvoiceDetailSchema, problems=(409, 412),
           headers={"ETag": "The invoice's new version."}, request_headers=("If-Match",),
           description="Assigns the number (per series and year, without gaps), the issue date (today) and the due "
                       "date (issue date + payment terms). From then on the invoice never changes.")
def issue_invoice(invoice_id, expected_version):
    return versioned(call("orders", "issue_invoice", str(invoice_id), actor(), expected_version))


@bp.get("/invoices/<uuid:invoice_id>/payments")
@requires("orders:read")
@operation("An invoice's payments", tags=TAGS + ["payments"], query=InvoicePaymentQuerySchema,
           response=PaymentPageSchema)
def invoice_payments(invoice_id, query):
    return call("orders", "list_payments", {**query.wire(), "invoice_id": str(invoice_id)})


@bp.post("/invoices/<uuid:invoice_id>/payments")
@requires("finance:write")
@operation("Record a payment of an invoice", tags=TAGS + ["payments"], body=PaymentCreateSchema,
           response=PaymentRecordedSchema, status=201, problems=(409,),
           headers={"Location": "The invoice's URL.", "ETag": "The invoice's new version."},
           description="At most the invoice's balance (422 names it: money beyond it needs a credit note first). "
                       "Send an Idempotency-Key: a retried request then records the payment once.")
def record_payment(invoice_id, body):
    answer = call("orders", "record_payment", str(invoice_id), body.wire(), actor())
    invoice = answer["invoice"]
    return versioned(answer, 201, version_of=invoice,
                     Location=url_for("invoicing.get_invoice", invoice_id=invoice["id"]))


@bp.post("/invoices/<uuid:invoice_id>/credit-notes")
@requires("finance:write")
@operation("Issue a credit note against an invoice", tags=TAGS + ["credit notes"], body=CreditNoteCreateSchema,
           response=CreditNoteSchema, status=201, problems=(409,),
           headers={"Location": "The credit note's URL.", "ETag": "The credit note's version."},
           description="Without `lines`: everything not credited yet (the invoice becomes void); with them: those "
                       "lines and quantities, each at most what it invoiced minus what was credited (422 on "
                       "`lines.N.quantity`).")
def issue_credit_note(invoice_id, body):
    note = call("orders", "issue_credit_note", str(invoice_id), body.wire(), actor())
    return created(note, "invoicing.get_credit_note", credit_note_id=note["id"])


def _document(invoice_id, format):
    document = call("orders", "invoice_document", str(invoice_id), format)
    body = document["body"] if format == "html" else base64.b64decode(document["body"])
    headers = {"Content-Disposition": f"inline; filename={document['filename']}", "Cache-Control": "no-store"}
    if format == "html":
        headers["Content-Security-Policy"] = DOCUMENT_CSP
    return Response(body, content_type=document["content_type"], headers=headers)


@bp.get("/invoices/<uuid:invoice_id>/document.html")
@requires("orders:read")
@operation("The invoice document as HTML", tags=TAGS, response=HTML_BODY, media_type="text/html",
           headers=DOCUMENT_HEADERS, description="What the customer reads: seller, customer, number, dates, lines, "
                                                 "tax lines, totals, and what is paid and left to pay.")
def invoice_document_html(invoice_id):
    return _document(invoice_id, "html")


@bp.get("/invoices/<uuid:invoice_id>/document.pdf")
@requires("orders:read")
@operation("The invoice document as PDF", tags=TAGS, response=PDF_BODY, media_type="application/pdf",
           headers=DOCUMENT_HEADERS, description="The same content as the HTML document, as a PDF.")
def invoice_document_pdf(invoice_id):
    return _document(invoice_id, "pdf")


@bp.get("/credit-notes")
@requires("orders:read")
@operation("List credit notes (newest first, or sorted)", tags=["credit notes"], query=CreditNoteQuerySchema,
           response=CreditNotePageSchema)
def list_credit_notes(query):
    return listing("orders", "list_credit_notes", query)


@bp.get("/credit-notes/<uuid:credit_note_id>")
@requires("orders:read")
@operation("Get a credit note with its lines", tags=["credit notes"], response=CreditNoteSchema,
           headers={"ETag": "The credit note's version."})
def get_credit_note(credit_note_id):
    return versioned(call("orders", "get_credit_note", str(credit_note_id)))


@bp.get("/payments")
@requires("orders:read")
@operation("List payments (newest first, or by payment date)", tags=["payments"], query=PaymentQuerySchema,
           response=PaymentPageSchema, description="`method` may repeat or hold commas.")
def list_payments(query):
    return listing("orders", "list_payments", query)
