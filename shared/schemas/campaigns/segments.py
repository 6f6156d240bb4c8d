"""Contracts of the campaigns service's segments area: dynamic segments (a
rule tree over the people marketing can reach, kept current as people
change, with a history of who joined and left), static lists and the
suppression list."""

from marshmallow import ValidationError, fields, validate

from shared.schemas.common import (
    PageQuerySchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    email_address,
    filter_values,
    text,
)

SEGMENT_SORTS = ("name", "-name", "created_at", "-created_at")
SUPPRESSION_REASONS = ("hard_bounce", "complaint", "manual", "import", "unsubscribe")
MANUAL_REASONS = ("manual", "complaint")
HISTORY_CHANGES = ("joined", "left")
NAME_MAX = 200
DESCRIPTION_MAX = 2000
MAX_PEOPLE = 1000
MAX_IMPORT_ROWS = 5000
RULE_HELP = (
    "A rule tree. A node is one of: `{\"all\": [node, ...]}` (every one holds; empty: everybody), "
    "`{\"any\": [node, ...]}` (at least one; empty: nobody), `{\"not\": node}`, "
    "`{\"field\": name, \"op\": operator, \"value\": ...}` over a field of GET /api/v1/campaigns/people/fields "
    "(which lists each field's operators and choices), or `{\"segment\": id}` (a member of another segment; "
    "segments may not contain each other). Operators: eq, ne, in, not_in (a list), contains, starts_with (text), "
    "gt, gte, lt, lte, between ([low, high]), is_empty, is_not_empty (no value), within_last_days and "
    "more_than_days_ago (a whole number of days; such segments are re-evaluated hourly). Text compares "
    "without letter case; an empty field matches only is_empty, so ne / not_in / not match it. At most 200 "
    "nodes, 12 levels. A rule that cannot be used is a 422 whose `errors` name the node's path "
    "(`rule.all.1.value`) and say how to fix it.")


RULE_EXAMPLE = {"all": [{"field": "country", "op": "in", "value": ["DE", "AT"]},
                        {"field": "lead_score", "op": "gte", "value": 50}]}


