"""Contracts of the support service's SLA area: business-hours calendars
(weekly hours, holidays from the holidays library, the company's own dates),
SLA policies (conditions, targets in business minutes, warning share), the
clocks of a case, the preview of a new case's due moments, and the events
``case.sla_warning`` and ``case.sla_breached``."""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema, VersionedSchema, WholeNumber, text
from shared.schemas.events import register_event
from shared.schemas.support.cases import CaseSchema
from shared.schemas.support.hours import WEEKDAYS, CalendarError, check_holiday_region, parse_calendar

PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("email", "web", "phone", "portal", "chat")
METRICS = ("first_response", "next_response", "resolution")
# Ten years of business minutes: a target longer than that is a typo.
MAX_TARGET_MINUTES = 10 * 365 * 24 * 60
TIME_HELP = "Local wall-clock times HH:MM (24:00 ends the day)."
# What the document says of a time of day and of the names the calendars take
# (the lists are those the checks of shared/schemas/support/hours.py use).
TIME_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?|24:00(:00)?)$"
# The time zones (the tz database's ~600 names) and the holidays library's
# ~150 countries are said in words: listed as enums in the document, the
# contract test would spend a case on each (its coverage phase).
TIME_ZONE_HELP = "A name of the IANA tz database (Python's zoneinfo.available_timezones()), e.g. Europe/Berlin."
COUNTRY_PATTERN = "^[A-Za-z]{2}$"
COUNTRY_HELP = ("A country the holidays library knows (ISO 3166-1 alpha-2, any letter case; GET /support/holidays "
                "refuses others with 422); none: no public holidays.")
HOURS_DESCRIPTION = ("Intervals [start, end] of local wall-clock times HH:MM, start before end, not overlapping; "
                     "24:00 is the end of the day.")


def _hours(description=HOURS_DESCRIPTION, **kwargs):
    time = fields.String(validate=validate.Length(max=8), metadata={"pattern": TIME_PATTERN})
    return fields.List(fields.List(time, validate=validate.Length(equal=2)),
                       validate=validate.Length(max=12), metadata={"description": description}, **kwargs)


def _weekly_hours(**kwargs):
    return fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=_hours(), metadata={
        "description": "Open hours per weekday (mon..sun); a missing day is closed. "
                       'Example: {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}.'}, **kwargs)


def _check_calendar(data, partial=False):
    """The businesshours rules (known time zone, holiday country and
    subdivision, intervals valid and not overlapping), as field errors."""
    if partial and not {"time_zone", "weekly_hours", "holiday_country", "holiday_subdivision", "dates"} & set(data):
        return
    try:
        parse_calendar(data.get("time_zone", "UTC"), data.get("weekly_hours", {"mon": [["09:00", "17:00"]]}),
                       data.get("holiday_country"), data.get("holiday_subdivision"), data.get("dates") or ())
    except CalendarError as exc:
        if partial:  # the stored calendar fills in the rest: report only what was given
            errors = {key: value for key, value in exc.errors.items() if key.split(".")[0] in data}
            if errors:
                raise ValidationError(errors) from None
            return
        raise ValidationError(exc.errors) from None


class SlaCalendarDateSchema(TrimmedSchema):
    date = fields.Date(required=True)
    hours = _hours("Special hours that day; empty (default): closed. " + HOURS_DESCRIPTION, load_default=list)
    name = text(120, metadata={"description": "What the day is, e.g. Company party."})


class SlaCalendarCreateSchema(TrimmedSchema):
    upper = ("holiday_country",)

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    time_zone = fields.String(required=True, validate=validate.Length(max=64),
                              metadata={"description": TIME_ZONE_HELP})
    weekly_hours = _weekly_hours(required=True)
    holiday_country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2),
                                    metadata={"description": "Public holidays of this country (ISO 3166-1 alpha-2, "
                                                             "from the holidays library); none: no public holidays.",
                                              "pattern": COUNTRY_PATTERN})
    holiday_subdivision = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10),
                                        metadata={"description": "A state or region of the country, e.g. BY."})
    is_default = fields.Boolean(load_default=False, metadata={
        "description": "The calendar of cases no SLA policy matches (one calendar is the default)."})
    dates = fields.List(fields.Nested(SlaCalendarDateSchema), load_default=list, validate=validate.Length(max=1000),
                        metadata={"description": "The company's own dates: closed days or special hours."})

    @validates_schema
    def calendar_rules(self, data, **kwargs):
        _check_calendar(data)


