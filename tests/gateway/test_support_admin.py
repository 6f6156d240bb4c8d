"""The support administration routes of the gateway (teams, members, routing
and escalation rules): who may use each (401 without a token, 403 for a role
without the permission, nothing sent to the service), what each sends, bad
input answered 4xx before the service is asked, the member looked up among
the gateway's users, and their OpenAPI documentation."""

import pytest

from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
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

TEAM_ID = "7a7a7a7a-1111-4c1e-9a55-2f9f5f0d1a01"
RULE_ID = "7b7b7b7b-2222-4c1e-9a55-2f9f5f0d1a02"
ESCALATION_RULE_ID = "7c7c7c7c-3333-4c1e-9a55-2f9f5f0d1a03"
CASE_ID = "7d7d7d7d-4444-4c1e-9a55-2f9f5f0d1a04"
# A user of the gateway made by the module's fixture (a member must be an active user).
USER_ID = "7e7e7e7e-5555-4c1e-9a55-2f9f5f0d1a05"
INACTIVE_USER_ID = "7f7f7f7f-6666-4c1e-9a55-2f9f5f0d1a06"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "cases:read": set(ROLES),
    "support:admin": {"admin"},
}

TEAM = f"/api/v1/support/teams/{TEAM_ID}"
MEMBER = f"{TEAM}/members/{USER_ID}"
RULE = f"/api/v1/support/routing-rules/{RULE_ID}"
ESCALATION_RULE = f"/api/v1/support/escalation-rules/{ESCALATION_RULE_ID}"
TEAM_BODY = {"name": "Billing", "assignment_method": "fewest_open"}
MEMBER_BODY = {"user_id": USER_ID, "email": "ann@example.org"}
RULE_BODY = {"name": "Refunds", "team_id": TEAM_ID, "keywords": ["refund"], "channels": ["email"]}
ESCALATION_BODY = {"name": "Breach to lead", "on_event": "breach", "notify_team_lead": True}

ROUTES = [
    ("GET", "/api/v1/support/teams", "cases:read", None, ("support", "list_teams")),
    ("POST", "/api/v1/support/teams", "support:admin", TEAM_BODY, ("support", "create_team")),
    ("GET", TEAM, "cases:read", None, ("support", "get_team")),
    ("PATCH", TEAM, "support:admin", {"nps_enabled": True}, ("support", "update_team")),
    ("POST", f"{TEAM}/members", "support:admin", MEMBER_BODY, ("support", "add_team_member")),
    ("PATCH", MEMBER, "support:admin", {"available": False}, ("support", "update_team_member")),
    ("DELETE", MEMBER, "support:admin", None, ("support", "remove_team_member")),
    ("GET", "/api/v1/support/agents", "cases:read", None, ("support", "list_agents")),
    ("GET", "/api/v1/support/routing-rules", "support:admin", None, ("support", "list_routing_rules")),
    ("POST", "/api/v1/support/routing-rules", "support:admin", RULE_BODY, ("support", "create_routing_rule")),
    ("POST", "/api/v1/support/routing-rules/order", "support:admin", {"ids": [RULE_ID]},
     ("support", "reorder_routing_rules")),
    ("POST", "/api/v1/support/routing-rules/preview", "support:admin", {"subject": "Refund"},
     ("support", "preview_routing")),
    ("GET", RULE, "support:admin", None, ("support", "get_routing_rule")),
    ("PATCH", RULE, "support:admin", {"active": False}, ("support", "update_routing_rule")),
    ("DELETE", RULE, "support:admin", None, ("support", "delete_routing_rule")),
    ("GET", "/api/v1/support/escalation-rules", "support:admin", None, ("support", "list_escalation_rules")),
    ("POST", "/api/v1/support/escalation-rules", "support:admin", ESCALATION_BODY,
     ("support", "create_escalation_rule")),
    ("POST", "/api/v1/support/escalation-rules/order", "support:admin", {"ids": [ESCALATION_RULE_ID]},
     ("support", "reorder_escalation_rules")),
    ("GET", ESCALATION_RULE, "support:admin", None, ("support", "get_escalation_rule")),
    ("PATCH", ESCALATION_RULE, "support:admin", {"raise_priority": True}, ("support", "update_escalation_rule")),
    ("DELETE", ESCALATION_RULE, "support:admin", None, ("support", "delete_escalation_rule")),
    ("GET", f"/api/v1/support/escalations?case_id={CASE_ID}", "cases:read", None, ("support", "list_escalations")),
]