class RuleField(fields.Dict):
    """The rule tree: a JSON object, checked by the service (which knows the fields)."""

    def __init__(self, **kwargs):
        metadata = {"description": RULE_HELP, "maxProperties": 3, "example": RULE_EXAMPLE,
                    **kwargs.pop("metadata", {})}
        super().__init__(keys=fields.String(), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > 3:
            raise ValidationError("A rule node is an object of at most 3 keys.")
        return result


class SegmentCreateSchema(TrimmedSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    description = text(DESCRIPTION_MAX, load_default=None)
    rule = RuleField(required=True)
    active = fields.Boolean(load_default=True, metadata={
        "description": "Kept current as people change (default). Switched off, its last members stay as they are."})


class SegmentUpdateSchema(TrimmedSchema):
    keep_blank = ("name",)

    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    description = text(DESCRIPTION_MAX)
    rule = RuleField(metadata={"description": "A new rule (the membership is computed in full again). " + RULE_HELP})
    active = fields.Boolean()


class SegmentSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    rule = fields.Dict(required=True, metadata={"description": "The rule as stored (normalised)."})
    active = fields.Boolean(required=True)
    depends_on = fields.List(fields.UUID(), required=True, metadata={"description": "Segments its rule names."})
    relative_dates = fields.Boolean(required=True, metadata={
        "description": "Its rule uses within_last_days / more_than_days_ago: re-evaluated periodically."})
    member_count = fields.Integer(required=True)
    evaluated_at = fields.AwareDateTime(allow_none=True, metadata={"description": "Last full evaluation."})
    created_by = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class SegmentPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SegmentSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SegmentQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    q = text(100, load_default=None, metadata={"description": "Part of the name."})
    active = fields.Boolean(load_default=None, allow_none=True)
    sort = fields.String(load_default="name", validate=validate.OneOf(SEGMENT_SORTS))


class SegmentRuleCountSchema(StrictSchema):
    rule = RuleField(required=True)


class SegmentRuleCountResultSchema(StrictSchema):
    count = fields.Integer(required=True, metadata={"description": "People the rule selects now."})


class SegmentPersonSchema(StrictSchema):
    person_id = fields.UUID(required=True)
    kind = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    active = fields.Boolean(allow_none=True)
    do_not_email = fields.Boolean(allow_none=True)


class SegmentMemberSchema(SegmentPersonSchema):
    joined_at = fields.AwareDateTime(required=True)


class SegmentMemberPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SegmentMemberSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SegmentHistoryEntrySchema(SegmentPersonSchema):
    id = fields.Integer(required=True)
    change = fields.String(required=True, validate=validate.OneOf(HISTORY_CHANGES))
    at = fields.AwareDateTime(required=True)


class SegmentHistoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SegmentHistoryEntrySchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SegmentHistoryQuerySchema(PageQuerySchema):
    person_id = fields.UUID(load_default=None, allow_none=True)
    change = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(HISTORY_CHANGES))


# Static lists ------------------------------------------------------------------------------------------------------

class StaticListCreateSchema(TrimmedSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    description = text(DESCRIPTION_MAX, load_default=None)


class StaticListUpdateSchema(TrimmedSchema):
    keep_blank = ("name",)

    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    description = text(DESCRIPTION_MAX)


class StaticListSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    member_count = fields.Integer(required=True)
    created_by = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class StaticListPageSchema(StrictSchema):
    items = fields.List(fields.Nested(StaticListSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class StaticListQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    q = text(100, load_default=None, metadata={"description": "Part of the name."})
    sort = fields.String(load_default="name", validate=validate.OneOf(SEGMENT_SORTS))


class StaticListPeopleSchema(StrictSchema):
    person_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_PEOPLE),
                             metadata={"description": f"People (ids of /campaigns/people), 1 to {MAX_PEOPLE}."})


class StaticListChangedSchema(StaticListSchema):
    added = fields.Integer(metadata={"description": "Put on the list now."})
    already_members = fields.Integer(metadata={"description": "On the list already (left as they were)."})
    removed = fields.Integer()
    not_members = fields.Integer(metadata={"description": "Were not on the list."})


class StaticListMemberSchema(SegmentPersonSchema):
    source = fields.String(required=True, validate=validate.OneOf(("manual", "import")))
    added_by = fields.String(allow_none=True)
    added_at = fields.AwareDateTime(required=True)


class StaticListMemberPageSchema(StrictSchema):
    items = fields.List(fields.Nested(StaticListMemberSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class AddressRowSchema(StrictSchema):
    line = fields.Integer(required=True, validate=validate.Range(min=1))
    email = fields.String(required=True, validate=validate.Length(max=10_000))


class AddressRowsSchema(StrictSchema):
    rows = fields.List(fields.Nested(AddressRowSchema), required=True,
                       validate=validate.Length(min=1, max=MAX_IMPORT_ROWS))


class AddressRowNotTakenSchema(StrictSchema):
    line = fields.Integer(required=True, metadata={"description": "The line of the file (the header is line 1)."})
    email = fields.String(required=True)
    reason = fields.String(required=True)


class StaticListImportResultSchema(StrictSchema):
    rows = fields.Integer(required=True, metadata={"description": "Data rows read."})
    matched_rows = fields.Integer(required=True)
    people_matched = fields.Integer(required=True, metadata={
        "description": "People with a matched address (a contact and a lead may share one)."})
    added = fields.Integer(required=True)
    already_members = fields.Integer(required=True)
    not_taken = fields.Integer(required=True)
    rows_not_taken = fields.List(fields.Nested(AddressRowNotTakenSchema), required=True, metadata={
        "description": "Each row not taken with why (not an address, nobody has it); the first 1,000."})


# Suppressions ------------------------------------------------------------------------------------------------------

class SuppressionCreateSchema(TrimmedSchema):
    email = email_address(required=True)
    reason = fields.String(load_default="manual", validate=validate.OneOf(MANUAL_REASONS))
    source = text(200, load_default=None, metadata={"description": "Where the request came from (a ticket, ...)."})


class SuppressionSchema(StrictSchema):
    email = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(SUPPRESSION_REASONS))
    source = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class SuppressionAddedSchema(SuppressionSchema):
    created = fields.Boolean(required=True, metadata={
        "description": "false: the address was suppressed already (its first entry is kept)."})


class SuppressionPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SuppressionSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class SuppressionQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ("q",)

    q = text(254, load_default=None, metadata={"description": "Part of the address."})
    reason = filter_values(fields.String(validate=validate.OneOf(SUPPRESSION_REASONS)))


class SuppressionImportResultSchema(StrictSchema):
    rows = fields.Integer(required=True)
    added = fields.Integer(required=True)
    already_suppressed = fields.Integer(required=True)
    not_taken = fields.Integer(required=True)
    rows_not_taken = fields.List(fields.Nested(AddressRowNotTakenSchema), required=True)
