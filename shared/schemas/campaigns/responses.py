"""Contracts of the campaigns service's responses area: what people did in
answer to a campaign (a web form, a click, an open, a reply, attendance at an
event), recorded once each, and the event ``campaign.response_recorded``
that leads turns into a lead (an unknown person) or an engagement (a known
lead)."""

import datetime

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.schemas.common import (
    JsonObject,
    PageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    country_code,
    email_address,
    filter_values,
    text,
)
from shared.schemas.events import register_event

KINDS = ("form", "click", "open", "reply", "attended")
SOURCES = ("staff", "tracking", "web_form", "import")
PERSON_KINDS = ("lead", "contact")
DEDUP_KEY_MAX = 200
# A tracking link's token: what it records, signed (itsdangerous, URL-safe).
TOKEN_PATTERN = r"^[A-Za-z0-9_.-]{1,3000}$"
# How far in the future a response's time may lie (clocks differ).
FUTURE_SLACK = datetime.timedelta(minutes=5)
KIND_HELP = ("form (a web form), click, open, reply, attended (at an event or webinar); staff usually record "
             "attended and reply, tracking links record click and open.")


class ResponseInputSchema(TrimmedSchema):
    """A response recorded by staff or an import: a person campaigns knows
    (``person_id``) or an address with a name (leads makes a lead of it)."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"description": KIND_HELP})
    person_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "A person of GET /api/v1/campaign-people; else give `email`."})
    email = email_address(load_default=None, allow_none=True, metadata={
        "description": "The address of someone campaigns may not know: a person with it is found, else leads "
                       "makes a lead of the response."})
    first_name = text(100, load_default=None)
    last_name = text(100, load_default=None)
    company = text(200, load_default=None)
    data = JsonObject(max_keys=50, load_default=dict, metadata={
        "description": "What the response carried (answers, the event's session, ...), a JSON object."})
    at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When it happened (default: now); not in the future."})
    dedup_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=DEDUP_KEY_MAX),
                              metadata={"description": "Makes recording it again a no-op (an import row's key, a "
                                              "registration id); default: the campaign, kind, person or address "
                                              "and data together."})

    @validates("at")
    def not_in_future(self, value, **kwargs):
        if value is not None and value > datetime.datetime.now(datetime.UTC) + FUTURE_SLACK:
            raise ValidationError("A response cannot lie in the future.")

    @validates_schema
    def names_someone(self, data, **kwargs):
        if not data.get("person_id") and not data.get("email"):
            raise ValidationError("Give the person (person_id) or their email address.", "email")


class WebFormResponseSchema(TrimmedSchema):
    """The public web form's submission that names a campaign (the gateway's
    form fields; the phone, title, country and message are kept as data)."""

    upper = ("country",)

    campaign_id = fields.UUID(required=True)
    first_name = text(100)
    last_name = text(100, required=True)
    email = email_address(required=True)
    phone = text(40)
    company = text(200)
    title = text(200)
    country = country_code(allow_none=True)
    message = text(2000)


class PersonRefSchema(StrictSchema):
    """A person of the campaigns projection and the record it stands for."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PERSON_KINDS))
    source_id = fields.UUID(required=True, metadata={"description": "The lead's (leads) or contact's (sales) id."})


class ResponseSchema(StrictSchema):
    id = fields.UUID(required=True)
    campaign_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    person = fields.Nested(PersonRefSchema, allow_none=True, required=True, metadata={
        "description": "The person campaigns knows, or null (see `email`)."})
    email = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    data = fields.Dict(required=True)
    at = fields.AwareDateTime(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    recorded_by = fields.String(allow_none=True)
    lead_id = fields.UUID(allow_none=True, metadata={"description": "The lead leads made of it, once it did."})
    created_at = fields.AwareDateTime(required=True)


class RecordedResponseSchema(ResponseSchema):
    duplicate = fields.Boolean(required=True, metadata={
        "description": "true when the same response (same dedup key) was recorded before: this is that one."})


class ResponseQuerySchema(PageQuerySchema):
    kind = filter_values(fields.String(validate=validate.OneOf(KINDS)), metadata={
        "description": "Only these kinds; may repeat."})


class ResponsePageSchema(StrictSchema):
    items = fields.List(fields.Nested(ResponseSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class TrackedSchema(StrictSchema):
    """What a tracking link recorded (``url``: where a click goes)."""

    campaign_id = fields.UUID(required=True)
    person_id = fields.UUID(required=True)
    url = fields.String(allow_none=True)


class ResponseRecordedEventSchema(StrictSchema):
    response = fields.Nested(ResponseSchema, required=True)


register_event("campaign.response_recorded", ResponseRecordedEventSchema, "campaigns",
               "Someone responded to a campaign (a web form, a click, an open, a reply, attendance); `person` is "
               "null for someone campaigns does not know (leads makes a lead of it), else the lead or contact. "
               "Recorded once per dedup key.")
