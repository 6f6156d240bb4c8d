"""Contracts of the orders service's quotes area.

A quote is for an account (sales' customer id) and optionally an opportunity
of sales.  It has a readable ``number`` (``Q-000123``) shared by all its
revisions and a ``revision`` (1, 2, ...).  Status ``draft`` -> ``sent`` ->
``accepted`` | ``rejected`` | ``expired`` (a draft may also be rejected).
Only a draft is changed; a sent, expired or rejected quote is *revised*
instead: a new draft revision with the same lines and prices, while the old
one keeps its status, stays readable and names the new one in
``superseded_by`` (a superseded quote can no longer be accepted).  Quotes of
one opportunity that are not superseded are alternatives: accepting one
rejects the others that are draft or sent."""

from marshmallow import fields, validate

from shared.schemas.common import (
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    country_code,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import Currency, DocumentLineSchema, LineInputSchema, MoneyText, TotalsSchema

QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired")
QUOTE_ACTIONS = ("update", "send", "accept", "reject", "revise")
MAX_LINES = 500
DOCUMENT_FORMATS = ("html", "pdf")
QUOTE_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "number", "-number", "valid_until",
               "-valid_until")
QUOTE_SORT_HELP = (
    "The order of the list: -created_at (newest first, the default) or created_at; -updated_at / updated_at; "
    "number / -number (Q-000001 first / last; revisions of one number by id); valid_until / -valid_until "
    "(soonest / latest end of validity first). The id breaks ties. A cursor continues the sort it came from."
)
LINES_HELP = ("The quote's lines, priced from the price book on the day (a given unit_price overrides it); "
              "at least one.")


class QuoteFieldsSchema(TrimmedSchema):
    """What a person or client app may set on a quote."""

    upper = ("tax_country",)

    account_id = fields.UUID(metadata={"description": "The customer: an account of sales (not merged)."})
    opportunity_id = fields.UUID(allow_none=True, metadata={
        "description": "The opportunity of sales the quote is for, kept as given. Its quotes that are not "
                       "superseded are alternatives: accepting one rejects the others, and sales marks the "
                       "opportunity won with the quote's net total as its amount."})
    contact_id = fields.UUID(allow_none=True, metadata={"description": "The customer's contact (sales), as given."})
    title = text(200)
    notes = text(5000, metadata={"description": "Shown on the quote document above the lines."})
    terms = text(5000, metadata={"description": "Terms and conditions, shown on the quote document."})
    currency = Currency()
    price_book_id = fields.UUID(allow_none=True, metadata={"description": "Default (or null): the standard book."})
    tax_country = country_code(allow_none=True, metadata={
        "description": "The country whose tax rates apply (ISO 3166-1 alpha-2). Default: the account's country."})
    valid_until = fields.Date(allow_none=True, metadata={
        "description": "The last day the offer may be accepted (today or later). Default on create: today + 30 "
                       "days."})
    lines = fields.List(fields.Nested(LineInputSchema), validate=validate.Length(min=1, max=MAX_LINES),
                        metadata={"description": LINES_HELP})


class QuoteCreateSchema(QuoteFieldsSchema):
    account_id = fields.UUID(required=True, error_messages={"required": "A quote is for an account: give its id."},
                             metadata={"description": "The customer: an account of sales (not merged)."})
    currency = Currency(required=True, error_messages={"required": "Give the quote's currency, like EUR."})
    lines = fields.List(fields.Nested(LineInputSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES),
                        error_messages={"required": "A quote needs at least one line."},
                        metadata={"description": LINES_HELP})


class QuoteUpdateSchema(QuoteFieldsSchema):
    """PATCH of a draft: only the given keys change; ``lines`` replaces all
    lines (priced anew).  A new currency, price book or tax country prices
    the current lines anew (typed unit prices stay)."""

    account_id = fields.UUID(error_messages={"null": "A quote is for an account: give its id."})
    currency = Currency(error_messages={"null": "A quote needs a currency."})
    tax_country = country_code(error_messages={"null": "Give the country whose tax applies."})
    valid_until = fields.Date(error_messages={"null": "Give the last day the offer is valid."})


class QuoteRejectSchema(TrimmedSchema):
    reason = text(1000, metadata={"description": "Why the customer declined (optional)."})


class QuoteQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()
    q = text(100, load_default=None, metadata={"description": "Part of the number (like 000123) or title."})
    account_id = fields.UUID(load_default=None)
    opportunity_id = fields.UUID(load_default=None)
    status = filter_values(fields.String(validate=validate.OneOf(QUOTE_STATUSES)))
    include_superseded = fields.Boolean(load_default=False, metadata={
        "description": "Also list revisions that a newer revision replaced (left out by default)."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(QUOTE_SORTS),
                         metadata={"description": QUOTE_SORT_HELP})


class QuoteCountQuerySchema(QuoteQuerySchema):
    """The quotes list's filters without paging, sort or status: what the
    status counts beside the list are counted under."""

    class Meta(QuoteQuerySchema.Meta):
        exclude = ("cursor", "limit", "sort", "status")


# Output -------------------------------------------------------------------------

class QuoteSummarySchema(AuthoredSchema):
    """A quote without its lines (lists, revisions, events)."""

    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "Q-000123",
                                                    "description": "Shared by all revisions of the quote."})
    revision = fields.Integer(required=True, metadata={"description": "1 for the first."})
    status = fields.String(required=True, validate=validate.OneOf(QUOTE_STATUSES))
    superseded_by = fields.UUID(allow_none=True, metadata={
        "description": "The newer revision that replaced this one; a superseded quote keeps its status but can "
                       "no longer be accepted, rejected or revised."})
    revision_of = fields.UUID(allow_none=True, metadata={"description": "The revision this one was made from."})
    account_id = fields.UUID(required=True)
    opportunity_id = fields.UUID(allow_none=True)
    contact_id = fields.UUID(allow_none=True)
    title = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    terms = fields.String(allow_none=True)
    currency = fields.String(required=True)
    price_book_id = fields.UUID(required=True)
    prices_include_tax = fields.Boolean(required=True)
    tax_country = fields.String(required=True)
    priced_on = fields.Date(required=True, metadata={"description": "The day the lines were priced (prices and "
                                                                    "tax rates valid that day)."})
    valid_until = fields.Date(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    sent_by = fields.String(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    accepted_by = fields.String(allow_none=True)
    rejected_at = fields.AwareDateTime(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    expired_at = fields.AwareDateTime(allow_none=True)
    totals = fields.Nested(TotalsSchema, required=True)


class QuoteDataSchema(QuoteSummarySchema):
    """A quote with its lines, as events carry it."""

    lines = fields.List(fields.Nested(DocumentLineSchema), required=True)


class QuoteSchema(QuoteDataSchema):
    """A quote as the API answers it."""

    actions = fields.List(fields.String(validate=validate.OneOf(QUOTE_ACTIONS)), required=True, metadata={
        "description": "What can be done with the quote now (update: it is a draft)."})


class QuoteListItemSchema(QuoteSummarySchema):
    actions = fields.List(fields.String(validate=validate.OneOf(QUOTE_ACTIONS)), required=True)


class QuotePageSchema(StrictSchema):
    items = fields.List(fields.Nested(QuoteListItemSchema), required=True)
    next_cursor = fields.String(allow_none=True)


QuoteStatusCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in QUOTE_STATUSES}, name="QuoteStatusCountsSchema")


class QuoteCountsSchema(StrictSchema):
    by_status = fields.Nested(QuoteStatusCountsSchema, required=True, metadata={
        "description": "How many quotes of each status the list shows under the filters (0 when none)."})
    total = fields.Integer(required=True, metadata={"description": "All of them, whatever their status."})


class QuoteRevisionsSchema(StrictSchema):
    items = fields.List(fields.Nested(QuoteListItemSchema), required=True,
                        metadata={"description": "Every revision of the quote's number, the first first."})


class QuoteDocumentFileSchema(StrictSchema):
    """The RPC answer of ``quote_document``."""

    content_type = fields.String(required=True)
    filename = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "The HTML text, or the PDF in base64."})


# Events -------------------------------------------------------------------------

class QuoteEventSchema(StrictSchema):
    quote = fields.Nested(QuoteDataSchema, required=True)


class QuoteRevisedSchema(StrictSchema):
    quote = fields.Nested(QuoteDataSchema, required=True, metadata={"description": "The new draft revision."})
    superseded_quote_id = fields.UUID(required=True, metadata={"description": "The revision it replaces."})


class QuoteAcceptedSchema(StrictSchema):
    quote = fields.Nested(QuoteDataSchema, required=True)
    opportunity_id = fields.UUID(allow_none=True, metadata={"description": "The opportunity of sales it is for."})
    account_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    net_total = MoneyText(required=True)
    gross_total = MoneyText(required=True)


register_event("quote.sent", QuoteEventSchema, "orders", "A quote was sent to the customer.")
register_event("quote.revised", QuoteRevisedSchema, "orders",
               "A quote was revised: a new draft revision replaces the one named (which stays readable).")
register_event("quote.accepted", QuoteAcceptedSchema, "orders",
               "The customer accepted a quote; sales marks its opportunity won with the net total as amount.")
register_event("quote.rejected", QuoteEventSchema, "orders",
               "A quote was rejected (by the customer, or because another alternative was accepted: "
               "rejection_reason says which).")
register_event("quote.expired", QuoteEventSchema, "orders", "A sent quote passed its validity without an answer.")
