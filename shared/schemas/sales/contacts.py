"""Contracts of the sales service: contacts (people at accounts).

A contact's first email is its primary one; the normalised primary email is
unique, so a person is one contact.
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    BLANK_PATTERN,
    AuthoredSchema,
    JsonObject,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    any_given,
    email_address,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.phones import PHONE_EXAMPLE

ROLES = ("decision_maker", "evaluator", "influencer", "user")
MAX_EMAILS = 10
MAX_PHONES = 10


class ContactFieldsSchema(TrimmedSchema):
    """The fields a person or client app may set on a contact."""

    trimmed_items = ("emails", "phones")

    first_name = text(100)
    last_name = text(100)
    title = text(200)
    emails = fields.List(email_address(), validate=validate.Length(max=MAX_EMAILS),
                         metadata={"description": "The first one is the primary email (unique among contacts)."})
    phones = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                         validate=validate.Length(max=MAX_PHONES), metadata={
                             "description": f"Phone numbers: each with its country code ({PHONE_EXAMPLE}), or "
                                            "national when the contact's account has a country. Stored in E.164 "
                                            "(+442079460958); the texts as given are kept too. Text that reads as "
                                            "no possible number is refused (422, naming the item)."})
    role = fields.String(allow_none=True, validate=validate.OneOf(ROLES),
                         metadata={"description": "Role at the account."})
    do_not_call = fields.Boolean()
    do_not_email = fields.Boolean()
    account_id = fields.UUID(allow_none=True)
    owner = text(100, metadata={"description": "The username of an active user (GET /api/v1/users/directory)."})
    attributes = JsonObject(metadata={"description": "Custom attributes, a JSON object."})


class ContactCreateSchema(ContactFieldsSchema):
    """A new contact: a first or a last name (not blank)."""

    json_schema_extra = any_given("first_name", "last_name")

    @validates_schema
    def has_a_name(self, data, **kwargs):
        if not (data.get("first_name") or data.get("last_name")):
            raise ValidationError("A contact needs a first or a last name.", "last_name")


NO_NAME = {"anyOf": [{"type": "null"}, {"type": "string", "pattern": BLANK_PATTERN}]}


class ContactUpdateSchema(ContactFieldsSchema):
    """PATCH: only the given keys change; ``null`` clears an optional field
    (a contact keeps at least one of its names: clearing the only one left is
    refused with 422)."""

    json_schema_extra = {"not": {"required": ["first_name", "last_name"],
                                 "properties": {"first_name": NO_NAME, "last_name": NO_NAME}}}


class ContactSchema(AuthoredSchema):
    """A contact as returned by the API and carried in events."""

    id = fields.UUID(required=True)
    account_id = fields.UUID(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    emails = fields.List(fields.String(), required=True)
    phones = fields.List(fields.String(), required=True, metadata={
        "description": "In E.164, like +442079460958 (contacts saved before numbers were read keep the texts "
                       "as they were given)."})
    phones_text = fields.List(fields.String(), metadata={
        "description": "The phones as they were given, in the order of `phones`."})
    role = fields.String(allow_none=True)
    do_not_call = fields.Boolean(required=True)
    do_not_email = fields.Boolean(required=True)
    owner = fields.String(allow_none=True)
    attributes = fields.Dict(required=True)


CONTACT_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "name", "-name")
CONTACT_SORT_HELP = (
    "The order of the list: a field, ascending (A to Z, oldest first), or with a leading - descending. "
    "-created_at: newest first (the default); created_at: oldest first; -updated_at / updated_at: most / least "
    "recently changed first; name / -name: by last name, then first name, ignoring letter case. The id breaks "
    "ties. A cursor continues the sort it came from (another sort refuses it)."
)


class ContactQuerySchema(SortedPageQuerySchema):
    q = text(200, load_default=None, metadata={"description": "Free text (trigram) over names and primary email."})
    account_id = fields.UUID(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ROLES))
    owner = text(100, load_default=None)
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254),
                          metadata={"description": "Any of the contact's emails (case-insensitive)."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(CONTACT_SORTS),
                         metadata={"description": CONTACT_SORT_HELP})


class ContactPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ContactSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Events -------------------------------------------------------------------

class ContactEventSchema(StrictSchema):
    contact = fields.Nested(ContactSchema, required=True)


class ContactUpdatedEventSchema(ContactEventSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "Names of the changed fields."})


register_event("contact.created", ContactEventSchema, "sales", "A contact was created.")
register_event("contact.updated", ContactUpdatedEventSchema, "sales",
               "A contact's fields changed (also its account, when an account merge moved it).")
