"""Contracts of the support service's figures area: what the support
dashboards show, for a period and optionally one team or agent."""

import datetime
import zoneinfo

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema
from shared.schemas.errors import ValidationFailed

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
SLA_METRICS = ("first_response", "next_response", "resolution")
AGE_BUCKETS = ("under_1d", "1d_to_3d", "3d_to_7d", "7d_to_30d", "over_30d")
CASE_STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending", "on_hold")


def _time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value[:60]!r} is not a time zone; use an IANA name like Europe/Berlin.") from None


class SupportFiguresQuerySchema(TrimmedSchema):
    from_ = fields.Date(data_key="from", load_default=None, allow_none=True, metadata={
        "description": f"First day of the period (default: {DEFAULT_PERIOD_DAYS - 1} days before `to`); on or "
                       f"before `to`, at most {MAX_PERIOD_DAYS} days before it all told (422 on `from` otherwise)."})
    to = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "Last day of the period, included (default: today)."})
    team_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "One team's cases."})
    owner_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "One agent's cases: the owner's user id (not the username)."})
    time_zone = fields.String(load_default="UTC", validate=[validate.Length(max=60), _time_zone], metadata={
        "description": "Where days start and end (the period's and today's): a name of the IANA tz database, "
                       "e.g. Europe/Berlin; default UTC."})

    @validates_schema
    def period(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end:
            if start > end:
                raise ValidationError("The period starts after it ends; `from` must be on or before `to`.", "from")
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise ValidationError(f"At most {MAX_PERIOD_DAYS} days at a time.", "from")


def period_of(query, today):
    """(first day, last day) of the query's period; ``today`` in its time zone."""
    end = query.get("to") or today
    if isinstance(end, str):
        end = datetime.date.fromisoformat(end)
    start = query.get("from_")
    if isinstance(start, str):
        start = datetime.date.fromisoformat(start)
    if start is None:  # the default period, cut at the calendar's first day
        start = end - min(datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), end - datetime.date.min)
    # The schema checks a period given whole; one end given alone is checked here against the other's default.
    if start > end:
        message = f"The period starts after it ends ({end.isoformat()}); `from` must be on or before `to`."
        raise ValidationFailed(message, {"from": [message]})
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        message = f"At most {MAX_PERIOD_DAYS} days at a time: give `to` as well, or a later `from`."
        raise ValidationFailed(message, {"from": [message]})
    return start, end


# Output -------------------------------------------------------------------------

Seconds = fields.Float  # business seconds (a median may fall between two values)


class SupportPeriodSchema(StrictSchema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True, metadata={"description": "Included."})
    time_zone = fields.String(required=True)
    team_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True, metadata={"description": "The owner's user id (not the username)."})


class SupportSlaComplianceSchema(StrictSchema):
    metric = fields.String(required=True, validate=validate.OneOf(SLA_METRICS))
    ended = fields.Integer(required=True, metadata={
        "description": "Clocks with a target whose outcome fell in the period: achieved, or breached and not "
                       "achieved (yet)."})
    met = fields.Integer(required=True, metadata={"description": "Of those, achieved within the target."})
    compliance = fields.Float(allow_none=True, metadata={"description": "met / ended (0-1); none without any."})


class SupportDurationSchema(StrictSchema):
    metric = fields.String(required=True, validate=validate.OneOf(SLA_METRICS))
    count = fields.Integer(required=True, metadata={"description": "Clocks achieved in the period."})
    median_seconds = Seconds(allow_none=True, metadata={"description": "Business seconds it took, median."})
    p90_seconds = Seconds(allow_none=True, metadata={"description": "90th percentile (continuous)."})


SupportAgeBucketsSchema = StrictSchema.from_dict(
    {bucket: fields.Integer(required=True) for bucket in AGE_BUCKETS}, name="SupportAgeBucketsSchema")
SupportBacklogStatusesSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in OPEN_STATUSES}, name="SupportBacklogStatusesSchema")


class SupportBacklogSchema(StrictSchema):
    total = fields.Integer(required=True, metadata={"description": "Cases not resolved nor closed, now."})
    by_status = fields.Nested(SupportBacklogStatusesSchema, required=True)
    by_age = fields.Nested(SupportAgeBucketsSchema, required=True, metadata={"description": "Age since opened."})


