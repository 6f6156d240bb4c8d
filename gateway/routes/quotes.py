"""Quotes of the orders service: list, create, read, change a draft, the
status moves (send, accept, reject), revisions, and the quote document a
customer reads (HTML and PDF)."""

import base64

from flask import Blueprint, Response

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, created, listing, patch, versioned
from shared.schemas.orders.quotes import (
    QuoteCountQuerySchema,
    QuoteCountsSchema,
    QuoteCreateSchema,
    QuotePageSchema,
    QuoteQuerySchema,
    QuoteRejectSchema,
    QuoteRevisionsSchema,
    QuoteSchema,
    QuoteUpdateSchema,
)

bp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes")
TAGS = ["quotes"]
MOVE_HEADERS = {"ETag": "The quote's new version."}
HTML_BODY = {"type": "string", "description": "The quote as an HTML page for the customer."}
PDF_BODY = {"type": "string", "format": "binary", "description": "The quote as a PDF for the customer."}
DOCUMENT_HEADERS = {"Content-Disposition": "inline; filename=<number>-r<revision>.<html|pdf>"}
# The HTML document runs nothing and loads nothing: it is shown as a page.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


@bp.get("")
@requires("orders:read")
@operation("List quotes (filtered, sorted)", tags=TAGS, query=QuoteQuerySchema, response=QuotePageSchema,
           description="Revisions replaced by a newer one are left out unless `include_superseded=true`. "
                       "`status` may repeat or hold commas. `q` matches part of the number or the title.")
def list_quotes(query):
    return listing("orders", "list_quotes", query)


@bp.post("")
@requires("orders:write")
@operation("Create a quote", tags=TAGS, body=QuoteCreateSchema, response=QuoteSchema, status=201,
           headers={"Location": "The quote's URL.", "ETag": "The quote's version."},
           description="A draft, revision 1, with a new number. The lines are priced from the price book (default: "
                       "the standard one) valid today, with the tax rates of `tax_country` (default: the account's "
                       "country); 422 names each line field that cannot be priced (`lines.0.product_id`).")
def create_quote(body):
    return create("orders", "create_quote", body, "quotes.get_quote", "quote_id")


@bp.get("/counts")
@requires("orders:read")
@operation("Count quotes by status", tags=TAGS, query=QuoteCountQuerySchema, response=QuoteCountsSchema,
           description="The numbers beside the list's status links: the list's filters but `status` (and paging "
                       "and sort, which are refused here), every status present (0 when none).")
def count_quotes(query):
    return listing("orders", "count_quotes", query)


@bp.get("/<uuid:quote_id>")
@requires("orders:read")
@operation("Get a quote with its lines and totals", tags=TAGS, response=QuoteSchema,
           headers={"ETag": "The quote's version, for If-Match."},
           description="A superseded revision is still answered, with `superseded_by` naming the newer one. "
                       "`actions` says what can be done with it now.")
def get_quote(quote_id):
    return versioned(call("orders", "get_quote", str(quote_id)))


@bp.patch("/<uuid:quote_id>")
@requires("orders:write")
@operation("Change a draft quote", tags=TAGS, body=QuoteUpdateSchema, response=QuoteSchema,
           headers={"ETag": "The quote's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Only a draft changes (409 otherwise: revise a sent quote instead). `lines` replaces every "
                       "line, priced anew; a new currency, price book or tax country prices the current lines anew "
                       "(typed unit prices stay). Send the ETag in If-Match to be told (412) of a change in between.")
def update_quote(quote_id, body, expected_version):
    return patch("orders", "update_quote", str(quote_id), body, expected_version)


@bp.post("/<uuid:quote_id>/send")
@requires("orders:write")
@operation("Send a draft quote", tags=TAGS, response=QuoteSchema, headers=MOVE_HEADERS, problems=(409, 412, 422),
           request_headers=("If-Match",),
           description="draft -> sent; after that the quote does not change (revise it instead). 422 when its "
                       "validity has ended: change `valid_until` first.")
def send_quote(quote_id, expected_version):
    return versioned(call("orders", "send_quote", str(quote_id), actor(), expected_version))


@bp.post("/<uuid:quote_id>/accept")
@requires("orders:write")
@operation("Record that the customer accepted a quote", tags=TAGS, response=QuoteSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="sent -> accepted, while it is valid and not superseded (409 naming the allowed moves "
                       "otherwise). The other live quotes of its opportunity (draft or sent) are rejected with the "
                       "reason \"another alternative was accepted\", and sales marks the opportunity won with the "
                       "quote's net total as its amount.")
def accept_quote(quote_id, expected_version):
    return versioned(call("orders", "accept_quote", str(quote_id), actor(), expected_version))


@bp.post("/<uuid:quote_id>/reject")
@requires("orders:write")
@operation("Record that the customer declined a quote (or drop a draft)", tags=TAGS, body=QuoteRejectSchema,
           body_optional=True, response=QuoteSchema, headers=MOVE_HEADERS, problems=(409, 412),
           request_headers=("If-Match",),
           description="draft or sent -> rejected, with an optional `reason`. A rejected quote can be revised.")
def reject_quote(quote_id, body, expected_version):
    return versioned(call("orders", "reject_quote", str(quote_id), body.wire().get("reason"), actor(),
                          expected_version))


@bp.post("/<uuid:quote_id>/revise")
@requires("orders:write")
@operation("Revise a sent, expired or rejected quote", tags=TAGS, response=QuoteSchema, status=201,
           headers={"Location": "The new revision's URL.", "ETag": "The new revision's version."}, problems=(409,),
           description="A new draft revision with the same number, lines and prices, valid for 30 days from today; "
                       "the revised quote stays readable with `superseded_by` and can no longer be accepted.")
def revise_quote(quote_id):
    quote = call("orders", "revise_quote", str(quote_id), actor())
    return created(quote, "quotes.get_quote", quote_id=quote["id"])


@bp.get("/<uuid:quote_id>/revisions")
@requires("orders:read")
@operation("Every revision of a quote's number", tags=TAGS, response=QuoteRevisionsSchema)
def quote_revisions(quote_id):
    return call("orders", "quote_revisions", str(quote_id))


def _document(quote_id, format):
    document = call("orders", "quote_document", str(quote_id), format)
    body = document["body"] if format == "html" else base64.b64decode(document["body"])
    headers = {"Content-Disposition": f"inline; filename={document['filename']}", "Cache-Control": "no-store"}
    if format == "html":
        headers["Content-Security-Policy"] = DOCUMENT_CSP
    return Response(body, content_type=document["content_type"], headers=headers)


@bp.get("/<uuid:quote_id>/document.html")
@requires("orders:read")
@operation("The quote document as HTML", tags=TAGS, response=HTML_BODY, media_type="text/html",
           headers=DOCUMENT_HEADERS,
           description="What the customer reads: seller, customer, number and revision, dates, lines, tax lines, "
                       "totals and terms; a notice when it is no offer (draft, superseded, expired, declined).")
def quote_document_html(quote_id):
    return _document(quote_id, "html")


@bp.get("/<uuid:quote_id>/document.pdf")
@requires("orders:read")
@operation("The quote document as PDF", tags=TAGS, response=PDF_BODY, media_type="application/pdf",
           headers=DOCUMENT_HEADERS, description="The same content as the HTML document, as a PDF.")
def quote_document_pdf(quote_id):
    return _document(quote_id, "pdf")
