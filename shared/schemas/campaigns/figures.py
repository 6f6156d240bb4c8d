"""Contracts of the campaigns service's figures area: a campaign's funnel
and the dashboard of campaigns by attributed revenue."""

from marshmallow import fields, validate

from shared.schemas.campaigns.attribution import MODEL_HELP, MODELS, money
from shared.schemas.common import StrictSchema, WholeNumber

STAGES = ("targeted", "sent", "opened", "clicked", "responded", "converted")
FUNNEL_HELP = ("targeted: the campaign's members; sent: emailed; opened (a click counts as an open); clicked; "
               "responded: a form, a reply or attendance; converted: the response became a lead, or the person's "
               "account got an opportunity the campaign influenced.")


class FunnelStageSchema(StrictSchema):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    count = fields.Integer(required=True)
    rate = fields.String(required=True, allow_none=True, metadata={
        "description": "count / targeted as a decimal string (0.125 is 12.5 %); null with no members."})


class CampaignFunnelSchema(StrictSchema):
    campaign_id = fields.UUID(required=True)
    stages = fields.List(fields.Nested(FunnelStageSchema), required=True, metadata={"description": FUNNEL_HELP})
    responses = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Responses recorded per kind."})


class FiguresQuerySchema(StrictSchema):
    model = fields.String(load_default="linear", validate=validate.OneOf(MODELS), metadata={
        "description": MODEL_HELP})
    limit = WholeNumber(load_default=10, validate=validate.Range(min=1, max=100))


class TopCampaignSchema(StrictSchema):
    campaign_id = fields.UUID(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    currency = fields.String(required=True)
    attributed_revenue = money(required=True)
    cost = money(required=True)
    roi = fields.String(required=True, allow_none=True)
    responses = fields.Integer(required=True)


class CampaignFiguresSchema(StrictSchema):
    model = fields.String(required=True, validate=validate.OneOf(MODELS))
    top_campaigns = fields.List(fields.Nested(TopCampaignSchema), required=True, metadata={
        "description": "By attributed revenue under `model` (in each campaign's own currency), highest first."})
    campaigns_by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    responses_last_30_days = fields.Integer(required=True)
