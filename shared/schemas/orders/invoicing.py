"""Contracts of the orders service's invoicing area: invoices (per order or
per shipment), their payments and credit notes, and the events
``invoice.issued``, ``invoice.paid``, ``invoice.overdue``,
``payment.recorded`` and ``credit_note.issued``.

An invoice is a ``draft`` until issued; issuing gives it its number
(``INV-2026-000001``: series, year, a sequence without gaps) and its due
date, and from then on it never changes: it is settled by payments and
corrected by credit notes (``CN-2026-000001``).  Its ``balance`` is what is
left to pay (gross minus paid minus credited, never below zero);
``credit_balance`` what is owed to the customer (a credit note on a paid
invoice).  Amounts are decimal strings with the currency's minor unit."""

from decimal import Decimal

from marshmallow import fields, validate

from shared.schemas.common import (
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    WholeNumber,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import Amount, DocumentLineSchema, MoneyText, Quantity, TotalsSchema

INVOICE_STATUSES = ("draft", "issued", "partly_paid", "paid", "overdue", "void")
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")
SERIES_PATTERN = r"^[A-Z][A-Z0-9]{0,9}$"
MAX_LINES = 200


def _series(description):
    return fields.String(allow_none=True, validate=validate.Regexp(
        SERIES_PATTERN, error="A series is 1 to 10 upper-case letters and digits, starting with a letter, like INV."),
        metadata={"description": description, "pattern": SERIES_PATTERN, "example": "INV"})


# Input ------------------------------------------------------------------------

class InvoiceCreateSchema(TrimmedSchema):
    """A draft invoice for everything of an order not invoiced yet, or for
    one shipment of it (its lines and quantities)."""

    order_id = fields.UUID(required=True, metadata={"description": "A submitted (or later) order."})
    shipment_id = fields.UUID(allow_none=True, metadata={
        "description": "Invoice only this shipment of the order (each shipment once)."})
    series = _series("The number series (default INV); numbers run per series and year.")
    payment_terms_days = WholeNumber(allow_none=True, strict=True, validate=validate.Range(min=0, max=3650),
                                     metadata={"description": "Days from issue to due date; default: the order's."})
    notes = text(2000)


class PaymentCreateSchema(TrimmedSchema):
    amount = Amount(required=True, minimum=Decimal("0.000001"), metadata={
        "description": "In the invoice's currency, at most its balance (the currency's decimals at most)."})
    paid_on = fields.Date(metadata={
        "description": "When the money arrived (ISO date): today or earlier; today when left out."})
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    reference = text(200, metadata={"description": "Bank reference, card slip, cheque number..."})


class CreditLineInputSchema(StrictSchema):
    invoice_line_id = fields.UUID(required=True, metadata={"description": "A line of the invoice credited."})
    quantity = Quantity(required=True, minimum=Decimal("0.0001"), metadata={
        "description": "At most what the line invoiced minus what earlier credit notes credited."})


class CreditNoteCreateSchema(TrimmedSchema):
    """A credit note for the whole invoice (no ``lines``: everything not
    credited yet) or for some of its lines and quantities."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           error_messages={"required": "Say why the invoice is credited.",
                                           "null": "Say why the invoice is credited."})
    lines = fields.List(fields.Nested(CreditLineInputSchema), allow_none=True,
                        validate=validate.Length(min=1, max=MAX_LINES),
                        metadata={"description": "Lines of the invoice, each named once."})
    series = _series("The number series (default CN); numbers run per series and year.")


INVOICE_SORTS = ("-created_at", "created_at", "number", "-number", "due_date", "-due_date")
INVOICE_SORT_HELP = (
    "-created_at / created_at: newest / oldest first (the default: newest first); number / -number: by invoice "
    "number (drafts, without number, last); due_date / -due_date: by due date (drafts last). The id breaks ties."
)


class InvoiceQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    account_id = fields.UUID(load_default=None, allow_none=True)
    order_id = fields.UUID(load_default=None, allow_none=True)
    status = filter_values(fields.String(validate=validate.OneOf(INVOICE_STATUSES)))
    overdue = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "true: unpaid invoices past their due date; false: the others."})
    q = text(100, load_default=None, metadata={"description": "Part of the invoice number."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(INVOICE_SORTS),
                         metadata={"description": INVOICE_SORT_HELP})


class InvoiceCountQuerySchema(InvoiceQuerySchema):
    """The invoices list's filters without paging, sort or status: what the
    status counts beside the list are counted under."""

    class Meta(InvoiceQuerySchema.Meta):
        exclude = ("cursor", "limit", "sort", "status")


InvoiceStatusCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in INVOICE_STATUSES}, name="InvoiceStatusCountsSchema")


class InvoiceCountsSchema(StrictSchema):
    by_status = fields.Nested(InvoiceStatusCountsSchema, required=True, metadata={
        "description": "How many invoices of each status the list shows under the filters (0 when none)."})
    total = fields.Integer(required=True, metadata={"description": "All of them, whatever their status."})
    overdue = fields.Integer(required=True, metadata={
        "description": "How many of them are unpaid past their due date (what overdue=true lists), whether or "
                       "not the overdue sweep has marked them yet."})


PAYMENT_SORTS = ("-created_at", "created_at", "-paid_on", "paid_on")


class InvoicePaymentQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    """The payments of one invoice (its id is in the path)."""

    trimmed = ()

    method = filter_values(fields.String(validate=validate.OneOf(PAYMENT_METHODS)))
    paid_from = fields.Date(load_default=None, allow_none=True, metadata={"description": "Paid on or after."})
    paid_to = fields.Date(load_default=None, allow_none=True, metadata={"description": "Paid on or before."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(PAYMENT_SORTS), metadata={
        "description": "-created_at / created_at: newest / oldest recorded first (default); -paid_on / paid_on: "
                       "by payment date. The id breaks ties."})


class PaymentQuerySchema(InvoicePaymentQuerySchema):
    invoice_id = fields.UUID(load_default=None, allow_none=True)
    account_id = fields.UUID(load_default=None, allow_none=True)


CREDIT_NOTE_SORTS = ("-created_at", "created_at", "number", "-number")


class CreditNoteQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    account_id = fields.UUID(load_default=None, allow_none=True)
    invoice_id = fields.UUID(load_default=None, allow_none=True)
    order_id = fields.UUID(load_default=None, allow_none=True)
    q = text(100, load_default=None, metadata={"description": "Part of the credit note number."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(CREDIT_NOTE_SORTS), metadata={
        "description": "-created_at / created_at: newest / oldest first (default); number / -number: by number."})


class DocumentFormatSchema(StrictSchema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "pdf")))


# Output -----------------------------------------------------------------------

class InvoiceSchema(AuthoredSchema):
    """An invoice without its lines (lists, events about its settlement)."""

    id = fields.UUID(required=True)
    number = fields.String(allow_none=True, metadata={"description": "Set when issued, like INV-2026-000001."})
    series = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(INVOICE_STATUSES))
    order_id = fields.UUID(required=True)
    order_number = fields.String(allow_none=True)
    shipment_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(required=True)
    account_name = fields.String(allow_none=True)
    currency = fields.String(required=True)
    prices_include_tax = fields.Boolean(required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    paid_total = MoneyText(required=True)
    credited_total = MoneyText(required=True)
    balance = MoneyText(required=True, metadata={
        "description": "Left to pay: totals.gross_total - paid - credited, >= 0."})
    credit_balance = MoneyText(required=True, metadata={
        "description": "Owed to the customer: paid + credited beyond totals.gross_total (a credit on a paid "
                       "invoice)."})
    overdue = fields.Boolean(required=True, metadata={"description": "Unpaid and past its due date."})
    payment_terms_days = fields.Integer(required=True)
    issue_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    billing_address = fields.Dict(allow_none=True)
    customer_reference = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    issued_by = fields.String(allow_none=True)


class PaymentSchema(StrictSchema):
    id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    invoice_number = fields.String(allow_none=True)
    account_id = fields.UUID(required=True)
    amount = MoneyText(required=True)
    currency = fields.String(required=True)
    paid_on = fields.Date(required=True)
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    reference = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class CreditNoteSummarySchema(AuthoredSchema):
    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "CN-2026-000001"})
    invoice_id = fields.UUID(required=True)
    invoice_number = fields.String(allow_none=True)
    order_id = fields.UUID(required=True)
    account_id = fields.UUID(required=True)
    return_id = fields.UUID(allow_none=True, metadata={"description": "The return (RMA) refunded, if any."})
    reason = fields.String(required=True)
    currency = fields.String(required=True)
    prices_include_tax = fields.Boolean(required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    issue_date = fields.Date(required=True)


class CreditNoteSchema(CreditNoteSummarySchema):
    lines = fields.List(fields.Nested(DocumentLineSchema), required=True, metadata={
        "description": "source_line_id: the invoice line credited."})


class InvoiceDetailSchema(InvoiceSchema):
    """An invoice with its lines, payments and credit notes."""

    lines = fields.List(fields.Nested(DocumentLineSchema), required=True, metadata={
        "description": "source_line_id: the order line billed."})
    payments = fields.List(fields.Nested(PaymentSchema), required=True)
    credit_notes = fields.List(fields.Nested(CreditNoteSummarySchema), required=True)


class PaymentRecordedSchema(StrictSchema):
    """The answer of recording a payment: the payment and the invoice as it is now."""

    payment = fields.Nested(PaymentSchema, required=True)
    invoice = fields.Nested(InvoiceSchema, required=True)


class DeletedSchema(StrictSchema):
    id = fields.UUID(required=True)
    deleted = fields.Boolean(required=True)


class InvoicePageSchema(StrictSchema):
    items = fields.List(fields.Nested(InvoiceSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class PaymentPageSchema(StrictSchema):
    items = fields.List(fields.Nested(PaymentSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class CreditNotePageSchema(StrictSchema):
    items = fields.List(fields.Nested(CreditNoteSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Events -----------------------------------------------------------------------

class InvoiceIssuedEventSchema(StrictSchema):
    invoice = fields.Nested(InvoiceSchema, required=True)
    lines = fields.List(fields.Nested(DocumentLineSchema), required=True)


class InvoiceEventSchema(StrictSchema):
    invoice = fields.Nested(InvoiceSchema, required=True)


class PaymentRecordedEventSchema(StrictSchema):
    payment = fields.Nested(PaymentSchema, required=True)
    invoice = fields.Nested(InvoiceSchema, required=True, metadata={"description": "After the payment."})


class CreditNoteIssuedEventSchema(StrictSchema):
    credit_note = fields.Nested(CreditNoteSchema, required=True)
    invoice = fields.Nested(InvoiceSchema, required=True, metadata={
        "description": "After the credit (status void when it credited everything)."})


register_event("invoice.issued", InvoiceIssuedEventSchema, "orders",
               "An invoice was issued: it has its number, issue and due dates, and never changes again.")
register_event("invoice.paid", InvoiceEventSchema, "orders", "An invoice's balance was paid in full.")
register_event("invoice.overdue", InvoiceEventSchema, "orders",
               "An unpaid invoice passed its due date (once per invoice).")
register_event("payment.recorded", PaymentRecordedEventSchema, "orders", "A payment of an invoice was recorded.")
register_event("credit_note.issued", CreditNoteIssuedEventSchema, "orders",
               "A credit note was issued against an invoice (for a correction or a refunded return).")
