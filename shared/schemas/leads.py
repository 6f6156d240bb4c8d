"""Contracts of the leads service: RPC arguments and results, and events."""

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    JsonObject,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    VersionedSchema,
    WholeNumber,
    any_given,
    country_code,
    email_address,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.phones import PHONE_DESCRIPTION, check_phone, international

STATUSES = ("new", "working", "qualified", "disqualified", "converted")
SOURCES = ("web_form", "import", "campaign", "referral", "partner", "event", "manual", "other")
OPERATORS = ("eq", "in", "contains_any", "gte", "lte", "between", "present", "engagement")
ASSIGNMENT_KINDS = ("round_robin", "territory")


class LeadFieldsSchema(TrimmedSchema):
    """The fields a person or client app may set on a lead."""

    upper = ("country",)

    first_name = text(100)
    last_name = text(100)
    email = email_address(allow_none=True)
    phone = text(40, metadata={"description": PHONE_DESCRIPTION})
    company = text(200)
    title = text(200)
    industry = text(100)
    country = country_code(allow_none=True, metadata={
        "description": "ISO 3166-1 alpha-2 code, like GB (any letter case); the region of a national phone number."})
    company_size = WholeNumber(allow_none=True, validate=validate.Range(min=0, max=10_000_000),
                                  metadata={"description": "Number of employees."})
    source = fields.String(validate=validate.OneOf(SOURCES))
    campaign_id = text(64)
    notes = text(10_000)
    attributes = JsonObject(metadata={"description": "Custom attributes, a JSON object."})


IDENTIFYING = ("last_name", "first_name", "email", "phone", "company")


class LeadCreateSchema(LeadFieldsSchema):
    """A new lead: at least a name, an email, a phone or a company (not blank)."""

    json_schema_extra = any_given(*IDENTIFYING)

    owner = text(100, metadata={"description": "The username of an active user (GET /api/v1/users/directory); "
                                              "assignment rules choose one when omitted."})

    @validates_schema
    def identifies_someone(self, data, **kwargs):
        if not any(data.get(key) for key in IDENTIFYING):
            raise ValidationError("A lead needs at least a name, an email, a phone or a company.", "_schema")

    @validates_schema
    def readable_phone(self, data, **kwargs):
        check_phone(data)


class LeadUpdateSchema(LeadFieldsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_reason = text(500, metadata={"description": "Why, when disqualifying."})

    @validates_schema
    def readable_phone(self, data, **kwargs):
        """A national number without a country in the change is read with the
        lead's stored country, by the service."""
        if "country" in data or international(data.get("phone")):
            check_phone(data)


class WebFormLeadSchema(TrimmedSchema):
    """What the public web form may submit (no owner, no status, no notes).
    Text is trimmed, and a field left empty counts as not given."""

    upper = ("country",)

    first_name = text(100)
    last_name = text(100, required=True)
    email = email_address(required=True)
    phone = text(40, metadata={"description": PHONE_DESCRIPTION})
    company = text(200)
    title = text(200)
    country = country_code(allow_none=True)
    campaign_id = text(64)
    message = text(2000, metadata={"description": "Kept as the lead's notes."})

    @validates_schema
    def readable_phone(self, data, **kwargs):
        check_phone(data)


class LeadSchema(VersionedSchema):
    """A lead as returned by the API and carried in events."""

    id = fields.UUID(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={
        "description": "The number in E.164, like +442079460958 (leads saved before numbers were read keep the "
                       "text as it was given)."})
    phone_text = fields.String(allow_none=True, metadata={
        "description": "The phone as it was given, like \"020 7946 0958 ext. 12\"."})
    company = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    company_size = fields.Integer(allow_none=True)
    source = fields.String(required=True)
    campaign_id = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    attributes = fields.Dict(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_reason = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    score = fields.Integer(required=True)
    engagement = fields.Integer(required=True)
    merged_into = fields.UUID(allow_none=True)
    converted_account_id = fields.UUID(allow_none=True, metadata={
        "description": "The sales account the lead was converted into (once converted)."})
    converted_contact_id = fields.UUID(allow_none=True, metadata={
        "description": "The sales contact the lead became (once converted)."})
    converted_opportunity_id = fields.UUID(allow_none=True, metadata={
        "description": "The opportunity its conversion created, if one was asked for."})
    converted_at = fields.AwareDateTime(allow_none=True)
    do_not_email = fields.Boolean(load_default=False, metadata={
        "description": "The address withdrew its marketing-email consent (the campaigns service's ledger): "
                       "send it no marketing email. Cleared when it grants it again."})


LEAD_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "-score", "score", "name", "-name", "company",
              "-company")
LEAD_SORT_HELP = (
    "The order of the list: a field, ascending (A to Z, oldest, lowest first), or with a leading - descending. "
    "-created_at: newest first (the default); created_at: oldest first; -updated_at / updated_at: most / least "
    "recently changed first; -score / score: highest / lowest score first; name / -name: by last name, then first "
    "name; company / -company: by company. Names and companies sort ignoring letter case, and leads without one "
    "come last either way. The id breaks ties. A cursor continues the sort it came from (another sort refuses it)."
)


class LeadQuerySchema(SortedPageQuerySchema):
    status = filter_values(fields.String(validate=validate.OneOf(STATUSES)))
    owner = text(100, load_default=None, metadata={"description": "Only the leads of this owner (a username)."})
    source = filter_values(fields.String(validate=validate.OneOf(SOURCES)))
    score_min = WholeNumber(load_default=None, validate=validate.Range(min=0, max=100))
    score_max = WholeNumber(load_default=None, validate=validate.Range(min=0, max=100))
    created_from = fields.AwareDateTime(load_default=None)
    created_to = fields.AwareDateTime(load_default=None)
    q = text(200, load_default=None, metadata={"description": "Free text over name, email and company."})
    include_merged = fields.Boolean(load_default=False)
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(LEAD_SORTS),
                         metadata={"description": LEAD_SORT_HELP})


