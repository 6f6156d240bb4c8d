"""CSV exports of the lists: ``GET /api/v1/<list>/export.csv`` takes the
list's own filters and sort (its query string less ``cursor`` and ``limit``)
and streams every matching record, paging through the service with the
list's keyset cursor (see gateway.csv_export)."""

import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, stream_with_context

from gateway import csv_export
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from shared.schemas.leads import LeadQuerySchema, LeadSchema
from shared.schemas.orders.invoicing import InvoiceQuerySchema, InvoiceSchema
from shared.schemas.orders.orders import OrderQuerySchema, OrderSummarySchema
from shared.schemas.orders.quotes import QuoteListItemSchema, QuoteQuerySchema
from shared.schemas.sales.accounts import AccountQuerySchema, AccountSchema
from shared.schemas.sales.contacts import ContactQuerySchema, ContactSchema
from shared.schemas.sales.opportunities import OpportunityQuerySchema, OpportunitySchema

log = logging.getLogger(__name__)
bp = Blueprint("exports", __name__, url_prefix="/api/v1")
TAGS = ["exports"]
PAGING = ("cursor", "limit")
CSV_TYPE = "text/csv; charset=utf-8"
CSV_BODY = {"type": "string", "description": "CSV (RFC 4180, UTF-8): a header row with the field names, then one "
                                             "row per record."}
CSV_HEADERS = {"Content-Disposition": "attachment; filename=<list>-<YYYY-MM-DD>.csv (the day in UTC)."}
HELP = ("Takes the same filters and sort as the list (not `cursor` or `limit`) and answers every matching {what} "
        "as a CSV file, however many there are: a header row with the field names, then one row per {what}. "
        "Empty cells are null; lists of texts are joined with '; ', other objects are JSON. A cell starting with "
        "= + - @, a tab or a carriage return is written with a leading apostrophe ('), so that a spreadsheet "
        "shows it as text instead of running it as a formula.")


def _without_paging(schema):
    return schema(exclude=tuple(name for name in PAGING if name in schema().fields))


LeadExportQuerySchema = _without_paging(LeadQuerySchema)
AccountExportQuerySchema = _without_paging(AccountQuerySchema)
ContactExportQuerySchema = _without_paging(ContactQuerySchema)
OpportunityExportQuerySchema = _without_paging(OpportunityQuerySchema)
QuoteExportQuerySchema = _without_paging(QuoteQuerySchema)
OrderExportQuerySchema = _without_paging(OrderQuerySchema)
InvoiceExportQuerySchema = _without_paging(InvoiceQuerySchema)
# The service that answers each list.
SERVICE_OF = {"leads": "leads", "quotes": "orders", "orders": "orders", "invoices": "orders"}


def _export(name, method, query, record_schema):
    """The list ``name`` (its ``method`` of the service that keeps it) as a CSV attachment."""
    service = SERVICE_OF.get(name, "sales")
    filters = query.wire()

    def fetch(cursor):
        return call(service, method, {**filters, "cursor": cursor, "limit": csv_export.PAGE_SIZE})

    first = fetch(None)  # before the answer starts: a refusal or an outage is still a problem document

    def chunks():
        try:
            yield from csv_export.csv_chunks(csv_export.columns(record_schema), csv_export.pages(fetch, first))
        except Exception:
            log.exception("the %s export broke off; the file the client got is cut short", name)
            raise

    filename = f"{name}-{datetime.now(UTC):%Y-%m-%d}.csv"
    return Response(stream_with_context(chunks()), content_type=CSV_TYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _declare(summary, query, what):
    return operation(summary, tags=TAGS, query=query, response=CSV_BODY, media_type="text/csv",
                     headers=CSV_HEADERS, description=HELP.format(what=what))


@bp.get("/leads/export.csv")
@requires("leads:read")
@_declare("Export leads as CSV (the list's filters)", LeadExportQuerySchema, "lead")
def export_leads(query):
    return _export("leads", "list_leads", query, LeadSchema)


@bp.get("/accounts/export.csv")
@requires("accounts:read")
@_declare("Export accounts as CSV (the list's filters)", AccountExportQuerySchema, "account")
def export_accounts(query):
    return _export("accounts", "list_accounts", query, AccountSchema)


@bp.get("/contacts/export.csv")
@requires("accounts:read")
@_declare("Export contacts as CSV (the list's filters)", ContactExportQuerySchema, "contact")
def export_contacts(query):
    return _export("contacts", "list_contacts", query, ContactSchema)


@bp.get("/opportunities/export.csv")
@requires("sales:read")
@_declare("Export opportunities as CSV (the list's filters)", OpportunityExportQuerySchema, "opportunity")
def export_opportunities(query):
    return _export("opportunities", "list_opportunities", query, OpportunitySchema)


@bp.get("/quotes/export.csv")
@requires("orders:read")
@_declare("Export quotes as CSV (the list's filters)", QuoteExportQuerySchema, "quote")
def export_quotes(query):
    return _export("quotes", "list_quotes", query, QuoteListItemSchema)


@bp.get("/orders/export.csv")
@requires("orders:read")
@_declare("Export orders as CSV (the list's filters)", OrderExportQuerySchema, "order")
def export_orders(query):
    return _export("orders", "list_orders", query, OrderSummarySchema)


@bp.get("/invoices/export.csv")
@requires("orders:read")
@_declare("Export invoices as CSV (the list's filters)", InvoiceExportQuerySchema, "invoice")
def export_invoices(query):
    return _export("invoices", "list_invoices", query, InvoiceSchema)
