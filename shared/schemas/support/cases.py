"""Contracts of the support service's cases area: cases, their conversation
(public replies, internal notes, the customer's messages), their history,
and the events about them.

``CaseSchema`` is the case snapshot every support event carries (the SLA,
escalation, mail and survey areas import it for theirs).
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    email_address,
    filter_values,
    text,
)
from shared.schemas.events import register_event

CASE_STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
CASE_TYPES = ("question", "problem", "incident", "feature_request", "other")
CHANNELS = ("email", "web", "phone", "portal", "chat")
MESSAGE_KINDS = ("reply", "note", "customer")
DIRECTIONS = ("inbound", "outbound", "internal")
# What an agent writes through the API (``customer`` messages come from mail or the portal).
AGENT_MESSAGE_KINDS = ("reply", "note")
SLA_FILTERS = ("breached", "due_soon", "paused")

MAX_SUBJECT = 300
MAX_BODY = 100_000
MAX_TAGS = 20
MAX_TAG = 50
NUMBER_PATTERN = r"^CASE-\d{6,}$"


def _tags(**kwargs):
    return fields.List(
        fields.String(validate=[validate.Length(min=1, max=MAX_TAG),
                                validate.Regexp(NOT_BLANK_PATTERN, error="A tag is not blank.")]),
        validate=validate.Length(max=MAX_TAGS),
        metadata={"description": f"Up to {MAX_TAGS} tags; each is stored trimmed and lower-cased, once."}, **kwargs)


# Input -----------------------------------------------------------------------

class CaseFieldsSchema(TrimmedSchema):
    """The fields a person or client app may set on a case."""

    trimmed_items = ("tags",)
    keep_blank = ("subject",)

    subject = fields.String(validate=[validate.Length(min=1, max=MAX_SUBJECT),
                                      validate.Regexp(NOT_BLANK_PATTERN, error="A subject is not blank.")],
                            error_messages={"null": "A case needs a subject."})
    description = text(MAX_BODY)
    account_id = fields.UUID(allow_none=True, metadata={"description": "An account of sales (a live one)."})
    contact_id = fields.UUID(allow_none=True, metadata={"description": "A contact of sales; its account is the "
                                                                       "case's when no account_id is given."})
    order_id = fields.UUID(allow_none=True, metadata={"description": "An order of the case's account."})
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    type = fields.String(validate=validate.OneOf(CASE_TYPES))
    tags = _tags()
    owner_id = fields.UUID(allow_none=True, metadata={
        "description": "The agent working the case: a user id of a member of a support team."})
    team_id = fields.UUID(allow_none=True, metadata={"description": "A team of support (GET /api/v1/support/teams)."})


class CaseCreateSchema(CaseFieldsSchema):
    """A new case.  Without team and owner the routing rules choose them."""

    subject = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_SUBJECT),
                                                     validate.Regexp(NOT_BLANK_PATTERN,
                                                                     error="A subject is not blank.")],
                            error_messages={"required": "A case needs a subject.", "null": "A case needs a subject."})
    channel = fields.String(load_default="web", validate=validate.OneOf(CHANNELS))
    contact_email = email_address(allow_none=True, metadata={
        "description": "The sender's address when no contact of sales has it (or to find the contact by it)."})
    contact_name = text(200)
    related_case_id = fields.UUID(allow_none=True, metadata={"description": "An earlier case this one follows up."})
    message_id = fields.String(allow_none=True, validate=validate.Length(max=998), metadata={
        "description": "The Message-ID of the email that opened the case (channel email)."})


class CaseUpdateSchema(CaseFieldsSchema):
    """PATCH: only the given keys change; ``null`` clears an optional field."""

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class CaseStatusSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES),
                           error_messages={"required": "Say the status the case moves to."})


class CaseMessageCreateSchema(TrimmedSchema):
    """An agent's public reply (emailed to the contact) or internal note."""

    keep_blank = ("body",)

    kind = fields.String(required=True, validate=validate.OneOf(AGENT_MESSAGE_KINDS),
                         metadata={"description": "reply: public, emailed to the contact; note: internal."})
    body = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_BODY),
                                                  validate.Regexp(NOT_BLANK_PATTERN, error="Write something.")],
                         error_messages={"required": "Write the message.", "null": "Write the message."})


class CaseCustomerMessageSchema(TrimmedSchema):
    """A message from the customer (mail, portal)."""

    keep_blank = ("body",)

    body = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_BODY),
                                                  validate.Regexp(NOT_BLANK_PATTERN, error="Write something.")])
    author_email = email_address(allow_none=True)
    message_id = fields.String(allow_none=True, validate=validate.Length(max=998))
    in_reply_to = fields.String(allow_none=True, validate=validate.Length(max=998))


class CaseMergeSchema(StrictSchema):
    target_id = fields.UUID(required=True, metadata={
        "description": "The case this one is merged into (it stays): another case than this one (422 otherwise)."})


