"""The cases routes of the gateway: who may use each (401 without a token,
403 for a role without the permission, nothing sent to the service), what
each sends to the support service, bad input answered 4xx before the
service is asked, service errors keeping their status, and their OpenAPI
documentation."""

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
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
)

CASE_ID = "6c6c6c6c-1111-4c1e-9a55-2f9f5f0d1a01"
TARGET_ID = "7d7d7d7d-2222-4c1e-9a55-2f9f5f0d1a02"
ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
CONTACT_ID = "8e8e8e8e-3333-4c1e-9a55-2f9f5f0d1a03"
TEAM_ID = "9f9f9f9f-4444-4c1e-9a55-2f9f5f0d1a04"
CASE = f"/api/v1/cases/{CASE_ID}"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "cases:read": set(ROLES),
    "cases:write": {"admin", "support"},
}

CASE_BODY = {"subject": "Printer on fire", "contact_id": CONTACT_ID, "priority": "high", "channel": "phone"}
ROUTES = [
    ("GET", "/api/v1/cases", "cases:read", None, ("support", "list_cases")),
    ("GET", "/api/v1/cases/counts", "cases:read", None, ("support", "count_cases")),
    ("POST", "/api/v1/cases", "cases:write", CASE_BODY, ("support", "create_case")),
    ("GET", CASE, "cases:read", None, ("support", "get_case")),
    ("PATCH", CASE, "cases:write", {"priority": "urgent"}, ("support", "update_case")),
    ("POST", f"{CASE}/status", "cases:write", {"status": "resolved"}, ("support", "change_case_status")),
    ("GET", f"{CASE}/messages", "cases:read", None, ("support", "list_case_messages")),
    ("POST", f"{CASE}/messages", "cases:write", {"kind": "reply", "body": "Hello"}, ("support", "add_case_message")),
    ("POST", f"{CASE}/merge", "cases:write", {"target_id": TARGET_ID}, ("support", "merge_case")),
    ("GET", f"{CASE}/history", "cases:read", None, ("support", "case_history")),
]
MESSAGE = {"id": "1b1b1b1b-5555-4c1e-9a55-2f9f5f0d1a05", "case_id": CASE_ID, "kind": "reply"}
ANSWERS = {
    ("support", "list_cases"): PAGE,
    ("support", "count_cases"): {"by_status": {"new": 1, "open": 2, "pending": 0, "on_hold": 0, "resolved": 0,
                                               "closed": 0}, "total": 3},
    ("support", "create_case"): entity(CASE_ID),
    ("support", "get_case"): entity(CASE_ID, 2),
    ("support", "update_case"): entity(CASE_ID, 3),
    ("support", "change_case_status"): entity(CASE_ID, 4),
    ("support", "list_case_messages"): PAGE,
    ("support", "add_case_message"): MESSAGE,
    ("support", "merge_case"): entity(TARGET_ID, 2),
    ("support", "case_history"): PAGE,
}

answered = answering(ANSWERS)