class SlaCalendarUpdateSchema(TrimmedSchema):
    upper = ("holiday_country",)

    name = fields.String(validate=validate.Length(min=1, max=120))
    time_zone = fields.String(validate=validate.Length(max=64), metadata={"description": TIME_ZONE_HELP})
    weekly_hours = _weekly_hours()
    holiday_country = fields.String(allow_none=True, validate=validate.Length(equal=2),
                                    metadata={"description": COUNTRY_HELP, "pattern": COUNTRY_PATTERN})
    holiday_subdivision = fields.String(allow_none=True, validate=validate.Length(max=10))
    is_default = fields.Boolean(validate=validate.Equal(True, error="Make another calendar the default instead."))
    dates = fields.List(fields.Nested(SlaCalendarDateSchema), validate=validate.Length(max=1000),
                        metadata={"description": "Replaces all the calendar's own dates."})

    json_schema_extra = {"minProperties": 1}

    @validates_schema
    def calendar_rules(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")
        _check_calendar(data, partial=True)


class SlaCalendarDateOutSchema(StrictSchema):
    date = fields.Date(required=True)
    hours = fields.List(fields.List(fields.String()), required=True)
    name = fields.String(allow_none=True)


class SlaCalendarSchema(VersionedSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    time_zone = fields.String(required=True)
    weekly_hours = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.String())), required=True)
    holiday_country = fields.String(allow_none=True)
    holiday_subdivision = fields.String(allow_none=True)
    is_default = fields.Boolean(required=True)
    dates = fields.List(fields.Nested(SlaCalendarDateOutSchema), required=True)
    created_by = fields.String(allow_none=True)


class SlaCalendarListSchema(StrictSchema):
    items = fields.List(fields.Nested(SlaCalendarSchema), required=True)


class SlaHolidayQuerySchema(TrimmedSchema):
    upper = ("country",)

    country = fields.String(required=True, validate=validate.Length(equal=2),
                            metadata={"description": "ISO 3166-1 alpha-2 country code, e.g. DE.",
                                      "pattern": COUNTRY_PATTERN})
    subdivision = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))
    year = WholeNumber(required=True, validate=validate.Range(min=1900, max=2200))

    @validates_schema
    def known_region(self, data, **kwargs):
        try:
            check_holiday_region(data.get("country"), data.get("subdivision"))
        except CalendarError as exc:
            raise ValidationError({key.replace("holiday_", ""): value for key, value in exc.errors.items()}) from None


class SlaHolidaySchema(StrictSchema):
    date = fields.Date(required=True)
    name = fields.String(required=True)


class SlaHolidayListSchema(StrictSchema):
    country = fields.String(required=True)
    subdivision = fields.String(allow_none=True)
    year = fields.Integer(required=True)
    items = fields.List(fields.Nested(SlaHolidaySchema), required=True)


# Policies -----------------------------------------------------------------------

def _minutes(description):
    return WholeNumber(allow_none=True, validate=validate.Range(min=1, max=MAX_TARGET_MINUTES),
                       metadata={"description": description})


def _conditions(item, what):
    return fields.List(item, validate=validate.Length(max=20),
                       metadata={"description": f"{what}; empty (default): any."})


class SlaPolicyFieldsSchema(TrimmedSchema):
    trimmed_items = ("account_types", "account_tiers")

    name = fields.String(validate=validate.Length(min=1, max=120))
    position = WholeNumber(validate=validate.Range(min=1, max=10000), metadata={
        "description": "Where it goes in the order policies are tried (1 first); default: last."})
    priorities = _conditions(fields.String(validate=validate.OneOf(PRIORITIES)), "Case priorities it applies to")
    account_types = _conditions(fields.String(validate=validate.Length(min=1, max=40)),
                                "Account types it applies to (customer, partner, ...)")
    account_tiers = _conditions(fields.String(validate=validate.Length(min=1, max=40)),
                                "Account tiers it applies to (gold, silver, ...)")
    channels = _conditions(fields.String(validate=validate.OneOf(CHANNELS)), "Channels it applies to")
    calendar_id = fields.UUID(metadata={"description": "The business hours the targets count in."})
    first_response_minutes = _minutes("Business minutes to the first public reply; none: no target.")
    next_response_minutes = _minutes("Business minutes to answer each later customer reply; none: no target.")
    resolution_minutes = _minutes("Business minutes to resolve (time pending or on hold does not count).")
    warn_percent = WholeNumber(validate=validate.Range(min=1, max=99), metadata={
        "description": "Warn when this share (percent) of a target is used (default 80)."})
    active = fields.Boolean()