class SupportGroupFiguresSchema(StrictSchema):
    """One agent's or team's figures."""

    owner_id = fields.UUID(allow_none=True, metadata={
        "description": "Per agent: the owner's user id, not the username (none: unassigned)."})
    team_id = fields.UUID(allow_none=True, metadata={"description": "Per team: the team (none: no team)."})
    team_name = fields.String(allow_none=True)
    open = fields.Integer(required=True, metadata={"description": "Open cases now."})
    opened = fields.Integer(required=True, metadata={"description": "Cases opened in the period."})
    resolved = fields.Integer(required=True, metadata={"description": "Cases resolved in the period."})
    first_response_median_seconds = Seconds(allow_none=True)
    resolution_median_seconds = Seconds(allow_none=True)
    csat_average = fields.Float(allow_none=True)
    csat_count = fields.Integer(required=True)


SupportCsatDistributionSchema = StrictSchema.from_dict(
    {str(score): fields.Integer(required=True) for score in range(1, 6)}, name="SupportCsatDistributionSchema")


class SupportCsatSchema(StrictSchema):
    count = fields.Integer(required=True, metadata={"description": "Answers in the period."})
    average = fields.Float(allow_none=True)
    distribution = fields.Nested(SupportCsatDistributionSchema, required=True)
    sent = fields.Integer(required=True, metadata={"description": "Surveys sent in the period."})
    response_rate = fields.Float(allow_none=True, metadata={
        "description": "Of the surveys sent in the period, the share answered (0-1)."})


class SupportNpsSchema(StrictSchema):
    count = fields.Integer(required=True)
    promoters = fields.Integer(required=True, metadata={"description": "9 or 10."})
    passives = fields.Integer(required=True, metadata={"description": "7 or 8."})
    detractors = fields.Integer(required=True, metadata={"description": "0 to 6."})
    score = fields.Float(allow_none=True, metadata={"description": "% promoters - % detractors (-100 to 100)."})


class SupportBreachSchema(StrictSchema):
    case_id = fields.UUID(required=True)
    number = fields.String(required=True)
    subject = fields.String(required=True)
    priority = fields.String(required=True)
    status = fields.String(required=True)
    team_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True, metadata={"description": "The owner's user id (not the username)."})
    metric = fields.String(required=True, validate=validate.OneOf(SLA_METRICS))
    breached_at = fields.AwareDateTime(required=True)
    achieved_at = fields.AwareDateTime(allow_none=True)


class SupportDeflectionSchema(StrictSchema):
    public_article_views = fields.Integer(required=True, metadata={
        "description": "Views of published public articles (all time: the knowledge base counts views, "
                       "undated)."})
    helpful_votes = fields.Integer(required=True, metadata={"description": "\"Helpful\" votes on public articles "
                                                                           "in the period."})
    not_helpful_votes = fields.Integer(required=True)
    cases_opened = fields.Integer(required=True, metadata={"description": "Cases opened in the period."})
    deflection_rate = fields.Float(allow_none=True, metadata={
        "description": "helpful votes / (helpful votes + cases opened): the share of needs the knowledge base "
                       "answered (0-1)."})


class SupportFiguresSchema(StrictSchema):
    period = fields.Nested(SupportPeriodSchema, required=True)
    generated_at = fields.AwareDateTime(required=True)
    opened = fields.Integer(required=True, metadata={"description": "Cases opened in the period."})
    resolved = fields.Integer(required=True, metadata={"description": "Cases resolved in the period."})
    sla = fields.List(fields.Nested(SupportSlaComplianceSchema), required=True)
    times = fields.List(fields.Nested(SupportDurationSchema), required=True)
    backlog = fields.Nested(SupportBacklogSchema, required=True)
    agents = fields.List(fields.Nested(SupportGroupFiguresSchema), required=True)
    teams = fields.List(fields.Nested(SupportGroupFiguresSchema), required=True)
    csat = fields.Nested(SupportCsatSchema, required=True)
    nps = fields.Nested(SupportNpsSchema, required=True)
    breaches_today = fields.List(fields.Nested(SupportBreachSchema), required=True, metadata={
        "description": "SLA breaches since today's start in `time_zone`, newest first (at most 200)."})
    deflection = fields.Nested(SupportDeflectionSchema, required=True)