LIST = {"items": []}
ANSWERS = {
    ("support", "list_teams"): LIST,
    ("support", "create_team"): entity(TEAM_ID),
    ("support", "get_team"): entity(TEAM_ID, 2),
    ("support", "update_team"): entity(TEAM_ID, 3),
    ("support", "add_team_member"): entity(TEAM_ID, 4),
    ("support", "update_team_member"): entity(TEAM_ID, 5),
    ("support", "remove_team_member"): entity(TEAM_ID, 6),
    ("support", "list_agents"): LIST,
    ("support", "list_routing_rules"): LIST,
    ("support", "create_routing_rule"): entity(RULE_ID),
    ("support", "reorder_routing_rules"): LIST,
    ("support", "preview_routing"): {"rule": None, "team": None, "by_default": False, "owner_id": None},
    ("support", "get_routing_rule"): entity(RULE_ID, 2),
    ("support", "update_routing_rule"): entity(RULE_ID, 3),
    ("support", "delete_routing_rule"): {"deleted": RULE_ID},
    ("support", "list_escalation_rules"): LIST,
    ("support", "create_escalation_rule"): entity(ESCALATION_RULE_ID),
    ("support", "reorder_escalation_rules"): LIST,
    ("support", "get_escalation_rule"): entity(ESCALATION_RULE_ID, 2),
    ("support", "update_escalation_rule"): entity(ESCALATION_RULE_ID, 3),
    ("support", "delete_escalation_rule"): {"deleted": ESCALATION_RULE_ID},
    ("support", "list_escalations"): LIST,
}

answered = answering(ANSWERS)


@pytest.fixture(scope="module", autouse=True)
def member_users(gdb):
    """The users the member routes name: one active (with a display name), one not."""
    gdb.execute("INSERT INTO users (id, username, display_name, role) VALUES (%s, 'support-ann', 'Ann Agent',"
                " 'support') ON CONFLICT (id) DO NOTHING", (USER_ID,))
    gdb.execute("INSERT INTO users (id, username, role, active) VALUES (%s, 'support-gone', 'support', false)"
                " ON CONFLICT (id) DO NOTHING", (INACTIVE_USER_ID,))


