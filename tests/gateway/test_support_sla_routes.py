"""The SLA routes of the gateway (calendars, holidays, SLA policies, the
preview): who may use each, what each sends to the support service, bad
input (unknown time zone, overlapping or invalid hours, unknown holiday
country...) answered 422 naming the field before the service is asked, and
their OpenAPI documentation."""

from shared.schemas.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import (
    ROLES,
    AreaChecks,
    FormBodyCheck,
    IfMatchCheck,
    SchemaChecks,
    answering,
    entity,
    send,
    without,
)

CALENDAR_ID = "6a6a6a6a-1111-4c1e-9a55-2f9f5f0d1a01"
POLICY_ID = "7b7b7b7b-2222-4c1e-9a55-2f9f5f0d1a02"
OTHER_POLICY_ID = "8c8c8c8c-3333-4c1e-9a55-2f9f5f0d1a03"
ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"

ALLOWED = {
    "cases:read": set(ROLES),
    "support:admin": {"admin"},
}

CALENDAR_BODY = {"name": "Berlin office", "time_zone": "Europe/Berlin",
                 "weekly_hours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "fri": [["09:00", "15:00"]]},
                 "holiday_country": "de", "holiday_subdivision": "BE",
                 "dates": [{"date": "2026-12-24", "hours": []}, {"date": "2026-12-31", "hours": [["09:00", "12:00"]]}]}
POLICY_BODY = {"name": "Gold customers", "priorities": ["high", "urgent"], "account_tiers": ["gold"],
               "calendar_id": CALENDAR_ID, "first_response_minutes": 60, "resolution_minutes": 960}
CALENDAR = f"/api/v1/support/calendars/{CALENDAR_ID}"
POLICY = f"/api/v1/support/sla-policies/{POLICY_ID}"

ROUTES = [
    ("GET", "/api/v1/support/calendars", "cases:read", None, ("support", "list_calendars")),
    ("POST", "/api/v1/support/calendars", "support:admin", CALENDAR_BODY, ("support", "create_calendar")),
    ("GET", CALENDAR, "cases:read", None, ("support", "get_calendar")),
    ("PATCH", CALENDAR, "support:admin", {"name": "Office"}, ("support", "update_calendar")),
    ("DELETE", CALENDAR, "support:admin", None, ("support", "delete_calendar")),
    ("GET", "/api/v1/support/holidays?country=DE&year=2026", "cases:read", None, ("support", "list_holidays")),
    ("GET", "/api/v1/support/sla-policies", "cases:read", None, ("support", "list_sla_policies")),
    ("POST", "/api/v1/support/sla-policies", "support:admin", POLICY_BODY, ("support", "create_sla_policy")),
    ("PUT", "/api/v1/support/sla-policies/order", "support:admin", {"policy_ids": [OTHER_POLICY_ID, POLICY_ID]},
     ("support", "reorder_sla_policies")),
    ("GET", POLICY, "cases:read", None, ("support", "get_sla_policy")),
    ("PATCH", POLICY, "support:admin", {"warn_percent": 90}, ("support", "update_sla_policy")),
    ("DELETE", POLICY, "support:admin", None, ("support", "delete_sla_policy")),
    ("POST", "/api/v1/support/sla-preview", "cases:read", {"priority": "urgent"}, ("support", "preview_sla")),
]

ANSWERS = {
    ("support", "list_calendars"): {"items": []},
    ("support", "create_calendar"): entity(CALENDAR_ID),
    ("support", "get_calendar"): entity(CALENDAR_ID, 2),
    ("support", "update_calendar"): entity(CALENDAR_ID, 3),
    ("support", "delete_calendar"): {"id": CALENDAR_ID, "deleted": True},
    ("support", "list_holidays"): {"country": "DE", "subdivision": None, "year": 2026, "items": []},
    ("support", "list_sla_policies"): {"items": []},
    ("support", "create_sla_policy"): entity(POLICY_ID),
    ("support", "reorder_sla_policies"): {"items": []},
    ("support", "get_sla_policy"): entity(POLICY_ID, 2),
    ("support", "update_sla_policy"): entity(POLICY_ID, 3),
    ("support", "delete_sla_policy"): {"id": POLICY_ID, "deleted": True},
    ("support", "preview_sla"): {"policy_id": None, "policy_name": None, "calendar_id": CALENDAR_ID,
                                 "opened_at": "2026-03-02T09:00:00+00:00", "targets": []},
}

answered = answering(ANSWERS)


# What is sent -----------------------------------------------------------------------------

