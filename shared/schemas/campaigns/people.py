"""Contracts of the campaigns service's people area: the people marketing can
reach (a projection of sales' contacts and leads' leads, with the signals of
their accounts from sales, orders and support), the catalogue of fields
segments select on, and the first-start catch-up's state.  The area
publishes no events of its own."""

from marshmallow import fields, validate

from shared.schemas.common import SortedPageQuerySchema, StrictSchema, TrimmedSchema, country_code, text
from shared.schemas.leads import STATUSES as LEAD_STATUSES

PERSON_KINDS = ("contact", "lead")
PEOPLE_SORTS = ("-created_at", "created_at")
FIELD_TYPES = ("text", "number", "date", "timestamp", "boolean", "choice")


class PeopleQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    upper = ("country",)

    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PERSON_KINDS),
                         metadata={"description": "contact (sales' contacts) or lead (leads' leads)."})
    q = text(200, load_default=None, metadata={
        "description": "Free text: every word must be in the first name, last name or email address."})
    account_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "People of this account."})
    country = country_code(load_default=None, allow_none=True, metadata={
        "description": "ISO 3166-1 alpha-2 code, like GB (any letter case): a lead's country, a contact's "
                       "account's country."})
    lead_status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEAD_STATUSES))
    include_inactive = fields.Boolean(load_default=False, metadata={
        "description": "Also converted and merged leads (inactive: never targeted)."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(PEOPLE_SORTS), metadata={
        "description": "-created_at: newest first (the default); created_at: oldest first. The id breaks ties."})


class AccountSignalsSchema(StrictSchema):
    """A person's account as campaigns knows it, with what other services say of it."""

    id = fields.UUID(required=True)
    name = fields.String(required=True, metadata={"description": "Empty until sales' account record arrived."})
    type = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    merged_into = fields.UUID(allow_none=True)
    open_opportunities = fields.Integer(required=True)
    open_pipeline = fields.Decimal(required=True, as_string=True, places=2, metadata={
        "description": "Sum of the open opportunities' amounts in sales' reporting currency (at today's rates;"
                       " amounts in a currency without a rate are left out)."})
    last_order_at = fields.AwareDateTime(allow_none=True)
    lifetime_revenue = fields.Decimal(required=True, as_string=True, places=2, metadata={
        "description": "Net of issued invoices less credit notes in sales' reporting currency (each at the rate"
                       " of its issue date; amounts in a currency without a rate are left out)."})
    open_cases = fields.Integer(required=True)
    last_csat = fields.Integer(allow_none=True, metadata={"description": "The latest satisfaction answer (1-5)."})


class PersonSchema(StrictSchema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PERSON_KINDS))
    source_id = fields.UUID(required=True, metadata={
        "description": "The contact's id at sales or the lead's at leads."})
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    company = fields.String(allow_none=True, metadata={"description": "A lead's company; a contact's account name."})
    title = fields.String(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    country = fields.String(allow_none=True)
    lead_score = fields.Integer(allow_none=True)
    lead_status = fields.String(allow_none=True)
    lead_source = fields.String(allow_none=True)
    do_not_email = fields.Boolean(required=True)
    active = fields.Boolean(required=True, metadata={"description": "False for converted and merged leads."})
    merged_into = fields.UUID(allow_none=True, metadata={"description": "The lead a merged lead went into."})
    source_version = fields.Integer(required=True, metadata={"description": "The record's version at its owner."})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class PersonDetailSchema(PersonSchema):
    account = fields.Nested(AccountSignalsSchema, allow_none=True, required=True)


class PeoplePageSchema(StrictSchema):
    items = fields.List(fields.Nested(PersonSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class PeopleFieldSchema(StrictSchema):
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = fields.String(required=True)
    operators = fields.List(fields.String(), required=True)
    values = fields.List(fields.String(), required=True, metadata={"description": "A choice field's values."})


class PeopleFieldsSchema(StrictSchema):
    items = fields.List(fields.Nested(PeopleFieldSchema), required=True)


class PeopleSyncKindSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("accounts", "contacts", "leads")))
    pages = fields.Integer(required=True)
    items = fields.Integer(required=True, metadata={"description": "Records read so far."})
    started_at = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When the catch-up finished."})


class PeopleSyncStateSchema(StrictSchema):
    items = fields.List(fields.Nested(PeopleSyncKindSchema), required=True)
