"""Contracts of the orders service's orders area: sales orders (from an
accepted quote or made directly), their shipments, and the events
``order.placed``, ``order.shipped``, ``order.delivered`` and ``order.cancelled``.

Amounts are decimal strings with the order currency's minor unit;
quantities are decimal strings (``"2"``, ``"1.5"``)."""

from decimal import Decimal

from marshmallow import fields, validate

from shared.schemas.common import (
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    WholeNumber,
    country_code,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import (
    Currency,
    DocumentLineSchema,
    LineInputSchema,
    Quantity,
    TotalsSchema,
)

ORDER_STATUSES = ("draft", "submitted", "partly_shipped", "shipped", "delivered", "cancelled")
SHIPMENT_STATUSES = ("shipped", "delivered")
MAX_LINES = 200


class OrderAddressSchema(TrimmedSchema):
    """A postal address (shipping or billing)."""

    upper = ("country",)

    street = text(500)
    city = text(200)
    region = text(200)
    postal_code = text(20)
    country = country_code(allow_none=True)


def _lines(**kwargs):
    return fields.List(fields.Nested(LineInputSchema), validate=validate.Length(min=1, max=MAX_LINES), **kwargs)


class OrderFieldsSchema(TrimmedSchema):
    """What a person may set on any order (also one made from a quote)."""

    shipping_address = fields.Nested(OrderAddressSchema, allow_none=True)
    billing_address = fields.Nested(OrderAddressSchema, allow_none=True)
    payment_terms_days = WholeNumber(allow_none=True, strict=True, validate=validate.Range(min=0, max=365), metadata={
        "description": "Days after an invoice's issue until it is due; default: the service's PAYMENT_TERMS_DAYS."})
    customer_reference = text(100, metadata={"description": "The customer's own reference, like a PO number."})
    notes = text(2000)


class OrderCreateSchema(OrderFieldsSchema):
    """A direct order (without a quote): its lines are priced from the price book."""

    upper = ("country", "tax_country")

    account_id = fields.UUID(required=True, metadata={"description": "A live account (orders' copy of sales')."})
    currency = Currency(required=True)
    price_book_id = fields.UUID(allow_none=True, metadata={"description": "Default: the standard price book."})
    tax_country = country_code(allow_none=True, metadata={
        "description": "Country whose tax rates apply (ISO 3166-1 alpha-2); default: the account's country."})
    lines = _lines(required=True, error_messages={"required": "An order needs at least one line."})


class OrderFromQuoteSchema(OrderFieldsSchema):
    """An order from an accepted quote: its lines, prices, account and
    currency come from the quote; only the fulfilment details are given."""


class OrderUpdateSchema(OrderFieldsSchema):
    """PATCH of a draft order: only the given keys change; ``lines`` replaces
    every line (re-priced from the order's price book)."""

    lines = _lines()


class OrderCancelSchema(TrimmedSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           error_messages={"required": "Say why the order is cancelled.",
                                           "null": "Say why the order is cancelled."})


class ShipmentLineInputSchema(StrictSchema):
    order_line_id = fields.UUID(required=True, metadata={"description": "A line of this order."})
    quantity = Quantity(required=True, minimum=Decimal("0.0001"))


class ShipmentCreateSchema(TrimmedSchema):
    lines = fields.List(fields.Nested(ShipmentLineInputSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES),
                        error_messages={"required": "Name the order lines and quantities shipped."},
                        metadata={"description": "Lines of the order, each named once."})
    carrier = text(100)
    tracking_number = text(100)


class ShipmentDeliverSchema(StrictSchema):
    delivered_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "Between the shipment's shipped_at and now (422 otherwise). Default: now."})


ORDER_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "number", "-number")
ORDER_SORT_HELP = (
    "-created_at / created_at: newest / oldest first (default: newest first); -updated_at / updated_at: most / "
    "least recently changed first; number / -number: by order number. The id breaks ties."
)


class OrderQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    account_id = fields.UUID(load_default=None, allow_none=True)
    status = filter_values(fields.String(validate=validate.OneOf(ORDER_STATUSES)))
    quote_id = fields.UUID(load_default=None, allow_none=True)
    q = text(100, load_default=None, metadata={"description": "Part of the order number or customer reference."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(ORDER_SORTS),
                         metadata={"description": ORDER_SORT_HELP})


class OrderCountQuerySchema(OrderQuerySchema):
    """The orders list's filters without paging, sort or status: what the
    status counts beside the list are counted under."""

    class Meta(OrderQuerySchema.Meta):
        exclude = ("cursor", "limit", "sort", "status")


OrderStatusCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in ORDER_STATUSES}, name="OrderStatusCountsSchema")


class OrderCountsSchema(StrictSchema):
    by_status = fields.Nested(OrderStatusCountsSchema, required=True, metadata={
        "description": "How many orders of each status the list shows under the filters (0 when none)."})
    total = fields.Integer(required=True, metadata={"description": "All of them, whatever their status."})


# Output -------------------------------------------------------------------------

class OrderLineSchema(DocumentLineSchema):
    """An order line and what happened to it so far."""

    shipped_quantity = fields.String(required=True)
    delivered_quantity = fields.String(required=True)
    returned_quantity = fields.String(required=True)


class ShipmentLineSchema(StrictSchema):
    id = fields.UUID(required=True)
    order_line_id = fields.UUID(required=True)
    position = fields.Integer(required=True, metadata={"description": "The order line's position."})
    sku = fields.String(allow_none=True)
    name = fields.String(required=True)
    quantity = fields.String(required=True)


class ShipmentSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    order_id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"description": "The order's number and the shipment's ordinal."})
    status = fields.String(required=True, validate=validate.OneOf(SHIPMENT_STATUSES))
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    shipped_at = fields.AwareDateTime(required=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(ShipmentLineSchema), required=True)


class ShipmentListSchema(StrictSchema):
    items = fields.List(fields.Nested(ShipmentSchema), required=True)


class OrderSummarySchema(AuthoredSchema):
    """An order without its lines (lists, and events about a change of it)."""

    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "SO-000123"})
    account_id = fields.UUID(required=True)
    account_name = fields.String(allow_none=True)
    quote_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))
    currency = fields.String(required=True)
    price_book_id = fields.UUID(allow_none=True)
    tax_country = fields.String(required=True)
    prices_include_tax = fields.Boolean(required=True)
    shipping_address = fields.Nested(OrderAddressSchema, allow_none=True)
    billing_address = fields.Nested(OrderAddressSchema, allow_none=True)
    payment_terms_days = fields.Integer(required=True)
    customer_reference = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    totals = fields.Nested(TotalsSchema, required=True)
    placed_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When it was submitted."})
    delivered_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class OrderSchema(OrderSummarySchema):
    """An order with its lines and shipments."""

    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    shipments = fields.List(fields.Nested(ShipmentSchema), required=True)


class OrderPageSchema(StrictSchema):
    items = fields.List(fields.Nested(OrderSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Events -------------------------------------------------------------------------

class OrderPlacedEventSchema(StrictSchema):
    order = fields.Nested(OrderSchema, required=True)


class OrderShippedEventSchema(StrictSchema):
    order = fields.Nested(OrderSummarySchema, required=True, metadata={"description": "After the shipment."})
    shipment = fields.Nested(ShipmentSchema, required=True)


class OrderDeliveredEventSchema(StrictSchema):
    order = fields.Nested(OrderSummarySchema, required=True)


class OrderCancelledEventSchema(StrictSchema):
    order = fields.Nested(OrderSummarySchema, required=True)
    reason = fields.String(required=True)


register_event("order.placed", OrderPlacedEventSchema, "orders",
               "An order was submitted: the customer placed it (with its lines and totals).")
register_event("order.shipped", OrderShippedEventSchema, "orders",
               "A shipment of some or all of an order's lines left (one event per shipment).")
register_event("order.delivered", OrderDeliveredEventSchema, "orders",
               "Every line of an order was shipped and every shipment delivered.")
register_event("order.cancelled", OrderCancelledEventSchema, "orders",
               "An order was cancelled before anything of it shipped.")
