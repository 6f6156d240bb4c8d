"""Contracts of the support service's customers area: its copies of sales'
accounts and contacts (from sales.events, caught up on first start) and of
orders (from orders.events).  The area publishes no events of its own."""

from marshmallow import fields, validate

from shared.schemas.common import StrictSchema


class CustomersSyncKindSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("accounts", "contacts")))
    pages = fields.Integer(required=True)
    items = fields.Integer(required=True, metadata={"description": "Records read from sales so far."})
    started_at = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When the catch-up finished."})


class CustomersSyncStateSchema(StrictSchema):
    items = fields.List(fields.Nested(CustomersSyncKindSchema), required=True)
