"""Contracts of the campaigns service's attribution area: revenue (orders,
and paid invoices of orders never seen placed) and pipeline (opportunities)
credited to the campaigns that touched an account's people, and ROI per
attribution model."""

from marshmallow import fields, validate

from shared.schemas.common import StrictSchema

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "time_decay")
MODEL_HELP = ("first_touch: all to the earliest touch; last_touch: all to the latest; linear: equal shares; "
              "u_shaped: 40 % first, 40 % last, 20 % split over the touches between (1 touch 100 %, 2 touches "
              "50/50); time_decay: a touch's weight halves every ATTRIBUTION_HALF_LIFE_DAYS before the revenue.")
MONEY = {"example": "1250.00", "description": "A decimal amount as a string, in the campaign's currency."}


def money(**kwargs):
    return fields.String(metadata={**MONEY, **kwargs.pop("metadata", {})}, **kwargs)


class ModelRoiSchema(StrictSchema):
    model = fields.String(required=True, validate=validate.OneOf(MODELS))
    attributed_revenue = money(required=True, metadata={
        "description": "The campaign's share of the revenue of accounts it touched, in its currency."})
    revenue_items = fields.Integer(required=True, metadata={"description": "Orders (or paid invoices) credited."})
    roi = fields.String(required=True, allow_none=True, metadata={
        "description": "(attributed revenue - cost) / cost, as a decimal string (0.25 is 25 %); null while the "
                       "campaign has no cost."})


class OtherCurrencySchema(StrictSchema):
    model = fields.String(required=True, validate=validate.OneOf(MODELS))
    currency = fields.String(required=True)
    attributed_revenue = money(required=True)


class InfluencedAmountSchema(StrictSchema):
    opportunities = fields.Integer(required=True)
    amount = money(required=True, metadata={"description": "Their full amounts, in the campaign's currency."})


class InfluencedSchema(StrictSchema):
    created = fields.Nested(InfluencedAmountSchema, required=True, metadata={
        "description": "Opportunities created for accounts the campaign touched within the window before."})
    won = fields.Nested(InfluencedAmountSchema, required=True, metadata={"description": "Those of them won."})


class RoiSchema(StrictSchema):
    campaign_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    cost = money(required=True, metadata={"description": "The sum of the campaign's cost entries."})
    window_days = fields.Integer(required=True, metadata={
        "description": "ATTRIBUTION_WINDOW_DAYS: touches this long before the revenue count."})
    models = fields.List(fields.Nested(ModelRoiSchema), required=True, metadata={"description": MODEL_HELP})
    other_currencies = fields.List(fields.Nested(OtherCurrencySchema), required=True, metadata={
        "description": "Revenue credited in currencies other than the campaign's (not converted, not in ROI)."})
    influenced_pipeline = fields.Nested(InfluencedSchema, required=True)
