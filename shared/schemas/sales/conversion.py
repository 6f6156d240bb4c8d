"""Contracts of the sales service: lead conversion.

``POST /api/v1/leads/{id}/convert`` takes ``ConversionOptionsSchema``; the
leads service checks the lead, asks sales (``sales.convert_lead(lead,
options, actor)``, answering ``ConversionRecordSchema``), marks the lead
converted and answers ``ConversionResultSchema``.  Every step is idempotent:
converting a lead again answers the same ids.
"""

from datetime import date, timedelta

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema, text
from shared.schemas.leads import LeadSchema
from shared.schemas.sales.opportunities import AMOUNT_HELP, WARNINGS_HELP, Money, SaveWarningSchema, slug

# An opportunity made by a conversion is expected to close this many days after it.
DEFAULT_CLOSE_DAYS = 90


def default_close_date():
    return date.today() + timedelta(days=DEFAULT_CLOSE_DAYS)


class ConversionOpportunitySchema(TrimmedSchema):
    """The opportunity a conversion creates; every field has a default."""

    # Not the amount: a blank one is refused rather than read as none.
    trimmed = ("name", "currency", "pipeline_id", "stage", "expected_close_date")
    upper = ("currency",)

    name = fields.String(allow_none=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "Default: the account's name followed by \" - new business\"."})
    amount = Money(allow_none=True, metadata={"description": AMOUNT_HELP + " Default 0."})
    currency = fields.String(allow_none=True,
                             validate=validate.Regexp(r"^[A-Za-z]{3}$", error="Use a three-letter ISO 4217 code."),
                             metadata={"description": "ISO 4217; default: the reporting currency."})
    pipeline_id = slug(allow_none=True, metadata={"description": "Default: the default pipeline."})
    stage = slug(allow_none=True, metadata={"description": "Default: the pipeline's first open stage."})
    expected_close_date = fields.Date(load_default=default_close_date, metadata={
        "description": f"Default: today + {DEFAULT_CLOSE_DAYS} days."})


class ConversionOptionsSchema(TrimmedSchema):
    """How to convert a qualified lead.  All optional: ``{}`` converts into a
    new account (or the one dedup finds), a contact and an opportunity."""

    trimmed = ("owner",)
    # Opportunity details (even {}) only with an opportunity.
    json_schema_extra = {"not": {"required": ["create_opportunity", "opportunity"], "properties": {
        "create_opportunity": {"const": False}, "opportunity": {"type": "object"}}}}

    account_id = fields.UUID(allow_none=True, metadata={
        "description": "Convert into this existing (live) account; default: the account whose domain matches the "
                       "lead's email domain, or whose normalised name matches the lead's company in the same "
                       "country, else a new prospect account (named after the person when the lead has no "
                       "company)."})
    create_opportunity = fields.Boolean(load_default=True, metadata={"description": "Default true."})
    opportunity = fields.Nested(ConversionOpportunitySchema, allow_none=True,
                                metadata={"description": "Details of the opportunity (with create_opportunity)."})
    owner = text(100, metadata={"description": "Owner of what the conversion creates, the username of an active "
                                              "user; default: the user who converts."})

    @validates_schema
    def opportunity_only_when_created(self, data, **kwargs):
        if data.get("opportunity") and data.get("create_opportunity") is False:
            raise ValidationError("Opportunity details were given but create_opportunity is false; drop one.",
                                  "opportunity")

    @post_load
    def opportunity_defaults(self, data, **kwargs):
        if data["create_opportunity"]:
            data["opportunity"] = data.get("opportunity") or ConversionOpportunitySchema().load({})
        else:
            data["opportunity"] = None
        return data


class ConversionRecordSchema(StrictSchema):
    """What sales answers to ``convert_lead``: the lead's conversion record,
    the same on every call for the lead."""

    lead_id = fields.UUID(required=True)
    account_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    opportunity_id = fields.UUID(allow_none=True, metadata={"description": "null when none was asked for."})
    account_created = fields.Boolean(required=True, metadata={
        "description": "false when the conversion used an existing account (chosen or found by dedup)."})
    contact_created = fields.Boolean(required=True, metadata={
        "description": "false when a contact with the lead's email existed."})
    warnings = fields.List(fields.Nested(SaveWarningSchema), metadata={
        "description": "About the opportunity this call created; absent when there is nothing to say."})


class ConversionResultSchema(StrictSchema):
    """The answer of a lead conversion (the same when it is repeated, but for `warnings`)."""

    lead = fields.Nested(LeadSchema, required=True, metadata={"description": "The lead, now converted."})
    account_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    opportunity_id = fields.UUID(allow_none=True, metadata={"description": "null when none was asked for."})
    account_created = fields.Boolean(required=True, metadata={
        "description": "false when the conversion used an existing account (chosen or found by dedup)."})
    contact_created = fields.Boolean(required=True, metadata={
        "description": "false when a contact with the lead's email existed."})
    warnings = fields.List(fields.Nested(SaveWarningSchema), metadata={
        "description": WARNINGS_HELP + " Only the call that converts the lead says them; a repeated call does not."})