def test_create_calendar_sends_the_loaded_body(client, tokens, answered):
    response = send(client, "POST", "/api/v1/support/calendars", CALENDAR_BODY, bearer(tokens["admin"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(CALENDAR) and response.headers["ETag"] == '"1"'
    [(service, method, (data, actor))] = answered.calls
    assert (service, method) == ("support", "create_calendar")
    assert data == {**CALENDAR_BODY, "holiday_country": "DE", "is_default": False,
                    "dates": [{"date": "2026-12-24", "hours": []},
                              {"date": "2026-12-31", "hours": [["09:00", "12:00"]]}]}
    assert actor.startswith("admin")


def test_updates_deletes_and_reorder_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    send(client, "PATCH", CALENDAR, {"weekly_hours": {"sat": [["10:00", "14:00"]]}}, {**headers, "If-Match": '"2"'})
    assert send(client, "DELETE", POLICY, None, {**headers, "If-Match": '"4"'}).status_code == 204
    send(client, "PUT", "/api/v1/support/sla-policies/order", {"policy_ids": [POLICY_ID, OTHER_POLICY_ID]}, headers)
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (CALENDAR_ID, {"weekly_hours": {"sat": [["10:00", "14:00"]]}}, actor, 2),
        (POLICY_ID, actor, 4),
        ({"policy_ids": [POLICY_ID, OTHER_POLICY_ID]}, actor),
    ]


def test_holidays_and_preview_send_their_input(client, tokens, answered):
    assert client.get("/api/v1/support/holidays?country=us&subdivision=NY&year=2027",
                      headers=bearer(tokens["readonly"])).status_code == 200
    send(client, "POST", "/api/v1/support/sla-preview",
         {"priority": "high", "account_id": ACCOUNT_ID, "opened_at": "2026-03-02T09:00:00+01:00"},
         bearer(tokens["support"]))
    assert [args for _, _, args in answered.calls] == [
        ({"country": "US", "subdivision": "NY", "year": 2027},),
        ({"priority": "high", "channel": "web", "account_id": ACCOUNT_ID, "opened_at": "2026-03-02T09:00:00+01:00"},),
    ]


# Bad input ------------------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/support/calendars"): [
        ({}, "name"),
        (without(CALENDAR_BODY, "time_zone"), "time_zone"),
        (without(CALENDAR_BODY, "weekly_hours"), "weekly_hours"),
        ({**CALENDAR_BODY, "time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({**CALENDAR_BODY, "time_zone": "CEST"}, "time_zone"),
        ({**CALENDAR_BODY, "holiday_country": "XX"}, "holiday_country"),
        ({**CALENDAR_BODY, "holiday_country": "Germany"}, "holiday_country"),
        ({**CALENDAR_BODY, "holiday_subdivision": "Atlantis"}, "holiday_subdivision"),
        ({**CALENDAR_BODY, "holiday_country": None, "holiday_subdivision": "BE"}, "holiday_subdivision"),
        ({**CALENDAR_BODY, "weekly_hours": {"mon": [["09:00", "12:00"], ["11:30", "17:00"]]}}, "weekly_hours.mon.1"),
        ({**CALENDAR_BODY, "weekly_hours": {"tue": [["17:00", "09:00"]]}}, "weekly_hours.tue.0"),
        ({**CALENDAR_BODY, "weekly_hours": {"tue": [["09:00", "09:00"]]}}, "weekly_hours.tue.0"),
        ({**CALENDAR_BODY, "weekly_hours": {"wed": [["9 am", "5 pm"]]}}, "weekly_hours.wed.0"),
        ({**CALENDAR_BODY, "weekly_hours": {"wed": [["09:00", "25:00"]]}}, "weekly_hours.wed.0"),
        ({**CALENDAR_BODY, "weekly_hours": {"wed": [["09:00"]]}}, "weekly_hours"),
        ({**CALENDAR_BODY, "weekly_hours": {"someday": [["09:00", "17:00"]]}}, "weekly_hours"),
        ({**CALENDAR_BODY, "weekly_hours": {}, "dates": []}, "weekly_hours"),
        ({**CALENDAR_BODY, "weekly_hours": ["09:00-17:00"]}, "weekly_hours"),
        ({**CALENDAR_BODY, "dates": [{"date": "2026-02-30"}]}, "dates"),
        ({**CALENDAR_BODY, "dates": [{"date": "2026-12-24", "hours": [["14:00", "10:00"]]}]}, "dates.0.hours.0"),
        ({**CALENDAR_BODY, "dates": [{"date": "2026-12-24"}, {"date": "2026-12-24"}]}, "dates.1.date"),
        ({**CALENDAR_BODY, "name": "n" * 121}, "name"),
        ({**CALENDAR_BODY, "colour": "blue"}, "colour"),
    ],
    ("PATCH", CALENDAR): [
        ({"time_zone": "Europe/Springfield"}, "time_zone"),
        ({"weekly_hours": {"mon": [["08:00", "12:00"], ["10:00", "11:00"]]}}, "weekly_hours.mon.1"),
        ({"holiday_country": "ZZ"}, "holiday_country"),
        ({"is_default": False}, "is_default"),
        ({"version": 3}, "version"),
    ],
    ("POST", "/api/v1/support/sla-policies"): [
        ({}, "name"),
        (without(POLICY_BODY, "calendar_id"), "calendar_id"),
        ({**POLICY_BODY, "calendar_id": "berlin"}, "calendar_id"),
        ({**POLICY_BODY, "priorities": ["critical"]}, "priorities"),
        ({**POLICY_BODY, "channels": ["fax"]}, "channels"),
        ({**POLICY_BODY, "first_response_minutes": 0}, "first_response_minutes"),
        ({**POLICY_BODY, "first_response_minutes": 1.5}, "first_response_minutes"),
        ({**POLICY_BODY, "resolution_minutes": "a day"}, "resolution_minutes"),
        ({**POLICY_BODY, "first_response_minutes": None, "resolution_minutes": None}, "first_response_minutes"),
        ({**POLICY_BODY, "warn_percent": 100}, "warn_percent"),
        ({**POLICY_BODY, "warn_percent": 0}, "warn_percent"),
        ({**POLICY_BODY, "position": 0}, "position"),
        ({**POLICY_BODY, "account_types": [""]}, "account_types"),
        ({**POLICY_BODY, "escalate": True}, "escalate"),
    ],
    ("PATCH", POLICY): [
        ({"priorities": ["soon"]}, "priorities"),
        ({"warn_percent": "most"}, "warn_percent"),
        ({"calendar_id": 12}, "calendar_id"),
    ],
    ("PUT", "/api/v1/support/sla-policies/order"): [
        ({}, "policy_ids"),
        ({"policy_ids": []}, "policy_ids"),
        ({"policy_ids": ["first"]}, "policy_ids"),
    ],
    ("POST", "/api/v1/support/sla-preview"): [
        ({"priority": "asap"}, "priority"),
        ({"channel": "pigeon"}, "channel"),
        ({"opened_at": "2026-03-02T09:00:00"}, "opened_at"),
        ({"account_id": "acme"}, "account_id"),
        ({"colour": "red"}, "colour"),
    ],
}
QUERY_CASES = [
    ("/api/v1/support/holidays?country=XX&year=2026", "country"),
    ("/api/v1/support/holidays?country=DE&subdivision=QQ&year=2026", "subdivision"),
    ("/api/v1/support/holidays?country=DE", "year"),
    ("/api/v1/support/holidays?country=DE&year=99999", "year"),
    ("/api/v1/support/holidays?year=2026", "country"),
    ("/api/v1/support/sla-policies?active=maybe", "active"),
]
MALFORMED = [
    ("GET", "/api/v1/support/calendars/berlin", None), ("PATCH", "/api/v1/support/sla-policies/1", {"name": "x"}),
    ("DELETE", "/api/v1/support/calendars/1", None),
]
SERVICE_ERRORS = [("update_calendar", error, status) for error, status in [
    (NotFound("No calendar with id x."), 404),
    (Conflict("Another calendar is named 'x'.", {"name": ["Already taken."]}), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
    (ValidationFailed("The calendar is not valid.", {"weekly_hours": ["Open at least one interval."]}), 422),
]] + [("delete_calendar", Conflict("Used by 2 policies.", policies=2, clocks=0), 409),
      ("create_sla_policy", ValidationFailed("No such calendar.", {"calendar_id": ["No calendar."]}), 422)]


# The document ---------------------------------------------------------------------------------

PATHS = {
    ("/api/v1/support/calendars", "get"): ("SlaCalendarList", None, "200"),
    ("/api/v1/support/calendars", "post"): ("SlaCalendar", "SlaCalendarCreate", "201"),
    ("/api/v1/support/calendars/{calendar_id}", "get"): ("SlaCalendar", None, "200"),
    ("/api/v1/support/calendars/{calendar_id}", "patch"): ("SlaCalendar", "SlaCalendarUpdate", "200"),
    ("/api/v1/support/holidays", "get"): ("SlaHolidayList", None, "200"),
    ("/api/v1/support/sla-policies", "get"): ("SlaPolicyList", None, "200"),
    ("/api/v1/support/sla-policies", "post"): ("SlaPolicy", "SlaPolicyCreate", "201"),
    ("/api/v1/support/sla-policies/order", "put"): ("SlaPolicyList", "SlaPolicyOrder", "200"),
    ("/api/v1/support/sla-policies/{policy_id}", "get"): ("SlaPolicy", None, "200"),
    ("/api/v1/support/sla-policies/{policy_id}", "patch"): ("SlaPolicy", "SlaPolicyUpdate", "200"),
    ("/api/v1/support/sla-preview", "post"): ("SlaPreviewResult", "SlaPreview", "200"),
}


class TestSlaRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/support/calendars"
    if_match_route = ("PATCH", POLICY, "admin")
    ids = {CALENDAR_ID: "{calendar_id}", POLICY_ID: "{policy_id}"}
    schemas = PATHS
    not_json = (("/api/v1/support/calendars/{calendar_id}", "delete"),
                ("/api/v1/support/sla-policies/{policy_id}", "delete"))

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "sla"