class LeadPageSchema(StrictSchema):
    items = fields.List(fields.Nested(LeadSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class LeadCountsSchema(StrictSchema):
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_source = fields.Dict(keys=fields.String(), values=fields.Integer())


class AssignSchema(StrictSchema):
    owner = fields.String(required=True, validate=validate.Length(min=1, max=100),
                          metadata={"description": "The username of an active user."})


class MergeSchema(StrictSchema):
    duplicate_id = fields.UUID(required=True, metadata={"description": "The lead merged into this one."})


class EngagementSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=50),
                         metadata={"description": "email_open, web_visit, call, meeting, ..."})


# What a scoring rule may look at: a lead's field, or one of its custom attributes (attributes.<key>).
SCORABLE_FIELDS = (
    "id", "first_name", "last_name", "email", "phone", "company", "title", "industry", "country", "company_size",
    "source", "campaign_id", "notes", "attributes", "status", "owner", "score", "engagement", "created_at",
    "updated_at", "merged_into",
)
RULE_ID = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NOT_BLANK = {"pattern": NOT_BLANK_PATTERN}
_SCALAR = {"type": ["string", "number", "boolean"]}
# The value each operator compares with ("present" takes none).
RULE_VALUES = {
    "eq": _SCALAR,
    "in": {"type": "array", "minItems": 1, "items": _SCALAR},
    "contains_any": {"type": "array", "minItems": 1, "items": {"type": "string", **NOT_BLANK}},
    "gte": {"type": "number"},
    "lte": {"type": "number"},
    "between": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"},
                "description": "[lo, hi] with lo <= hi."},
    "engagement": {"type": "integer", "minimum": 0, "maximum": 100},
}


def _when(key, value, then):
    return {"if": {"required": [key], "properties": {key: {"const": value}}}, "then": then}


class ScoringRuleSchema(StrictSchema):
    """A scoring rule: ``points`` when the lead's ``field`` meets ``operator``
    and ``value``. Rule ids are unique within the rules."""

    json_schema_extra = {"allOf": [_when("operator", operator, {"required": ["value"], "properties": {"value": rule}})
                                   for operator, rule in RULE_VALUES.items()]}

    id = fields.String(required=True, validate=RULE_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=NOT_BLANK)
    field = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "A lead field, or attributes.<key> for a custom attribute.",
        "anyOf": [{"enum": list(SCORABLE_FIELDS)}, {"pattern": r"^attributes\..+"}]})
    operator = fields.String(required=True, validate=validate.OneOf(OPERATORS))
    value = fields.Raw(allow_none=True, load_default=None, metadata={
        "description": "eq: a string, number or boolean; in: a non-empty list of them; contains_any: non-empty "
                       "keywords; gte, lte: a number; between: [lo, hi], lo <= hi; engagement: the maximum "
                       "points, 0..100; present: none."})
    points = WholeNumber(required=True, validate=validate.Range(min=-100, max=100))
    enabled = fields.Boolean(load_default=True)

    @post_load
    def whole_engagement(self, data, **kwargs):
        """engagement's value is an integer as JSON Schema means it: 25.0 is 25."""
        value = data.get("value")
        if data.get("operator") == "engagement" and isinstance(value, float) and value.is_integer():
            data["value"] = int(value)
        return data


