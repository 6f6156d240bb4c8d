"""The campaigns routes of the gateway (records, status moves, costs,
members): who may use each, what each sends to the campaigns service, bad
input answered 422 naming the field before the service is asked, service
errors kept, and their OpenAPI documentation."""

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import (
    PAGE,
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

CAMPAIGN_ID = "3c3c3c3c-1111-4c1e-9a55-2f9f5f0d1a11"
PARENT_ID = "4d4d4d4d-2222-4c1e-9a55-2f9f5f0d1a12"
COST_ID = "5e5e5e5e-3333-4c1e-9a55-2f9f5f0d1a13"
PERSON_ID = "6f6f6f6f-4444-4c1e-9a55-2f9f5f0d1a14"
CAMPAIGN = f"/api/v1/campaigns/{CAMPAIGN_ID}"

ALLOWED = {"campaigns:read": set(ROLES), "campaigns:write": {"admin", "marketing"}}

CAMPAIGN_BODY = {"name": "Spring webinar", "type": "webinar", "starts_on": "2026-04-01", "ends_on": "2026-04-30",
                 "owner": "ann", "currency": "eur", "budget": "1500.50", "expected_revenue": 20000,
                 "parent_id": PARENT_ID, "description": "Three sessions"}
COST_BODY = {"incurred_on": "2026-04-02", "amount": "120.455", "category": "media", "note": "Banner"}

ROUTES = [
    ("GET", "/api/v1/campaigns", "campaigns:read", None, ("campaigns", "list_campaigns")),
    ("POST", "/api/v1/campaigns", "campaigns:write", CAMPAIGN_BODY, ("campaigns", "create_campaign")),
    ("GET", CAMPAIGN, "campaigns:read", None, ("campaigns", "get_campaign")),
    ("PATCH", CAMPAIGN, "campaigns:write", {"name": "Renamed"}, ("campaigns", "update_campaign")),
    ("POST", f"{CAMPAIGN}/launch", "campaigns:write", None, ("campaigns", "launch_campaign")),
    ("POST", f"{CAMPAIGN}/complete", "campaigns:write", None, ("campaigns", "complete_campaign")),
    ("POST", f"{CAMPAIGN}/abort", "campaigns:write", None, ("campaigns", "abort_campaign")),
    ("GET", f"{CAMPAIGN}/costs", "campaigns:read", None, ("campaigns", "list_campaign_costs")),
    ("POST", f"{CAMPAIGN}/costs", "campaigns:write", COST_BODY, ("campaigns", "add_campaign_cost")),
    ("DELETE", f"{CAMPAIGN}/costs/{COST_ID}", "campaigns:write", None, ("campaigns", "delete_campaign_cost")),
    ("GET", f"{CAMPAIGN}/members", "campaigns:read", None, ("campaigns", "list_campaign_members")),
    ("POST", f"{CAMPAIGN}/members", "campaigns:write", {"person_ids": [PERSON_ID]},
     ("campaigns", "add_campaign_members")),
]

ANSWERS = {
    ("campaigns", "list_campaigns"): PAGE,
    ("campaigns", "create_campaign"): entity(CAMPAIGN_ID),
    ("campaigns", "get_campaign"): entity(CAMPAIGN_ID, 2),
    ("campaigns", "update_campaign"): entity(CAMPAIGN_ID, 3),
    ("campaigns", "launch_campaign"): entity(CAMPAIGN_ID, 4, status="active"),
    ("campaigns", "complete_campaign"): entity(CAMPAIGN_ID, 5, status="completed"),
    ("campaigns", "abort_campaign"): entity(CAMPAIGN_ID, 5, status="aborted"),
    ("campaigns", "list_campaign_costs"): {"items": [], "total": "0.00", "currency": "EUR"},
    ("campaigns", "add_campaign_cost"): {"id": COST_ID},
    ("campaigns", "delete_campaign_cost"): {"id": COST_ID},
    ("campaigns", "list_campaign_members"): PAGE,
    ("campaigns", "add_campaign_members"): {"added": 1, "already": 0, "members": 1},
}

answered = answering(ANSWERS)


# What is sent ----------------------------------------------------------------------------

def test_create_sends_the_loaded_body(client, tokens, answered):
    response = send(client, "POST", "/api/v1/campaigns", CAMPAIGN_BODY, bearer(tokens["marketing"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(CAMPAIGN) and response.headers["ETag"] == '"1"'
    [(service, method, (data, actor))] = answered.calls
    assert (service, method) == ("campaigns", "create_campaign")
    assert data == {**CAMPAIGN_BODY, "currency": "EUR", "expected_revenue": "20000"}
    assert actor.startswith("marketing")


def test_updates_moves_costs_and_members_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    assert send(client, "PATCH", CAMPAIGN, {"budget": "10", "parent_id": None},
                {**headers, "If-Match": '"2"'}).headers["ETag"] == '"3"'
    launched = send(client, "POST", f"{CAMPAIGN}/launch", None, {**headers, "If-Match": '"3"'})
    assert launched.headers["ETag"] == '"4"' and launched.get_json()["status"] == "active"
    send(client, "POST", f"{CAMPAIGN}/abort", None, headers)
    assert send(client, "POST", f"{CAMPAIGN}/costs", COST_BODY, headers).status_code == 201
    assert send(client, "DELETE", f"{CAMPAIGN}/costs/{COST_ID}", None, headers).status_code == 204
    send(client, "POST", f"{CAMPAIGN}/members", {"segment_id": PARENT_ID}, headers)
    client.get(f"{CAMPAIGN}/members?stage=sent&stage=opened&limit=10", headers=headers)
    client.get("/api/v1/campaigns?status=active,planned&type=email&owner=ann&q=spring&sort=name",
               headers=headers)
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (CAMPAIGN_ID, {"budget": "10", "parent_id": None}, actor, 2),
        (CAMPAIGN_ID, actor, 3),
        (CAMPAIGN_ID, actor, None),
        (CAMPAIGN_ID, COST_BODY, actor),
        (CAMPAIGN_ID, COST_ID, actor),
        (CAMPAIGN_ID, {"segment_id": PARENT_ID}, actor),
        (CAMPAIGN_ID, {"stage": ["sent", "opened"], "sort": "-added_at", "limit": 10, "cursor": None}),
        ({"status": ["active", "planned"], "type": ["email"], "owner": "ann", "q": "spring", "sort": "name",
          "parent_id": None, "limit": 50, "cursor": None},),
    ]


def test_an_owner_who_is_no_user_is_refused(client, tokens, answered):
    for method, path, body in (("POST", "/api/v1/campaigns", {**CAMPAIGN_BODY, "owner": "nobody-here"}),
                               ("PATCH", CAMPAIGN, {"owner": "nobody-here"})):
        response = send(client, method, path, body, bearer(tokens["admin"]))
        assert response.status_code == 422 and "owner" in response.get_json()["errors"]
    assert answered.calls == []


# Bad input -------------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/campaigns"): [
        (without(CAMPAIGN_BODY, "name"), "name"),
        (without(CAMPAIGN_BODY, "type"), "type"),
        ({**CAMPAIGN_BODY, "name": " "}, "name"),
        ({**CAMPAIGN_BODY, "name": "n" * 201}, "name"),
        ({**CAMPAIGN_BODY, "type": "newsletter"}, "type"),
        ({**CAMPAIGN_BODY, "currency": "EURO"}, "currency"),
        ({**CAMPAIGN_BODY, "budget": "-5"}, "budget"),
        ({**CAMPAIGN_BODY, "budget": "ten"}, "budget"),
        ({**CAMPAIGN_BODY, "budget": "1.1234567"}, "budget"),
        ({**CAMPAIGN_BODY, "expected_revenue": True}, "expected_revenue"),
        ({**CAMPAIGN_BODY, "starts_on": "2026-05-01"}, "ends_on"),
        ({**CAMPAIGN_BODY, "ends_on": "tomorrow"}, "ends_on"),
        ({**CAMPAIGN_BODY, "parent_id": "parent"}, "parent_id"),
        ({**CAMPAIGN_BODY, "status": "active"}, "status"),
        ({**CAMPAIGN_BODY, "description": "d" * 4001}, "description"),
    ],
    ("PATCH", CAMPAIGN): [
        ({"type": "flyer"}, "type"),
        ({"version": 2}, "version"),
        ({"status": "completed"}, "status"),
        ({"budget": "1,5"}, "budget"),
        ({"starts_on": "2026-05-02", "ends_on": "2026-05-01"}, "ends_on"),
    ],
    ("POST", f"{CAMPAIGN}/costs"): [
        (without(COST_BODY, "amount"), "amount"),
        (without(COST_BODY, "incurred_on"), "incurred_on"),
        (without(COST_BODY, "category"), "category"),
        ({**COST_BODY, "amount": "-1"}, "amount"),
        ({**COST_BODY, "amount": 1.5e300}, "amount"),
        ({**COST_BODY, "category": "lunch"}, "category"),
        ({**COST_BODY, "currency": "USD"}, "currency"),
    ],
    ("POST", f"{CAMPAIGN}/members"): [
        ({"person_ids": ["someone"]}, "person_ids"),
        ({"person_ids": []}, "person_ids"),
        ({"person_ids": [PERSON_ID] * 1001}, "person_ids"),
        ({"segment_id": "vip"}, "segment_id"),
        ({"person_ids": [PERSON_ID], "list_id": PARENT_ID}, "_schema"),
        ({"query": "all"}, "query"),
    ],
}
QUERY_CASES = [
    ("/api/v1/campaigns?status=running", "status"),
    ("/api/v1/campaigns?type=flyer", "type"),
    ("/api/v1/campaigns?sort=budget", "sort"),
    ("/api/v1/campaigns?limit=0", "limit"),
    ("/api/v1/campaigns?cursor=%24%24", "cursor"),
    ("/api/v1/campaigns?parent_id=top", "parent_id"),
    (f"{CAMPAIGN}/members?stage=lost", "stage"),
    (f"{CAMPAIGN}/members?limit=501", "limit"),
]
MALFORMED = [
    ("GET", "/api/v1/campaigns/spring", None), ("PATCH", "/api/v1/campaigns/1", {"name": "x"}),
    ("POST", "/api/v1/campaigns/1/launch", None), ("DELETE", f"{CAMPAIGN}/costs/first", None),
    ("GET", "/api/v1/campaigns/1/members", None),
]
SERVICE_ERRORS = [
    ("update_campaign", PreconditionFailed("Changed.", current_version=4), 412),
    ("update_campaign", Conflict("Loop.", {"parent_id": ["A campaign cannot be part of itself."]}), 409),
    ("create_campaign", ValidationFailed("No campaign.", {"parent_id": ["No such campaign with id x."]}), 422),
    ("get_campaign", NotFound("No campaign with id x."), 404),
    ("launch_campaign", IllegalTransition("Cannot launch.", {"status": ["Cannot launch."]}, current="active",
                                          target="active", allowed=["complete", "abort"]), 409),
    ("add_campaign_cost", IllegalTransition("Completed.", {"status": ["Completed."]}, current="completed"), 409),
    ("add_campaign_members", ValidationFailed("No such person.", {"person_ids": ["No such person with id x."]}),
     422),
]

PATHS = {
    ("/api/v1/campaigns", "get"): ("CampaignPage", None, "200"),
    ("/api/v1/campaigns", "post"): ("Campaign", "CampaignCreate", "201"),
    ("/api/v1/campaigns/{campaign_id}", "get"): ("Campaign", None, "200"),
    ("/api/v1/campaigns/{campaign_id}", "patch"): ("Campaign", "CampaignUpdate", "200"),
    ("/api/v1/campaigns/{campaign_id}/launch", "post"): ("Campaign", None, "200"),
    ("/api/v1/campaigns/{campaign_id}/complete", "post"): ("Campaign", None, "200"),
    ("/api/v1/campaigns/{campaign_id}/abort", "post"): ("Campaign", None, "200"),
    ("/api/v1/campaigns/{campaign_id}/costs", "get"): ("CostList", None, "200"),
    ("/api/v1/campaigns/{campaign_id}/costs", "post"): ("Cost", "CostCreate", "201"),
    ("/api/v1/campaigns/{campaign_id}/members", "get"): ("MemberPage", None, "200"),
    ("/api/v1/campaigns/{campaign_id}/members", "post"): ("MembersAdded", "MembersAdd", "200"),
}


class TestCampaignRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/campaigns"
    if_match_route = ("PATCH", CAMPAIGN, "marketing")
    ids = {CAMPAIGN_ID: "{campaign_id}", COST_ID: "{cost_id}"}
    schemas = PATHS
    not_json = (("/api/v1/campaigns/{campaign_id}/costs/{cost_id}", "delete"),)

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "campaigns"