class SlaPolicyCreateSchema(SlaPolicyFieldsSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    calendar_id = fields.UUID(required=True, metadata={"description": "The business hours the targets count in."})

    # At least one target, given as a number (null is no target).
    json_schema_extra = {"anyOf": [{"required": [name], "properties": {name: {"type": "integer"}}} for name in
                                   ("first_response_minutes", "next_response_minutes", "resolution_minutes")]}

    @validates_schema
    def some_target(self, data, **kwargs):
        if not any(data.get(key) for key in ("first_response_minutes", "next_response_minutes",
                                             "resolution_minutes")):
            raise ValidationError("Give at least one target.", "first_response_minutes")


class SlaPolicyUpdateSchema(SlaPolicyFieldsSchema):
    json_schema_extra = {"minProperties": 1}

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class SlaPolicySchema(VersionedSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    priorities = fields.List(fields.String(), required=True)
    account_types = fields.List(fields.String(), required=True)
    account_tiers = fields.List(fields.String(), required=True)
    channels = fields.List(fields.String(), required=True)
    calendar_id = fields.UUID(required=True)
    first_response_minutes = fields.Integer(allow_none=True)
    next_response_minutes = fields.Integer(allow_none=True)
    resolution_minutes = fields.Integer(allow_none=True)
    warn_percent = fields.Integer(required=True)
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)


class SlaPolicyListSchema(StrictSchema):
    items = fields.List(fields.Nested(SlaPolicySchema), required=True)


class SlaPolicyQuerySchema(StrictSchema):
    active = fields.Boolean(load_default=None, allow_none=True)


class SlaPolicyOrderSchema(StrictSchema):
    policy_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=1000), metadata={
        "description": "Every policy's id, in the order they are to be tried.", "uniqueItems": True})


# Preview -----------------------------------------------------------------------

class SlaPreviewSchema(TrimmedSchema):
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    channel = fields.String(load_default="web", validate=validate.OneOf(CHANNELS))
    account_id = fields.UUID(load_default=None, allow_none=True,
                             metadata={"description": "Its account's type and tier choose the policy too."})
    opened_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     metadata={"description": "Default: now."})


class SlaPreviewTargetSchema(StrictSchema):
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    target_seconds = fields.Integer(allow_none=True)
    warn_at = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)


class SlaPreviewResultSchema(StrictSchema):
    policy_id = fields.UUID(allow_none=True)
    policy_name = fields.String(allow_none=True)
    calendar_id = fields.UUID(required=True)
    opened_at = fields.AwareDateTime(required=True)
    targets = fields.List(fields.Nested(SlaPreviewTargetSchema), required=True, metadata={
        "description": "next_response counts from the customer's reply; its due moment here is as if they "
                       "replied when the case opened."})


# Clocks and events -----------------------------------------------------------------

class SlaClockSchema(StrictSchema):
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    cycle = fields.Integer(required=True, metadata={"description": "next_response: one per customer reply waited on."})
    policy_id = fields.UUID(allow_none=True)
    calendar_id = fields.UUID(required=True)
    target_seconds = fields.Integer(allow_none=True, metadata={"description": "Business seconds; none: no target."})
    used_seconds = fields.Integer(required=True, metadata={"description": "Business seconds used so far."})
    remaining_seconds = fields.Integer(allow_none=True, metadata={"description": "Negative once past due."})
    running = fields.Boolean(required=True)
    paused = fields.Boolean(required=True, metadata={"description": "The case is pending or on hold."})
    stopped = fields.Boolean(required=True)
    started_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(allow_none=True)
    warn_at = fields.AwareDateTime(allow_none=True)
    warned_at = fields.AwareDateTime(allow_none=True)
    breached = fields.Boolean(required=True)
    breached_at = fields.AwareDateTime(allow_none=True)
    achieved_at = fields.AwareDateTime(allow_none=True)


class SlaEventSchema(StrictSchema):
    case = fields.Nested(CaseSchema, required=True)
    clock = fields.Nested(SlaClockSchema, required=True)
    detected_at = fields.AwareDateTime(required=True, metadata={
        "description": "When the sweep saw it (the moment itself is the clock's warned_at / breached_at)."})


register_event("case.sla_warning", SlaEventSchema, "support",
               "A case's SLA clock used its warning share of the target (sent once per clock).")
register_event("case.sla_breached", SlaEventSchema, "support",
               "A case's SLA clock ran out: the target was missed (sent once per clock).")