class ScoringRulesSchema(StrictSchema):
    rules = fields.List(fields.Nested(ScoringRuleSchema), required=True, validate=validate.Length(max=500))


class RulesChangeSchema(StrictSchema):
    """Who changed a set of rules last, and when (both null until someone does)."""

    changed_by = fields.String(allow_none=True, required=True)
    changed_at = fields.AwareDateTime(allow_none=True, required=True)


class ScoringRulesStateSchema(ScoringRulesSchema, RulesChangeSchema):
    """The scoring rules in force (an answer; a PUT sends ScoringRulesSchema)."""


class RulesVersionSchema(StrictSchema):
    """One change of a set of rules: the version it made, who made it and when."""

    version = WholeNumber(required=True)
    changed_by = fields.String(allow_none=True, required=True)
    changed_at = fields.AwareDateTime(required=True)


class ScoringRulesChangeSchema(ScoringRulesSchema, RulesVersionSchema):
    """The scoring rules as one change saved them."""


class ScoringRulesChangesPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ScoringRulesChangeSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class AssignmentRuleSchema(StrictSchema):
    """An assignment rule. Rule ids are unique within the rules; a territory
    rule names at least one country, industry or source."""

    json_schema_extra = _when("kind", "territory", {"anyOf": [
        {"required": [key], "properties": {key: {"minItems": 1}}} for key in ("countries", "industries", "sources")]})

    id = fields.String(required=True, validate=RULE_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=NOT_BLANK)
    priority = WholeNumber(load_default=100, validate=validate.Range(min=0, max=10_000))
    kind = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_KINDS))
    countries = fields.List(country_code(), load_default=list)
    industries = fields.List(fields.String(validate=validate.Length(max=100), metadata=NOT_BLANK), load_default=list)
    sources = fields.List(fields.String(validate=validate.OneOf(SOURCES)), load_default=list)
    owners = fields.List(fields.String(validate=validate.Length(min=1, max=100), metadata=NOT_BLANK), required=True,
                         validate=validate.Length(min=1, max=500),
                         metadata={"description": "Usernames of active users, dealt leads in turn."})
    enabled = fields.Boolean(load_default=True)


class AssignmentRulesSchema(StrictSchema):
    rules = fields.List(fields.Nested(AssignmentRuleSchema), required=True, validate=validate.Length(max=500))


class AssignmentRulesStateSchema(AssignmentRulesSchema, RulesChangeSchema):
    """The assignment rules in force (an answer; a PUT sends AssignmentRulesSchema)."""


class AssignmentRulesChangeSchema(AssignmentRulesSchema, RulesVersionSchema):
    """The assignment rules as one change saved them."""


class AssignmentRulesChangesPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AssignmentRulesChangeSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class ImportJobSchema(StrictSchema):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("receiving", "abandoned", "processing", "done", "failed")), metadata={
        "description": "abandoned: the upload broke off; sending the same request again with the same "
                       "Idempotency-Key resumes it (see error)."})
    filename = fields.String(allow_none=True)
    rows_received = fields.Integer(required=True)
    rows_done = fields.Integer(required=True, metadata={"description": "Rows processed (created or failed)."})
    rows_created = fields.Integer(required=True)
    rows_failed = fields.Integer(required=True)
    rows_per_second = fields.Float(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    error = fields.String(allow_none=True)


class ImportRowErrorSchema(StrictSchema):
    row = fields.Integer(required=True, metadata={"description": "1-based data row number (header excluded)."})
    errors = fields.Dict(required=True)
    duplicate_of = fields.UUID(allow_none=True)


class ImportErrorPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ImportRowErrorSchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Rule previews: what a rule set would do to some leads, nothing stored ---------

MAX_PREVIEW_LEADS = 20
PREVIEW_LEADS_HELP = (f"Up to {MAX_PREVIEW_LEADS} leads to try the rules on (each must exist: 422 on lead_ids "
                      "otherwise). Default: the 5 most recently created leads (merged ones left out).")


def _preview_lead_ids():
    return fields.List(fields.UUID(), load_default=None, validate=validate.Length(max=MAX_PREVIEW_LEADS),
                       metadata={"description": PREVIEW_LEADS_HELP})


class ScoringPreviewRequestSchema(ScoringRulesSchema):
    """A scoring rule set (as a PUT of the rules sends it) and the leads to try it on."""

    lead_ids = _preview_lead_ids()


class AssignmentPreviewRequestSchema(AssignmentRulesSchema):
    """An assignment rule set (as a PUT of the rules sends it) and the leads to try it on."""

    lead_ids = _preview_lead_ids()


class PreviewLeadSchema(StrictSchema):
    """Which lead an item of a preview is about."""

    lead_id = fields.UUID(required=True)
    name = fields.String(allow_none=True, required=True, metadata={"description": "First and last name."})
    company = fields.String(allow_none=True, required=True)
    email = fields.String(allow_none=True, required=True)


class CurrentScoreSchema(StrictSchema):
    score = fields.Integer(required=True, metadata={"description": "The lead's score now."})


class RuleContributionSchema(StrictSchema):
    rule_id = fields.String(required=True)
    name = fields.String(required=True)
    points = fields.Integer(required=True, metadata={"description": "What the rule adds (negative: a penalty)."})


class PreviewScoreSchema(StrictSchema):
    score = fields.Integer(required=True, metadata={"description": "The score these rules would give, 0..100."})
    rules = fields.List(fields.Nested(RuleContributionSchema), required=True, metadata={
        "description": "The rules that match, in rule order; their points summed and clamped to 0..100 are the "
                       "score."})


class ScoringPreviewItemSchema(PreviewLeadSchema):
    current = fields.Nested(CurrentScoreSchema, required=True)
    preview = fields.Nested(PreviewScoreSchema, required=True)


class ScoringPreviewSchema(StrictSchema):
    items = fields.List(fields.Nested(ScoringPreviewItemSchema), required=True, metadata={
        "description": "One per lead, in the order of lead_ids (default: newest first)."})


class CurrentOwnerSchema(StrictSchema):
    owner = fields.String(allow_none=True, required=True, metadata={"description": "The lead's owner now."})


class PreviewOwnerSchema(StrictSchema):
    owner = fields.String(allow_none=True, required=True, metadata={
        "description": "The owner these rules would give the lead as a new lead without an owner; null when "
                       "no rule matches."})
    rule_id = fields.String(allow_none=True, required=True, metadata={"description": "The rule that matches."})
    rule_name = fields.String(allow_none=True, required=True)


class AssignmentPreviewItemSchema(PreviewLeadSchema):
    current = fields.Nested(CurrentOwnerSchema, required=True)
    preview = fields.Nested(PreviewOwnerSchema, required=True)


class AssignmentPreviewSchema(StrictSchema):
    items = fields.List(fields.Nested(AssignmentPreviewItemSchema), required=True, metadata={
        "description": "One per lead, in the order of lead_ids (default: newest first)."})


# Events -------------------------------------------------------------------

class LeadEventSchema(StrictSchema):
    lead = fields.Nested(LeadSchema, required=True)


class LeadUpdatedEventSchema(LeadEventSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "Names of the changed fields."})


class LeadAssignedEventSchema(LeadEventSchema):
    previous_owner = fields.String(allow_none=True)


class LeadStatusEventSchema(LeadEventSchema):
    previous_status = fields.String(required=True)


class LeadMergedEventSchema(LeadEventSchema):
    merged_id = fields.UUID(required=True, metadata={"description": "The lead that was merged into `lead`."})
    filled = fields.List(fields.String(), required=True, metadata={"description": "Fields taken from the merged lead."})


class LeadConvertedEventSchema(LeadEventSchema):
    account_id = fields.UUID(required=True, metadata={"description": "The account (customer id) it became."})
    contact_id = fields.UUID(required=True, metadata={"description": "The contact it became."})
    opportunity_id = fields.UUID(allow_none=True, metadata={"description": "The opportunity created, if any."})


register_event("lead.created", LeadEventSchema, "leads", "A lead was captured (form, API or import).")
register_event("lead.updated", LeadUpdatedEventSchema, "leads", "A lead's fields, status or score changed.")
register_event("lead.assigned", LeadAssignedEventSchema, "leads", "A lead was given to a different owner.")
register_event("lead.qualified", LeadStatusEventSchema, "leads", "A lead became qualified.")
register_event("lead.disqualified", LeadStatusEventSchema, "leads", "A lead was disqualified (see status_reason).")
register_event("lead.merged", LeadMergedEventSchema, "leads", "A duplicate lead was merged into this one.")
register_event("lead.converted", LeadConvertedEventSchema, "leads",
               "A qualified lead was converted into a sales account, contact and (optionally) opportunity.")
