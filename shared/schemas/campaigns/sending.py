"""Contracts of the campaigns service's sending area: email sends of a
campaign (a template to an audience, now or at a time), their progress and
recipients, bounces reported later, and the events ``campaign.email_sent``
and ``campaign.email_bounced``."""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import PageQuerySchema, StrictSchema, TrimmedSchema, filter_values, text
from shared.schemas.events import register_event

SEND_STATUSES = ("scheduled", "sending", "completed", "cancelled")
AUDIENCE_KINDS = ("segment", "list", "members")
RECIPIENT_STATUSES = ("queued", "sending", "sent", "suppressed", "bounced", "failed", "unknown", "cancelled")
RECIPIENT_HELP = (
    "queued: not decided yet; sending: handed to the SMTP server now; sent; suppressed: never mailed (`reason`: "
    "no_address, inactive, do_not_email, suppressed, no_consent, withdrawn, pending_confirmation, duplicate_address, "
    "frequency_cap, cancelled); bounced: refused for good (the address is suppressed); failed: retries used up or "
    "the template failed; unknown: its sender stopped in the middle, the server may have it (never sent again); "
    "cancelled: the send was cancelled first.")
MESSAGE_ID_MAX = 998


class AudienceSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(AUDIENCE_KINDS), metadata={
        "description": "segment (its members when the send starts), list (a static list), members (the campaign's "
                       "own members)."})
    id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The segment's or list's id; none for members."})

    @validates_schema
    def _id_matches_kind(self, data, **kwargs):
        if data.get("kind") == "members" and data.get("id") is not None:
            raise ValidationError("The campaign's members need no id.", "id")
        if data.get("kind") in ("segment", "list") and data.get("id") is None:
            raise ValidationError(f"Give the {data['kind']}'s id.", "id")


class SendCreateSchema(TrimmedSchema):
    template_id = fields.UUID(required=True, metadata={"description": "The email template to send."})
    audience = fields.Nested(AudienceSchema, required=True)
    scheduled_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When to start (default: now); the audience is read at that moment."})


SendCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in RECIPIENT_STATUSES}, name="SendCountsSchema")


class SendSchema(StrictSchema):
    id = fields.UUID(required=True)
    campaign_id = fields.UUID(required=True)
    template_id = fields.UUID(required=True)
    audience_kind = fields.String(required=True, validate=validate.OneOf(AUDIENCE_KINDS))
    audience_id = fields.UUID(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(SEND_STATUSES))
    scheduled_at = fields.AwareDateTime(required=True)
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    recipients = fields.Integer(required=True, metadata={"description": "People in the audience when it started."})
    template_version = fields.Integer(allow_none=True, metadata={
        "description": "The template's version its emails render: the one current when the send started."})
    created_by = fields.String(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    counts = fields.Nested(SendCountsSchema, metadata={"description": "Recipients per status (" + RECIPIENT_HELP + ")"})


class SendPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SendSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SendQuerySchema(PageQuerySchema):
    """A campaign's sends, newest first."""


class RecipientSchema(StrictSchema):
    id = fields.UUID(required=True)
    send_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True)
    email = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(RECIPIENT_STATUSES),
                           metadata={"description": RECIPIENT_HELP})
    reason = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    bounced_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class RecipientPageSchema(StrictSchema):
    items = fields.List(fields.Nested(RecipientSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class RecipientQuerySchema(PageQuerySchema):
    status = filter_values(fields.String(validate=validate.OneOf(RECIPIENT_STATUSES)), metadata={
        "description": "Only recipients in these statuses; may repeat or be comma-separated."})


class BounceSchema(TrimmedSchema):
    """A bounce (a delivery status notification) that arrived after the send."""

    message_id = fields.String(required=True, validate=[validate.Length(min=3, max=MESSAGE_ID_MAX),
                                                        validate.Regexp(r"^<?[^<>\s@]+@[^<>\s@]+>?$", error=(
                                                            "A Message-ID: <local@domain>."))],
                               metadata={"description": "The bounced email's Message-ID.",
                                         "example": "<170.123@crm.local>"})
    reason = text(2000, load_default=None, metadata={"description": "The diagnostic the DSN gave."})


class BounceResultSchema(StrictSchema):
    message_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("campaign", "transactional")))
    status = fields.String(required=True)
    changed = fields.Boolean(required=True, metadata={"description": "False when it was recorded before."})


class EmailSchema(StrictSchema):
    """One recipient's email as the events carry it (no address: the person's id names them)."""

    id = fields.UUID(required=True, metadata={"description": "The recipient's id."})
    send_id = fields.UUID(required=True)
    campaign_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True)
    message_id = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(RECIPIENT_STATUSES))
    reason = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)


class EmailSentSchema(StrictSchema):
    email = fields.Nested(EmailSchema, required=True)
    sent_at = fields.AwareDateTime(required=True)


class EmailBouncedSchema(StrictSchema):
    email = fields.Nested(EmailSchema, required=True)
    error = fields.String(required=True, metadata={"description": "What the server or the DSN said."})
    bounced_at = fields.AwareDateTime(required=True)


register_event("campaign.email_sent", EmailSentSchema, "campaigns",
               "A campaign's email was accepted by the SMTP server (once per recipient of a send).")
register_event("campaign.email_bounced", EmailBouncedSchema, "campaigns",
               "A campaign's email was refused for good (at once, or by a later bounce); the address is "
               "now suppressed.")
