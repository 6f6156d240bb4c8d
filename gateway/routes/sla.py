"""Service levels of the support service: business-hours calendars (weekly
hours, public holidays from a library, the company's own dates), SLA
policies and their order, and a preview of when a new case's targets fall
due.  Everyone working cases reads them; admins change them."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.support.sla import (
    SlaCalendarCreateSchema,
    SlaCalendarListSchema,
    SlaCalendarSchema,
    SlaCalendarUpdateSchema,
    SlaHolidayListSchema,
    SlaHolidayQuerySchema,
    SlaPolicyCreateSchema,
    SlaPolicyListSchema,
    SlaPolicyOrderSchema,
    SlaPolicyQuerySchema,
    SlaPolicySchema,
    SlaPolicyUpdateSchema,
    SlaPreviewResultSchema,
    SlaPreviewSchema,
)

bp = Blueprint("sla", __name__, url_prefix="/api/v1")
TAGS = ["support-sla"]
CALENDAR_RULES = ("Weekly hours are local wall-clock intervals per weekday (several a day, start before end, not "
                  "overlapping; 24:00 ends the day); `time_zone` an IANA zone; `holiday_country` / "
                  "`holiday_subdivision` as the holidays library knows them (GET /support/holidays lists a year's). "
                  "422 names the field: `time_zone`, `weekly_hours.mon.1`, `holiday_country`, `dates.0.hours.0`...")


# Calendars

@bp.get("/support/calendars")
@requires("cases:read")
@operation("List business-hours calendars", tags=TAGS, response=SlaCalendarListSchema)
def list_calendars():
    return call("support", "list_calendars")


@bp.post("/support/calendars")
@requires("support:admin")
@operation("Create a business-hours calendar", tags=TAGS, body=SlaCalendarCreateSchema, response=SlaCalendarSchema,
           status=201, headers={"Location": "The calendar's URL.", "ETag": "The calendar's version."},
           problems=(409,), description=CALENDAR_RULES + " 409 when the name is taken.")
def create_calendar(body):
    return create("support", "create_calendar", body, "sla.get_calendar", "calendar_id")


@bp.get("/support/calendars/<uuid:calendar_id>")
@requires("cases:read")
@operation("Get a calendar with its own dates", tags=TAGS, response=SlaCalendarSchema,
           headers={"ETag": "The calendar's version."})
def get_calendar(calendar_id):
    return versioned(call("support", "get_calendar", str(calendar_id)))


@bp.patch("/support/calendars/<uuid:calendar_id>")
@requires("support:admin")
@operation("Change a calendar", tags=TAGS, body=SlaCalendarUpdateSchema, response=SlaCalendarSchema,
           headers={"ETag": "The calendar's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description=CALENDAR_RULES + " `dates` replaces all the calendar's own dates. Running clocks count on the "
                                        "new hours from the change on; the time they used is kept.")
def update_calendar(calendar_id, body, expected_version):
    return patch("support", "update_calendar", str(calendar_id), body, expected_version)


@bp.delete("/support/calendars/<uuid:calendar_id>")
@requires("support:admin")
@operation("Delete an unused calendar", tags=TAGS, status=204, problems=(409, 412), request_headers=("If-Match",),
           description="409 for the default calendar, or one a policy or a case's clock uses.")
def delete_calendar(calendar_id, expected_version):
    call("support", "delete_calendar", str(calendar_id), actor(), expected_version)
    return "", 204


@bp.get("/support/holidays")
@requires("cases:read")
@operation("A year's public holidays of a country (or one of its subdivisions)", tags=TAGS,
           query=SlaHolidayQuerySchema, response=SlaHolidayListSchema,
           description="From the holidays library, as a calendar with this holiday_country counts them. 422 on "
                       "`country` / `subdivision` when the library does not know it.")
def list_holidays(query):
    return call("support", "list_holidays", query.wire())


# Policies

@bp.get("/support/sla-policies")
@requires("cases:read")
@operation("List SLA policies in the order they are tried", tags=TAGS, query=SlaPolicyQuerySchema,
           response=SlaPolicyListSchema)
def list_sla_policies(query):
    return listing("support", "list_sla_policies", query)


@bp.post("/support/sla-policies")
@requires("support:admin")
@operation("Create an SLA policy", tags=TAGS, body=SlaPolicyCreateSchema, response=SlaPolicySchema, status=201,
           headers={"Location": "The policy's URL.", "ETag": "The policy's version."}, problems=(409,),
           description="A case gets the first active policy (by position) whose conditions all hold; an empty "
                       "condition matches anything. Targets are business minutes of the policy's calendar. 422 on "
                       "`calendar_id` for an unknown calendar; 409 when the name is taken.")
def create_sla_policy(body):
    return create("support", "create_sla_policy", body, "sla.get_sla_policy", "policy_id")


@bp.put("/support/sla-policies/order")
@requires("support:admin")
@operation("Reorder the SLA policies", tags=TAGS, body=SlaPolicyOrderSchema, response=SlaPolicyListSchema,
           description="Every policy's id exactly once, first tried first (422 on `policy_ids` otherwise).")
def reorder_sla_policies(body):
    return call("support", "reorder_sla_policies", body.wire(), actor())


@bp.get("/support/sla-policies/<uuid:policy_id>")
@requires("cases:read")
@operation("Get an SLA policy", tags=TAGS, response=SlaPolicySchema, headers={"ETag": "The policy's version."})
def get_sla_policy(policy_id):
    return versioned(call("support", "get_sla_policy", str(policy_id)))


@bp.patch("/support/sla-policies/<uuid:policy_id>")
@requires("support:admin")
@operation("Change an SLA policy", tags=TAGS, body=SlaPolicyUpdateSchema, response=SlaPolicySchema,
           headers={"ETag": "The policy's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Open cases take the new terms when they next change priority, channel or account; the "
                       "business time they used is kept.")
def update_sla_policy(policy_id, body, expected_version):
    return patch("support", "update_sla_policy", str(policy_id), body, expected_version)


@bp.delete("/support/sla-policies/<uuid:policy_id>")
@requires("support:admin")
@operation("Delete an SLA policy", tags=TAGS, status=204, problems=(412,), request_headers=("If-Match",),
           description="Cases' clocks keep the terms they have; to stop choosing it for new cases, "
                       "`active: false` keeps its history readable.")
def delete_sla_policy(policy_id, expected_version):
    call("support", "delete_sla_policy", str(policy_id), actor(), expected_version)
    return "", 204


@bp.post("/support/sla-preview")
@requires("cases:read")
@operation("When would a new case's targets be due?", tags=TAGS, body=SlaPreviewSchema, response=SlaPreviewResultSchema,
           body_optional=True,
           description="The policy a case opened at `opened_at` (default now) with this priority, channel and "
                       "account would get, and its warning and due moments in business hours. Nothing is stored.")
def preview_sla(body):
    return call("support", "preview_sla", body.wire())
