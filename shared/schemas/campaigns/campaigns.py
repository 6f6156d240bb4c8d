"""Contracts of the campaigns service's campaigns area: campaigns (their
record, status moves, parent campaign), their cost entries and members, and
the events ``campaign.created``, ``campaign.launched``, ``campaign.completed``
and ``campaign.member_added``.

Money travels as decimal strings in the campaign's currency; the service
rounds what it is given (half up) to the currency's minor unit
(``"1250.00"`` in EUR, ``"1250"`` in JPY, ``"1.250"`` in KWD)."""

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    VersionedSchema,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.orders.common import Currency, DecimalText, MoneyText

CAMPAIGN_TYPES = ("email", "event", "webinar", "direct_mail", "telemarketing", "social", "advertising", "partner")
CAMPAIGN_STATUSES = ("planned", "active", "completed", "aborted")
# The end of a campaign: completed after running, or aborted (before or while running).
FINAL_STATUSES = ("completed", "aborted")
CAMPAIGN_SORTS = ("-created_at", "created_at", "name", "-name", "starts_on", "-starts_on")
COST_CATEGORIES = ("media", "production", "venue", "agency", "tools", "staff", "travel", "other")
MEMBER_SOURCES = ("manual", "segment", "list", "response", "import")
FUNNEL_STAGES = ("targeted", "sent", "opened", "clicked", "responded", "converted")
MEMBER_SORTS = ("-added_at", "added_at")
NAME_MAX = 200
DESCRIPTION_MAX = 4000
OWNER_MAX = 100
NOTE_MAX = 1000
QUERY_MAX = 200
# One request adds at most this many people by id (a segment or list adds all its members).
PERSON_IDS_MAX = 1000
# The largest amount: 14 digits before the point, so that rounding never carries past the column's 15.
MAX_MONEY = Decimal("99999999999999")
MONEY_HELP = "Rounded (half up) to the minor unit of the campaign's currency."


def _not_blank(max_length, **kwargs):
    metadata = {"pattern": NOT_BLANK_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=validate.Length(min=1, max=max_length), metadata=metadata, **kwargs)


def _money(**kwargs):
    metadata = {"description": MONEY_HELP, **kwargs.pop("metadata", {})}
    return DecimalText(places=6, maximum=MAX_MONEY, example="12500.00", metadata=metadata, **kwargs)


def _type_field(**kwargs):
    return fields.String(validate=validate.OneOf(CAMPAIGN_TYPES), **kwargs)


class _DatesInOrder:
    """``ends_on`` is not before ``starts_on`` when both are given (an update
    is checked against the stored dates by the service)."""

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError("A campaign cannot end before it starts.", "ends_on")


# Campaigns ----------------------------------------------------------------------

class CampaignCreateSchema(_DatesInOrder, TrimmedSchema):
    upper = ("currency",)

    name = _not_blank(NAME_MAX, required=True, metadata={"example": "Spring webinar series"})
    type = _type_field(required=True)
    description = text(DESCRIPTION_MAX, load_default=None)
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Not before starts_on."})
    owner = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=OWNER_MAX),
                          metadata={"description": "The username of an active user of the suite."})
    currency = Currency(load_default="EUR", metadata={"description": "Of the budget, expected revenue and costs."})
    budget = _money(load_default=None, allow_none=True)
    expected_revenue = _money(load_default=None, allow_none=True)
    parent_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The campaign this one is part of (a campaign cannot be its own ancestor)."})


class CampaignUpdateSchema(_DatesInOrder, TrimmedSchema):
    """The fields to change; status moves have routes of their own. The
    currency cannot change once costs are recorded."""

    upper = ("currency",)
    json_schema_extra = {"minProperties": 1}

    name = _not_blank(NAME_MAX)
    type = _type_field()
    description = text(DESCRIPTION_MAX)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(min=1, max=OWNER_MAX))
    currency = Currency()
    budget = _money(allow_none=True)
    expected_revenue = _money(allow_none=True)
    parent_id = fields.UUID(allow_none=True)


class FunnelSchema(StrictSchema):
    """How many members reached each stage (a member counts at every stage it reached)."""

    targeted = fields.Integer(required=True, metadata={"description": "All members."})
    sent = fields.Integer(required=True)
    opened = fields.Integer(required=True)
    clicked = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    converted = fields.Integer(required=True)