CASE_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "number", "-number", "due")
CASE_SORT_HELP = (
    "-created_at / created_at: newest / oldest first (the default: newest first); -updated_at / updated_at: most / "
    "least recently changed first; number / -number: by case number; due: the least business time left first "
    "(the earliest due moment of a running SLA clock), cases whose clocks are all paused or stopped last. The id "
    "breaks ties. A cursor continues the sort it came from."
)


class CaseQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    status = filter_values(fields.String(validate=validate.OneOf(CASE_STATUSES)), metadata={
        "description": "One or more statuses (repeated or comma-separated)."})
    priority = filter_values(fields.String(validate=validate.OneOf(PRIORITIES)))
    type = filter_values(fields.String(validate=validate.OneOf(CASE_TYPES)))
    channel = filter_values(fields.String(validate=validate.OneOf(CHANNELS)))
    team_id = fields.UUID(load_default=None, allow_none=True)
    owner_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "The agent's user id."})
    unassigned = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "true: only cases without an owner; false: only cases with one."})
    account_id = fields.UUID(load_default=None, allow_none=True)
    contact_id = fields.UUID(load_default=None, allow_none=True)
    order_id = fields.UUID(load_default=None, allow_none=True)
    tag = text(MAX_TAG, load_default=None)
    q = text(200, load_default=None, metadata={"description": "Part of the case number or subject."})
    sla = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SLA_FILTERS), metadata={
        "description": "breached: a clock is breached; due_soon: a running clock passed its warning moment; "
                       "paused: the case has clocks and none runs (pending, on hold)."})
    include_merged = fields.Boolean(load_default=False, metadata={
        "description": "Also cases merged into others (closed), which the list leaves out by default."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(CASE_SORTS),
                         metadata={"description": CASE_SORT_HELP})


class CaseCountQuerySchema(CaseQuerySchema):
    """The cases list's filters without paging, sort or status."""

    class Meta(CaseQuerySchema.Meta):
        exclude = ("cursor", "limit", "sort", "status")


class CaseMessageQuerySchema(SortedPageQuerySchema):
    kind = filter_values(fields.String(validate=validate.OneOf(MESSAGE_KINDS)))


class CaseHistoryQuerySchema(SortedPageQuerySchema):
    pass


# Output -----------------------------------------------------------------------

class CaseSchema(AuthoredSchema):
    """A case as the API returns it and every support event carries it."""

    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "CASE-000123"})
    subject = fields.String(required=True)
    description = fields.String(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    account_name = fields.String(allow_none=True)
    contact_id = fields.UUID(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    order_id = fields.UUID(allow_none=True)
    order_number = fields.String(allow_none=True)
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    owner_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    tags = fields.List(fields.String(), required=True)
    related_case_id = fields.UUID(allow_none=True, metadata={"description": "The earlier case this one follows up."})
    merged_into = fields.UUID(allow_none=True, metadata={"description": "The case this one was merged into."})
    message_id = fields.String(allow_none=True, metadata={"description": "The Message-ID of the email that opened it."})
    first_response_at = fields.AwareDateTime(allow_none=True)
    status_changed_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    reopen_count = fields.Integer(required=True)


class CaseDetailSchema(CaseSchema):
    """A case with its SLA clocks and the statuses it may move to."""

    allowed_statuses = fields.List(fields.String(), required=True, metadata={
        "description": "The statuses the case may move to now (POST .../status)."})
    sla = fields.List(fields.Dict(), required=True, metadata={
        "description": "Its SLA clocks (metric, target_seconds, used_seconds, running, due_at, warn_at, breached, "
                       "achieved_at, remaining_seconds: business seconds)."})


class CasePageSchema(StrictSchema):
    items = fields.List(fields.Nested(CaseDetailSchema), required=True)
    next_cursor = fields.String(allow_none=True)


CaseStatusCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in CASE_STATUSES}, name="CaseStatusCountsSchema")


class CaseCountsSchema(StrictSchema):
    by_status = fields.Nested(CaseStatusCountsSchema, required=True, metadata={
        "description": "Cases of each status under the list's filters (every status present)."})
    total = fields.Integer(required=True)


class CaseMessageSchema(StrictSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True, metadata={
        "description": "The case it was written on (a case merged into this one, for its earlier conversation)."})
    kind = fields.String(required=True, validate=validate.OneOf(MESSAGE_KINDS))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    author = fields.String(allow_none=True, metadata={"description": "The agent's username (reply, note)."})
    author_email = fields.String(allow_none=True)
    body = fields.String(required=True)
    message_id = fields.String(allow_none=True)
    in_reply_to = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class CaseMessagePageSchema(StrictSchema):
    items = fields.List(fields.Nested(CaseMessageSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class CaseHistoryEntrySchema(StrictSchema):
    at = fields.AwareDateTime(required=True)
    actor = fields.String(allow_none=True)
    action = fields.String(required=True)
    changes = fields.Dict(required=True, metadata={"description": "field: [before, after]"})


class CaseHistoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(CaseHistoryEntrySchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Events -------------------------------------------------------------------------

class CaseEventSchema(StrictSchema):
    case = fields.Nested(CaseSchema, required=True)


class CaseAssignedEventSchema(CaseEventSchema):
    previous_owner_id = fields.UUID(allow_none=True)
    previous_team_id = fields.UUID(allow_none=True)


class CaseRepliedEventSchema(CaseEventSchema):
    message = fields.Nested(CaseMessageSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MESSAGE_KINDS))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))