# What is sent -----------------------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered):
    body = {**CASE_BODY, "subject": "  Printer on fire ", "tags": [" vip "], "contact_email": "Ada@Example.org"}
    response = send(client, "POST", "/api/v1/cases", body, bearer(tokens["support"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(CASE) and response.headers["ETag"] == '"1"'
    [(_, _, (data, actor))] = answered.calls
    assert data == {"subject": "Printer on fire", "contact_id": CONTACT_ID, "priority": "high", "channel": "phone",
                    "tags": ["vip"], "contact_email": "Ada@Example.org"}
    assert actor.startswith("support")


def test_actions_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    assert send(client, "PATCH", CASE, {"team_id": TEAM_ID, "owner_id": None},
                {**headers, "If-Match": '"2"'}).headers["ETag"] == '"3"'
    assert send(client, "POST", f"{CASE}/status", {"status": "pending"},
                {**headers, "If-Match": '"3"'}).headers["ETag"] == '"4"'
    assert send(client, "POST", f"{CASE}/status", {"status": "open"}, headers).status_code == 200
    response = send(client, "POST", f"{CASE}/messages", {"kind": "note", "body": " Called them "}, headers)
    assert response.status_code == 201 and response.get_json() == MESSAGE
    assert send(client, "POST", f"{CASE}/merge", {"target_id": TARGET_ID}, headers).headers["ETag"] == '"2"'
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (CASE_ID, {"team_id": TEAM_ID, "owner_id": None}, actor, 2),
        (CASE_ID, "pending", actor, 3),
        (CASE_ID, "open", actor, None),
        (CASE_ID, {"kind": "note", "body": "Called them"}, actor),
        (CASE_ID, {"target_id": TARGET_ID}, actor),
    ]


def test_reads_send_their_queries(client, tokens, answered):
    headers = bearer(tokens["sales"])
    response = client.get(f"/api/v1/cases?account_id={ACCOUNT_ID}&status=new,open&sort=due&sla=breached",
                          headers=headers)
    assert response.status_code == 200
    client.get(f"/api/v1/cases/counts?account_id={ACCOUNT_ID}", headers=headers)
    client.get(f"{CASE}/messages?kind=reply&limit=10", headers=headers)
    client.get(f"{CASE}/history?limit=5", headers=headers)
    response = client.get(CASE, headers=headers)
    assert response.headers["ETag"] == '"2"'
    queries = [args for _, _, args in answered.calls]

    def given(query):
        return {key: value for key, value in query.items() if value is not None and value is not False}

    assert given(queries[0][0]) == {"account_id": ACCOUNT_ID, "status": ["new", "open"], "sort": "due",
                                    "sla": "breached", "limit": 50}
    assert given(queries[1][0]) == {"account_id": ACCOUNT_ID}
    assert queries[2][0] == CASE_ID and given(queries[2][1]) == {"kind": ["reply"], "limit": 10}
    assert queries[3][0] == CASE_ID and given(queries[3][1]) == {"limit": 5}
    assert queries[4] == (CASE_ID,)


def test_a_stale_if_match_is_412(client, tokens, fake_rpc):
    fake_rpc.answers[("support", "update_case")] = PreconditionFailed("Changed.", current_version=5)
    response = send(client, "PATCH", CASE, {"priority": "low"}, {**bearer(tokens["support"]), "If-Match": '"4"'})
    assert assert_problem(response, 412)["current_version"] == 5


# Bad input --------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/cases"): [
        ({}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "s" * 301}, "subject"),
        ({**CASE_BODY, "priority": "asap"}, "priority"),
        ({**CASE_BODY, "type": "rant"}, "type"),
        ({**CASE_BODY, "channel": "fax"}, "channel"),
        ({**CASE_BODY, "status": "open"}, "status"),
        ({**CASE_BODY, "contact_id": "nope"}, "contact_id"),
        ({**CASE_BODY, "account_id": 12}, "account_id"),
        ({**CASE_BODY, "owner_id": "ann"}, "owner_id"),
        ({**CASE_BODY, "team_id": "team-1"}, "team_id"),
        ({**CASE_BODY, "tags": "vip"}, "tags"),
        ({**CASE_BODY, "tags": ["t" * 51]}, "tags"),
        ({**CASE_BODY, "tags": ["t"] * 21}, "tags"),
        ({**CASE_BODY, "contact_email": "not an address"}, "contact_email"),
        ({**CASE_BODY, "description": "d" * 100_001}, "description"),
        ({**CASE_BODY, "number": "CASE-000001"}, "number"),
    ],
    ("PATCH", CASE): [
        ({}, "_schema"),
        ({"subject": ""}, "subject"),
        ({"subject": None}, "subject"),
        ({"priority": "asap"}, "priority"),
        ({"status": "closed"}, "status"),
        ({"channel": "email"}, "channel"),
        ({"owner_id": 5}, "owner_id"),
    ],
    ("POST", f"{CASE}/status"): [
        ({}, "status"),
        ({"status": "done"}, "status"),
        ({"status": "open", "reason": "x"}, "reason"),
    ],
    ("POST", f"{CASE}/messages"): [
        ({}, "kind"),
        ({"kind": "customer", "body": "x"}, "kind"),
        ({"kind": "reply"}, "body"),
        ({"kind": "note", "body": "   "}, "body"),
        ({"kind": "note", "body": "b" * 100_001}, "body"),
        ({"kind": "note", "body": "x", "author": "me"}, "author"),
    ],
    ("POST", f"{CASE}/merge"): [
        ({}, "target_id"),
        ({"target_id": "CASE-000001"}, "target_id"),
        ({"target_id": TARGET_ID, "note": "dup"}, "note"),
    ],
}
QUERY_CASES = [
    ("/api/v1/cases?status=lost", "status"),
    ("/api/v1/cases?priority=asap", "priority"),
    ("/api/v1/cases?sort=price", "sort"),
    ("/api/v1/cases?sla=late", "sla"),
    ("/api/v1/cases?account_id=nope", "account_id"),
    ("/api/v1/cases?owner_id=ann", "owner_id"),
    ("/api/v1/cases?limit=0", "limit"),
    ("/api/v1/cases?limit=501", "limit"),
    ("/api/v1/cases?cursor=%25%25", "cursor"),
    ("/api/v1/cases?colour=red", "colour"),
    ("/api/v1/cases?q=" + "q" * 201, "q"),
    ("/api/v1/cases/counts?status=new", "status"),
    ("/api/v1/cases/counts?sort=due", "sort"),
    ("/api/v1/cases/counts?limit=10", "limit"),
    (f"{CASE}/messages?kind=email", "kind"),
    (f"{CASE}/messages?limit=-1", "limit"),
    (f"{CASE}/history?cursor=%25", "cursor"),
]
MALFORMED = [
    ("GET", "/api/v1/cases/CASE-000001", None), ("PATCH", "/api/v1/cases/nope", {"priority": "low"}),
    ("POST", "/api/v1/cases/1/status", {"status": "open"}), ("GET", "/api/v1/cases/x/messages", None),
    ("POST", "/api/v1/cases/x/messages", {"kind": "note", "body": "x"}),
    ("POST", "/api/v1/cases/x/merge", {"target_id": TARGET_ID}), ("GET", "/api/v1/cases/x/history", None),
]
SERVICE_ERRORS = [
    *[("change_case_status", error, status) for error, status in [
        (NotFound("No case with id x."), 404),
        (IllegalTransition("Case CASE-000001 is closed.", current="closed", target="open", allowed=[]), 409),
        (PreconditionFailed("Changed.", current_version=4), 412),
    ]],
    ("create_case", ValidationFailed("Merged.", {"account_id": ["Merged into account y."]}, merged_into="y"), 422),
    ("add_case_message", Conflict("Case CASE-000001 is closed.", current="closed"), 409),
    ("merge_case", Conflict("Merged already.", merged_into=TARGET_ID), 409),
]