class CampaignSummarySchema(VersionedSchema):
    """A campaign as lists and events show it."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_STATUSES))
    description = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True)
    currency = fields.String(required=True, metadata={"example": "EUR"})
    budget = MoneyText(allow_none=True)
    expected_revenue = MoneyText(allow_none=True)
    parent_id = fields.UUID(allow_none=True)
    launched_at = fields.AwareDateTime(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When it completed or was aborted."})
    created_by = fields.String(allow_none=True)


class CampaignSchema(CampaignSummarySchema):
    """A campaign with its cost total, funnel and what can be done now."""

    cost_total = MoneyText(required=True, metadata={"description": "The sum of its cost entries."})
    funnel = fields.Nested(FunnelSchema, required=True)
    parent_name = fields.String(allow_none=True)
    children = fields.Integer(required=True, metadata={"description": "Campaigns whose parent this one is."})
    actions = fields.List(fields.String(validate=validate.OneOf(("launch", "complete", "abort"))), required=True,
                          metadata={"description": "The status moves possible now."})


class CampaignPageSchema(StrictSchema):
    items = fields.List(fields.Nested(CampaignSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True)


class CampaignQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ("q", "owner")

    status = filter_values(fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES)),
                           metadata={"description": "May repeat."})
    type = filter_values(fields.String(validate=validate.OneOf(CAMPAIGN_TYPES)),
                         metadata={"description": "May repeat."})
    owner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=OWNER_MAX))
    parent_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "Its sub-campaigns."})
    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=QUERY_MAX),
                      metadata={"description": "Words of the name (every word must match)."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(CAMPAIGN_SORTS), metadata={
        "description": "-created_at (default: newest first) / created_at; name / -name; starts_on / -starts_on "
                       "(campaigns without a start date last). The id breaks ties."})


# Costs --------------------------------------------------------------------------

class CostCreateSchema(TrimmedSchema):
    incurred_on = fields.Date(required=True, metadata={"description": "The day the cost was incurred."})
    amount = _money(required=True, metadata={"description": f"In the campaign's currency. {MONEY_HELP}"})
    category = fields.String(required=True, validate=validate.OneOf(COST_CATEGORIES))
    note = text(NOTE_MAX, load_default=None)


class CostSchema(StrictSchema):
    id = fields.UUID(required=True)
    campaign_id = fields.UUID(required=True)
    incurred_on = fields.Date(required=True)
    amount = MoneyText(required=True)
    currency = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(COST_CATEGORIES))
    note = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class CostListSchema(StrictSchema):
    items = fields.List(fields.Nested(CostSchema), required=True, metadata={"description": "Oldest first."})
    total = MoneyText(required=True)
    currency = fields.String(required=True)


# Members ------------------------------------------------------------------------

class MembersAddSchema(StrictSchema):
    """Exactly one of: people by id, a segment's current members, a static list's members."""

    person_ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=PERSON_IDS_MAX),
                             metadata={"description": f"At most {PERSON_IDS_MAX} people of the campaigns "
                                                      "service (GET /campaigns/people)."})
    segment_id = fields.UUID(metadata={"description": "Adds the segment's members at this moment."})
    list_id = fields.UUID(metadata={"description": "Adds the static list's members."})

    json_schema_extra = {"oneOf": [{"required": ["person_ids"]}, {"required": ["segment_id"]},
                                   {"required": ["list_id"]}]}

    @validates_schema
    def exactly_one(self, data, **kwargs):
        given = [name for name in ("person_ids", "segment_id", "list_id") if data.get(name) is not None]
        if len(given) != 1:
            raise ValidationError("Give exactly one of person_ids, segment_id or list_id.", "_schema")


class MembersAddedSchema(StrictSchema):
    added = fields.Integer(required=True, metadata={"description": "People who were not members before."})
    already = fields.Integer(required=True, metadata={"description": "People who were members already."})
    members = fields.Integer(required=True, metadata={"description": "The campaign's members now."})


class MemberSchema(StrictSchema):
    person_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("contact", "lead")))
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "How the member was added."})
    stage = fields.String(required=True, validate=validate.OneOf(FUNNEL_STAGES),
                          metadata={"description": "The furthest funnel stage reached."})
    added_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    opened_at = fields.AwareDateTime(allow_none=True)
    clicked_at = fields.AwareDateTime(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)
    converted_at = fields.AwareDateTime(allow_none=True)


class MemberPageSchema(StrictSchema):
    items = fields.List(fields.Nested(MemberSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class MemberQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    stage = filter_values(fields.String(validate=validate.OneOf(FUNNEL_STAGES)), metadata={
        "description": "Members whose furthest stage is this one; may repeat."})
    sort = fields.String(load_default="-added_at", validate=validate.OneOf(MEMBER_SORTS), metadata={
        "description": "-added_at (default: newest first) / added_at. The person id breaks ties."})


# Events -------------------------------------------------------------------------

class CampaignEventSchema(StrictSchema):
    campaign = fields.Nested(CampaignSummarySchema, required=True)


class CampaignCompletedEventSchema(CampaignEventSchema):
    status = fields.String(required=True, validate=validate.OneOf(FINAL_STATUSES),
                           metadata={"description": "completed, or aborted."})


class MemberPersonSchema(StrictSchema):
    id = fields.UUID(required=True, metadata={"description": "The person's id in the campaigns service."})
    kind = fields.String(required=True, validate=validate.OneOf(("contact", "lead")))
    source_id = fields.UUID(required=True, metadata={"description": "The contact's id in sales, or the lead's "
                                                                    "in leads."})


class MemberCampaignSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True)


class MemberAddedEventSchema(StrictSchema):
    campaign = fields.Nested(MemberCampaignSchema, required=True)
    person = fields.Nested(MemberPersonSchema, required=True)
    source = fields.String(required=True, metadata={"description": "manual, segment, list, response, import."})
    added_at = fields.AwareDateTime(required=True)


register_event("campaign.created", CampaignEventSchema, "campaigns", "A campaign was created (planned).")
register_event("campaign.launched", CampaignEventSchema, "campaigns", "A planned campaign was launched (active).")
register_event("campaign.completed", CampaignCompletedEventSchema, "campaigns",
               "A campaign ended: completed after running, or aborted (`status` says which).")
register_event("campaign.member_added", MemberAddedEventSchema, "campaigns",
               "A person became a member of a campaign (once per person and campaign).")
