"""Contracts of the orders service's returns area: returns (RMA) of
delivered order lines, and the event ``return.created``."""

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import Quantity

RETURN_REASONS = ("damaged", "wrong_item", "not_needed", "defective", "other")
RETURN_RESOLUTIONS = ("refund", "replacement")
RETURN_STATUSES = ("open", "received", "closed")


class ReturnLineInputSchema(StrictSchema):
    order_line_id = fields.UUID(required=True, metadata={"description": "A delivered line of the order."})
    quantity = Quantity(required=True, minimum=Decimal("0.0001"))


class ReturnCreateSchema(TrimmedSchema):
    lines = fields.List(fields.Nested(ReturnLineInputSchema), required=True, validate=validate.Length(min=1, max=200),
                        error_messages={"required": "Name the order lines and quantities coming back."},
                        metadata={"description": "Delivered lines of the order, each named once."})
    reason = fields.String(required=True, validate=validate.OneOf(RETURN_REASONS))
    note = text(2000, metadata={"description": "Required, not blank, when the reason is `other`."})
    resolution = fields.String(required=True, validate=validate.OneOf(RETURN_RESOLUTIONS), metadata={
        "description": "refund: a credit note for the invoiced part of the lines; replacement: nothing financial."})

    json_schema_extra = {"if": {"properties": {"reason": {"const": "other"}}, "required": ["reason"]},
                         "then": {"required": ["note"],
                                  "properties": {"note": {"type": "string", "pattern": NOT_BLANK_PATTERN}}}}

    @validates_schema
    def note_for_other(self, data, **kwargs):
        if data.get("reason") == "other" and not data.get("note"):
            raise ValidationError("Say what is wrong in a note when the reason is other.", "note")


RETURN_SORTS = ("-created_at", "created_at", "number", "-number")


class ReturnQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    order_id = fields.UUID(load_default=None, allow_none=True)
    account_id = fields.UUID(load_default=None, allow_none=True)
    status = filter_values(fields.String(validate=validate.OneOf(RETURN_STATUSES)))
    q = text(100, load_default=None, metadata={"description": "Part of the return number."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(RETURN_SORTS),
                         metadata={"description": "-created_at (default) / created_at: newest / oldest first; "
                                                  "number / -number. The id breaks ties."})


# Output -------------------------------------------------------------------------

class ReturnLineSchema(StrictSchema):
    id = fields.UUID(required=True)
    order_line_id = fields.UUID(required=True)
    position = fields.Integer(required=True, metadata={"description": "The order line's position."})
    sku = fields.String(allow_none=True)
    name = fields.String(required=True)
    quantity = fields.String(required=True)


class ReturnSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "RMA-000123"})
    order_id = fields.UUID(required=True)
    order_number = fields.String(required=True)
    account_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RETURN_STATUSES))
    reason = fields.String(required=True, validate=validate.OneOf(RETURN_REASONS))
    note = fields.String(allow_none=True)
    resolution = fields.String(required=True, validate=validate.OneOf(RETURN_RESOLUTIONS))
    credit_note_id = fields.UUID(allow_none=True, metadata={
        "description": "The credit note of a refund (none while nothing of the lines was invoiced)."})
    received_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True)


class ReturnPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ReturnSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class ReturnCreatedEventSchema(StrictSchema):
    return_ = fields.Nested(ReturnSchema, required=True, data_key="return")


register_event("return.created", ReturnCreatedEventSchema, "orders",
               "A return (RMA) of delivered order lines was opened; a refund carries its credit note's id.")
