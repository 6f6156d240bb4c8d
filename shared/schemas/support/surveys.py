"""Contracts of the support service's surveys area: the satisfaction survey
a contact answers through a signed, single-use link (no account), the
follow-up tasks a low score opens, and the event ``survey.answered``."""

from marshmallow import fields, validate

from shared.schemas.common import (
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    VersionedSchema,
    WholeNumber,
    filter_values,
    text,
)
from shared.schemas.events import register_event
from shared.schemas.support.cases import CaseSchema

SURVEY_STATUSES = ("open", "answered", "expired")
TASK_STATUSES = ("open", "done")
TASK_SORTS = ("due", "-due", "-created_at", "created_at")
# A signed link's token: the survey id and its signature (itsdangerous, URL-safe).
TOKEN_PATTERN = r"^[A-Za-z0-9_.-]{1,200}$"
COMMENT_MAX = 4000
CSAT_HELP = "Choose how satisfied you are: a whole number from 1 (very unhappy) to 5 (very happy)."
NPS_HELP = "How likely you are to recommend us: a whole number from 0 to 10, or none."


class SurveyAnswerSchema(TrimmedSchema):
    """What the contact answers (JSON or the public page's form)."""

    csat = WholeNumber(required=True, validate=validate.Range(min=1, max=5, error=CSAT_HELP), error_messages={
        "required": CSAT_HELP, "null": CSAT_HELP, "invalid": CSAT_HELP}, metadata={
        "description": "Customer satisfaction: 1 (very unhappy) to 5 (very happy)."})
    nps = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10, error=NPS_HELP),
                      error_messages={"invalid": NPS_HELP}, metadata={
        "description": "How likely to recommend us, 0 to 10; only when the survey asks it (`nps_asked`), "
                       "and then optional."})
    comment = text(COMMENT_MAX, load_default=None, metadata={"description": "In the contact's own words."})


class PublicSurveySchema(StrictSchema):
    """What the public page shows of a survey: no personal data beyond the
    case's number and subject, which the contact knows."""

    case_number = fields.String(required=True, metadata={"example": "CASE-000123"})
    case_subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SURVEY_STATUSES))
    nps_asked = fields.Boolean(required=True, metadata={"description": "Whether the 0-10 question is asked."})
    expires_at = fields.AwareDateTime(required=True)
    answered_at = fields.AwareDateTime(allow_none=True)


class SurveySchema(StrictSchema):
    """A survey as agents and events see it."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(required=True)
    team_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    email = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SURVEY_STATUSES))
    nps_asked = fields.Boolean(required=True)
    sent_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    csat = fields.Integer(allow_none=True)
    nps = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    low_score = fields.Boolean(required=True, metadata={
        "description": "The answer is at or below SURVEY_LOW_CSAT: a follow-up task was opened."})


class SurveyAnsweredSchema(StrictSchema):
    """The answer as the public API confirms it."""

    status = fields.String(required=True, validate=validate.OneOf(SURVEY_STATUSES))
    answered_at = fields.AwareDateTime(required=True)


class TaskSchema(VersionedSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(required=True)
    case_subject = fields.String(required=True)
    survey_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    assignee_id = fields.UUID(allow_none=True, metadata={
        "description": "The team lead, or the case owner when the team has no lead (a user id)."})
    title = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    csat = fields.Integer(allow_none=True, metadata={"description": "The answer that opened the task."})
    nps = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)


class TaskPageSchema(StrictSchema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class TaskQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ()

    assignee_id = filter_values(fields.UUID(), metadata={"description": "The assignee (a user id); may repeat."})
    team_id = fields.UUID(load_default=None, allow_none=True)
    case_id = fields.UUID(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TASK_STATUSES))
    sort = fields.String(load_default="due", validate=validate.OneOf(TASK_SORTS), metadata={
        "description": "due (default: soonest first) / -due; -created_at / created_at. The id breaks ties."})


class TaskListQuerySchema(TaskQuerySchema):
    """The gateway's list query: ``mine`` stands for the caller's own id and username."""

    mine = fields.Boolean(load_default=False, metadata={"description": "Only the tasks assigned to me."})


class SurveyListSchema(StrictSchema):
    items = fields.List(fields.Nested(SurveySchema), required=True)


class TaskDoneSchema(TrimmedSchema):
    note = text(2000, load_default=None, metadata={"description": "What was done (a call, a refund...)."})


class SurveyAnsweredEventSchema(StrictSchema):
    survey = fields.Nested(SurveySchema, required=True)
    case = fields.Nested(CaseSchema, required=True, metadata={"description": "The case surveyed, as it is now."})
    task_id = fields.UUID(allow_none=True, metadata={"description": "The follow-up task a low score opened."})


register_event("survey.answered", SurveyAnsweredEventSchema, "support",
               "A contact answered the satisfaction survey of a resolved case (CSAT 1-5, NPS 0-10 when the team "
               "asks it, a comment); a low score opened a follow-up task (`task_id`).")