# What is sent -----------------------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered):
    response = send(client, "POST", "/api/v1/support/teams", {"name": " Billing "}, bearer(tokens["admin"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(TEAM) and response.headers["ETag"] == '"1"'
    [(_, _, (data, actor))] = answered.calls
    assert data == {"name": "Billing", "assignment_method": "round_robin", "nps_enabled": False,
                    "is_default": False, "active": True}
    assert actor.startswith("admin")


def test_a_member_is_the_gateway_user_with_the_given_email(client, tokens, answered):
    response = send(client, "POST", f"{TEAM}/members", {"user_id": USER_ID, "email": "Ann@Example.org"},
                    bearer(tokens["admin"]))
    assert response.status_code == 200 and response.headers["ETag"] == '"4"'
    [(_, method, (team_id, member, _actor))] = answered.calls
    assert (method, team_id) == ("add_team_member", TEAM_ID)
    assert member == {"user_id": USER_ID, "name": "Ann Agent", "email": "Ann@Example.org", "available": True}


@pytest.mark.parametrize("user_id", [INACTIVE_USER_ID, "00000000-0000-4000-8000-000000000000"])
def test_a_member_must_be_an_active_user(client, tokens, fake_rpc, user_id):
    response = send(client, "POST", f"{TEAM}/members", {"user_id": user_id}, bearer(tokens["admin"]))
    assert_problem(response, 422, "user_id")
    assert fake_rpc.calls == []


def test_actions_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    send(client, "PATCH", TEAM, {"lead_id": USER_ID}, {**headers, "If-Match": '"2"'})
    send(client, "PATCH", MEMBER, {"available": False}, headers)
    send(client, "DELETE", MEMBER, None, headers)
    send(client, "POST", "/api/v1/support/routing-rules/order", {"ids": [RULE_ID]}, headers)
    send(client, "DELETE", RULE, None, {**headers, "If-Match": '"3"'})
    send(client, "POST", "/api/v1/support/routing-rules/preview", None, headers)
    send(client, "PATCH", ESCALATION_RULE, {"metric": None}, headers)
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (TEAM_ID, {"lead_id": USER_ID}, actor, 2),
        (TEAM_ID, USER_ID, {"available": False}, actor),
        (TEAM_ID, USER_ID, actor),
        ([RULE_ID], actor),
        (RULE_ID, actor, 3),
        ({"subject": None, "description": None, "channel": None, "account_id": None, "account_type": None,
          "tags": []},),
        (ESCALATION_RULE_ID, {"metric": None}, actor, None),
    ]


def test_delete_answers_204(client, tokens, answered):
    response = send(client, "DELETE", ESCALATION_RULE, None, bearer(tokens["admin"]))
    assert response.status_code == 204 and response.get_data() == b""


# Bad input --------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/support/teams"): [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": 12}, "name"),
        ({**TEAM_BODY, "assignment_method": "random"}, "assignment_method"),
        ({**TEAM_BODY, "nps_enabled": "maybe"}, "nps_enabled"),
        ({**TEAM_BODY, "lead_id": USER_ID}, "lead_id"),
        ({**TEAM_BODY, "colour": "red"}, "colour"),
    ],
    ("PATCH", TEAM): [
        ({}, "_schema"),
        ({"lead_id": "ann"}, "lead_id"),
        ({"description": "d" * 2001}, "description"),
        ({"name": None}, "name"),
    ],
    ("POST", f"{TEAM}/members"): [
        ({}, "user_id"),
        ({"user_id": "ann"}, "user_id"),
        ({**MEMBER_BODY, "email": "not an address"}, "email"),
        ({**MEMBER_BODY, "email": "a" * 250 + "@example.org"}, "email"),
        ({**MEMBER_BODY, "name": "Ann"}, "name"),
        ({**MEMBER_BODY, "available": "maybe"}, "available"),
    ],
    ("PATCH", MEMBER): [
        ({"available": None}, "available"),
        ({"available": True, "lead": True}, "lead"),
    ],
    ("POST", "/api/v1/support/routing-rules"): [
        ({}, "name"),
        (without(RULE_BODY, "team_id"), "team_id"),
        ({**RULE_BODY, "team_id": "billing"}, "team_id"),
        ({**RULE_BODY, "channels": ["fax"]}, "channels"),
        ({**RULE_BODY, "channels": "email"}, "channels"),
        ({**RULE_BODY, "account_types": ["vip"]}, "account_types"),
        ({**RULE_BODY, "tags": ["t" * 51]}, "tags"),
        ({**RULE_BODY, "keywords": ["refund", "REFUND"]}, "keywords"),
        ({**RULE_BODY, "keywords": ["k"] * 51}, "keywords"),
        ({**RULE_BODY, "position": 0}, "position"),
        ({**RULE_BODY, "position": 1.5}, "position"),
        ({**RULE_BODY, "stop": True}, "stop"),
    ],
    ("PATCH", RULE): [
        ({}, "_schema"),
        ({"team_id": None}, "team_id"),
        ({"channels": ["pigeon"]}, "channels"),
    ],
    ("POST", "/api/v1/support/routing-rules/order"): [
        ({}, "ids"),
        ({"ids": []}, "ids"),
        ({"ids": ["one"]}, "ids"),
        ({"ids": [RULE_ID, RULE_ID]}, "ids"),
    ],
    ("POST", "/api/v1/support/routing-rules/preview"): [
        ({"channel": "fax"}, "channel"),
        ({"account_id": "acme"}, "account_id"),
        ({"account_type": "friend"}, "account_type"),
        ({"subject": "s" * 501}, "subject"),
        ({"priority": "high"}, "priority"),
    ],
    ("POST", "/api/v1/support/escalation-rules"): [
        ({}, "name"),
        (without(ESCALATION_BODY, "on_event"), "on_event"),
        ({**ESCALATION_BODY, "on_event": "late"}, "on_event"),
        ({"name": "x", "on_event": "breach"}, "_schema"),
        ({**ESCALATION_BODY, "metric": "reply_time"}, "metric"),
        ({**ESCALATION_BODY, "priorities": ["critical"]}, "priorities"),
        ({**ESCALATION_BODY, "team_ids": ["billing"]}, "team_ids"),
        ({**ESCALATION_BODY, "move_to_team_id": "billing"}, "move_to_team_id"),
        ({**ESCALATION_BODY, "raise_priority": "maybe"}, "raise_priority"),
        ({**ESCALATION_BODY, "email_to": "boss@example.org"}, "email_to"),
    ],
    ("PATCH", ESCALATION_RULE): [
        ({}, "_schema"),
        ({"on_event": None}, "on_event"),
        ({"position": -1}, "position"),
    ],
    ("POST", "/api/v1/support/escalation-rules/order"): [
        ({"ids": [ESCALATION_RULE_ID, "x"]}, "ids"),
    ],
}
QUERY_CASES = [
    ("/api/v1/support/teams?active=perhaps", "active"),
    ("/api/v1/support/teams?colour=red", "colour"),
    ("/api/v1/support/escalations", "case_id"),
    ("/api/v1/support/agents?team_id=billing", "team_id"),
    ("/api/v1/support/agents?active=sometimes", "active"),
    ("/api/v1/support/escalations?case_id=CASE-000001", "case_id"),
]
MALFORMED = [
    ("GET", "/api/v1/support/teams/billing", None), ("PATCH", "/api/v1/support/teams/1", {"name": "x"}),
    ("POST", "/api/v1/support/teams/billing/members", MEMBER_BODY),
    ("DELETE", f"{TEAM}/members/ann", None), ("GET", "/api/v1/support/routing-rules/1", None),
    ("DELETE", "/api/v1/support/escalation-rules/first", None),
]
SERVICE_ERRORS = [
    ("create_team", DuplicateFound("Team Billing exists.", {"name": ["Taken."]}, existing_id=TEAM_ID), 409),
    ("get_team", NotFound("No team with id x."), 404),
    ("update_team", ValidationFailed("Not a member.", {"lead_id": ["Not a member of the team."]}), 422),
    ("update_team", PreconditionFailed("Changed.", current_version=4), 412),
    ("remove_team_member", Conflict("User leads the team.", {"user_id": ["The team's lead."]}), 409),
    ("create_routing_rule", ValidationFailed("No team.", {"team_id": ["No such team."]}), 422),
    ("reorder_routing_rules", Conflict("Give every rule.", {"ids": ["Missing: x."]}, current_ids=[RULE_ID]), 409),
    ("update_escalation_rule", Conflict("The rule would do nothing.", {"_schema": ["Do something."]}), 409),
    ("delete_escalation_rule", PreconditionFailed("Changed.", current_version=2), 412),
]