# The document -----------------------------------------------------------------------

PATHS = {
    ("/api/v1/cases", "get"): ("CasePage", None, "200"),
    ("/api/v1/cases/counts", "get"): ("CaseCounts", None, "200"),
    ("/api/v1/cases", "post"): ("CaseDetail", "CaseCreate", "201"),
    ("/api/v1/cases/{case_id}", "get"): ("CaseDetail", None, "200"),
    ("/api/v1/cases/{case_id}", "patch"): ("CaseDetail", "CaseUpdate", "200"),
    ("/api/v1/cases/{case_id}/status", "post"): ("CaseDetail", "CaseStatus", "200"),
    ("/api/v1/cases/{case_id}/messages", "get"): ("CaseMessagePage", None, "200"),
    ("/api/v1/cases/{case_id}/messages", "post"): ("CaseMessage", "CaseMessageCreate", "201"),
    ("/api/v1/cases/{case_id}/merge", "post"): ("CaseDetail", "CaseMerge", "200"),
    ("/api/v1/cases/{case_id}/history", "get"): ("CaseHistoryPage", None, "200"),
}


class TestCaseRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/cases"
    if_match_route = ("PATCH", CASE, "support")
    ids = {CASE_ID: "{case_id}"}
    schemas = PATHS

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] == "cases"