class CaseStatusChangedEventSchema(CaseEventSchema):
    previous_status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))


class CaseMergedEventSchema(CaseEventSchema):
    merged = fields.Nested(CaseSchema, required=True, metadata={
        "description": "The duplicate, now closed with merged_into; `case` is the target it was merged into."})


register_event("case.opened", CaseEventSchema, "support", "A case was opened (by an agent, mail or the portal).")
register_event("case.assigned", CaseAssignedEventSchema, "support",
               "A case's owner or team was set or changed (by routing, by hand or by escalation).")
register_event("case.replied", CaseRepliedEventSchema, "support",
               "A message was added to a case's conversation: a public reply, an internal note or the customer's.")
register_event("case.status_changed", CaseStatusChangedEventSchema, "support", "A case moved to another status.")
register_event("case.resolved", CaseEventSchema, "support", "A case was resolved.")
register_event("case.reopened", CaseEventSchema, "support",
               "A resolved case was opened again (by an agent, or by the customer's reply within the reopen window).")
register_event("case.closed", CaseEventSchema, "support",
               "A case was closed (by an agent, after staying resolved long enough, or merged into another).")
register_event("case.merged", CaseMergedEventSchema, "support", "A duplicate case was merged into another.")


# The account's support summary (the customer-360 view) ----------------------------

ACTIVE_STATUSES = ("new", "open", "pending", "on_hold")
SUMMARY_WINDOW_DAYS = 90
SUMMARY_RULES = (
    "Open cases are those new, open, pending or on hold; a duplicate merged into another case is not counted. "
    "`breached` counts the open cases with an SLA clock past its target and not over (a breached response "
    "achieved later is over). CSAT is the average score (1-5) of the surveys answered in the last 90 days; "
    "`last_answer` is the latest answer of any time. Open follow-up tasks are those of the account's cases.")

SupportPriorityCountsSchema = StrictSchema.from_dict(
    {priority: fields.Integer(required=True) for priority in PRIORITIES}, name="SupportPriorityCountsSchema")
SupportOpenStatusCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in ACTIVE_STATUSES}, name="SupportOpenStatusCountsSchema")


class OldestOpenCaseSchema(StrictSchema):
    id = fields.UUID(required=True)
    number = fields.String(required=True, metadata={"example": "CASE-000123"})
    created_at = fields.AwareDateTime(required=True)
    age_seconds = fields.Integer(required=True, metadata={"description": "Wall-clock seconds since it was opened."})


class OpenCasesSummarySchema(StrictSchema):
    total = fields.Integer(required=True)
    by_priority = fields.Nested(SupportPriorityCountsSchema, required=True)
    by_status = fields.Nested(SupportOpenStatusCountsSchema, required=True)
    breached = fields.Integer(required=True, metadata={
        "description": "Open cases with a breached SLA clock that is not over."})
    oldest = fields.Nested(OldestOpenCaseSchema, allow_none=True, required=True, metadata={
        "description": "The open case opened first; null without open cases."})


class LastSurveyAnswerSchema(StrictSchema):
    case_id = fields.UUID(required=True)
    case_number = fields.String(required=True)
    csat = fields.Integer(required=True, validate=validate.Range(1, 5))
    nps = fields.Integer(allow_none=True, required=True)
    comment = fields.String(allow_none=True, required=True)
    answered_at = fields.AwareDateTime(required=True)


class AccountCsatSchema(StrictSchema):
    average = fields.Float(allow_none=True, required=True, metadata={
        "description": "Average CSAT (1-5, two decimals) over the window; null without answers."})
    count = fields.Integer(required=True, metadata={"description": "Surveys answered in the window."})
    last_answer = fields.Nested(LastSurveyAnswerSchema, allow_none=True, required=True)


class OpenTasksSummarySchema(StrictSchema):
    total = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "Open tasks past their due moment."})


class AccountSupportSummarySchema(StrictSchema):
    """An account's support at a glance (RPC ``account_support_summary``)."""

    account_id = fields.UUID(required=True)
    as_of = fields.AwareDateTime(required=True)
    window_days = fields.Integer(required=True, metadata={"example": SUMMARY_WINDOW_DAYS})
    open_cases = fields.Nested(OpenCasesSummarySchema, required=True)
    cases_opened_recently = fields.Integer(required=True, metadata={
        "description": "Cases opened in the last `window_days` days."})
    last_case_opened_at = fields.AwareDateTime(allow_none=True, required=True)
    csat = fields.Nested(AccountCsatSchema, required=True)
    open_tasks = fields.Nested(OpenTasksSummarySchema, required=True)