# The document -----------------------------------------------------------------------

PATHS = {
    ("/api/v1/support/teams", "get"): ("TeamList", None, "200"),
    ("/api/v1/support/teams", "post"): ("Team", "TeamCreate", "201"),
    ("/api/v1/support/teams/{team_id}", "get"): ("Team", None, "200"),
    ("/api/v1/support/teams/{team_id}", "patch"): ("Team", "TeamUpdate", "200"),
    ("/api/v1/support/teams/{team_id}/members", "post"): ("Team", "TeamMemberBody", "200"),
    ("/api/v1/support/teams/{team_id}/members/{user_id}", "patch"): ("Team", "TeamMemberUpdate", "200"),
    ("/api/v1/support/teams/{team_id}/members/{user_id}", "delete"): ("Team", None, "200"),
    ("/api/v1/support/agents", "get"): ("AgentList", None, "200"),
    ("/api/v1/support/routing-rules", "get"): ("RoutingRuleList", None, "200"),
    ("/api/v1/support/routing-rules", "post"): ("RoutingRule", "RoutingRuleCreate", "201"),
    ("/api/v1/support/routing-rules/order", "post"): ("RoutingRuleList", "RuleOrder", "200"),
    ("/api/v1/support/routing-rules/preview", "post"): ("RoutingPreviewResult", "RoutingPreview", "200"),
    ("/api/v1/support/routing-rules/{rule_id}", "get"): ("RoutingRule", None, "200"),
    ("/api/v1/support/routing-rules/{rule_id}", "patch"): ("RoutingRule", "RoutingRuleUpdate", "200"),
    ("/api/v1/support/escalation-rules", "get"): ("EscalationRuleList", None, "200"),
    ("/api/v1/support/escalation-rules", "post"): ("EscalationRule", "EscalationRuleCreate", "201"),
    ("/api/v1/support/escalation-rules/order", "post"): ("EscalationRuleList", "RuleOrder", "200"),
    ("/api/v1/support/escalation-rules/{rule_id}", "get"): ("EscalationRule", None, "200"),
    ("/api/v1/support/escalation-rules/{rule_id}", "patch"): ("EscalationRule", "EscalationRuleUpdate", "200"),
    ("/api/v1/support/escalations", "get"): ("EscalationList", None, "200"),
}
NO_BODY = {("/api/v1/support/routing-rules/{rule_id}", "delete"),
           ("/api/v1/support/escalation-rules/{rule_id}", "delete")}


class TestSupportAdminRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/support/teams"
    if_match_route = ("PATCH", TEAM, "admin")
    ids = {TEAM_ID: "{team_id}", USER_ID: "{user_id}", RULE_ID: "{rule_id}", ESCALATION_RULE_ID: "{rule_id}"}
    schemas = PATHS
    not_json = NO_BODY

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "support_admin"
