"""Every leads route turns bad input into a clear 4xx problem before
anything is sent to the service (the stand-in RPC pool records no call), so
nothing can be half-written."""

import pytest

from tests.gateway.conftest import assert_problem, bearer

ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"
OTHER = "0b3c8f5e-1111-4c1e-9a55-2f9f5f0d1a22"
SCORING_RULE = {"id": "has-email", "name": "Has email", "field": "email", "operator": "present", "points": 10}
ASSIGNMENT_RULE = {"id": "all", "name": "Everyone", "kind": "round_robin", "owners": ["ann"]}
CSV = b"first_name,last_name,email\nAda,Lovelace,ada@example.com\n"

# method, path, permission, a valid body
ROUTES = [
    ("GET", "/api/v1/leads", "leads:read", None),
    ("POST", "/api/v1/leads", "leads:write", {"last_name": "Lovelace"}),
    ("GET", "/api/v1/leads/counts", "leads:read", None),
    ("GET", f"/api/v1/leads/{ID}", "leads:read", None),
    ("PATCH", f"/api/v1/leads/{ID}", "leads:write", {"status": "working"}),
    ("PUT", f"/api/v1/leads/{ID}/owner", "leads:write", {"owner": "ann"}),
    ("POST", f"/api/v1/leads/{ID}/merge", "leads:write", {"duplicate_id": OTHER}),
    ("POST", f"/api/v1/leads/{ID}/engagements", "leads:write", {"kind": "call"}),
    ("GET", f"/api/v1/leads/{ID}/history", "leads:read", None),
    ("GET", f"/api/v1/leads/{ID}/score", "leads:read", None),
    ("GET", "/api/v1/leads/scoring-rules", "leads:read", None),
    ("PUT", "/api/v1/leads/scoring-rules", "leads:admin", {"rules": [SCORING_RULE]}),
    ("GET", "/api/v1/leads/scoring-rules/changes", "leads:read", None),
    ("GET", "/api/v1/leads/assignment-rules", "leads:read", None),
    ("GET", "/api/v1/leads/assignment-rules/changes", "leads:read", None),
    ("PUT", "/api/v1/leads/assignment-rules", "leads:admin", {"rules": [ASSIGNMENT_RULE]}),
    ("POST", "/api/v1/leads/scoring-rules/preview", "leads:admin", {"rules": [SCORING_RULE]}),
    ("POST", "/api/v1/leads/assignment-rules/preview", "leads:admin", {"rules": [ASSIGNMENT_RULE]}),
    ("POST", "/api/v1/leads/imports", "leads:write", CSV),
    ("GET", f"/api/v1/leads/imports/{ID}", "leads:read", None),
    ("GET", f"/api/v1/leads/imports/{ID}/errors", "leads:read", None),
]
WRITES = [route for route in ROUTES if route[2] != "leads:read"]
ID_ROUTES = [route for route in ROUTES if ID in route[1]]

# path, body, the field the problem must name: missing field, wrong type, unknown field, too long
BODY_CASES = {
    ("POST", "/api/v1/leads"): [
        ({}, "_schema"),
        ({"first_name": "   "}, "_schema"),
        ({"last_name": 5}, "last_name"),
        ({"last_name": "X", "company_size": "many"}, "company_size"),
        ({"last_name": "X", "colour": "red"}, "colour"),
        ({"last_name": "X" * 101}, "last_name"),
        ({"last_name": "X", "notes": "n" * 10_001}, "notes"),
        ({"last_name": "X", "email": "nope"}, "email"),
        ({"last_name": "X", "country": "Germany"}, "country"),
        ({"last_name": "X", "source": "telepathy"}, "source"),
        ({"last_name": "X", "attributes": {str(n): n for n in range(101)}}, "attributes"),
    ],
    ("PATCH", f"/api/v1/leads/{ID}"): [
        ({}, "_schema"),
        ({"company_size": "many"}, "company_size"),
        ({"status": "closed"}, "status"),
        ({"owner": "ann"}, "owner"),  # owner changes go through PUT .../owner
        ({"status_reason": "r" * 501}, "status_reason"),
        ({"version": 3}, "version"),
    ],
    ("PUT", f"/api/v1/leads/{ID}/owner"): [
        ({}, "owner"),
        ({"owner": 5}, "owner"),
        ({"owner": ""}, "owner"),
        ({"owner": "ann", "team": "x"}, "team"),
        ({"owner": "a" * 101}, "owner"),
    ],
    ("POST", f"/api/v1/leads/{ID}/merge"): [
        ({}, "duplicate_id"),
        ({"duplicate_id": 5}, "duplicate_id"),
        ({"duplicate_id": "not-a-uuid"}, "duplicate_id"),
        ({"duplicate_id": OTHER, "keep": "mine"}, "keep"),
        ({"duplicate_id": "a" * 5000}, "duplicate_id"),
    ],
    ("POST", f"/api/v1/leads/{ID}/engagements"): [
        ({}, "kind"),
        ({"kind": 5}, "kind"),
        ({"kind": "call", "at": "now"}, "at"),
        ({"kind": "k" * 51}, "kind"),
    ],
    ("PUT", "/api/v1/leads/scoring-rules"): [
        ({}, "rules"),
        ({"rules": "all"}, "rules"),
        ({"rules": [{**SCORING_RULE, "points": "ten"}]}, "rules"),
        ({"rules": [{k: v for k, v in SCORING_RULE.items() if k != "field"}]}, "rules"),
        ({"rules": [], "mode": "replace"}, "mode"),
        ({"rules": [{**SCORING_RULE, "name": "n" * 201}]}, "rules"),
        ({"rules": [SCORING_RULE] * 501}, "rules"),
    ],
    ("PUT", "/api/v1/leads/assignment-rules"): [
        ({}, "rules"),
        ({"rules": [{**ASSIGNMENT_RULE, "owners": "ann"}]}, "rules"),
        ({"rules": [{**ASSIGNMENT_RULE, "kind": "random"}]}, "rules"),
        ({"rules": [{k: v for k, v in ASSIGNMENT_RULE.items() if k != "owners"}]}, "rules"),
        ({"rules": [], "x": 1}, "x"),
        ({"rules": [{**ASSIGNMENT_RULE, "owners": ["o" * 101]}]}, "rules"),
    ],
    ("POST", "/api/v1/leads/scoring-rules/preview"): [
        ({}, "rules"),
        ({"lead_ids": [ID]}, "rules"),
        ({"rules": [{**SCORING_RULE, "points": "ten"}]}, "rules"),
        ({"rules": [SCORING_RULE], "lead_ids": ["not-a-uuid"]}, "lead_ids"),
        ({"rules": [SCORING_RULE], "lead_ids": ID}, "lead_ids"),
        ({"rules": [SCORING_RULE], "lead_ids": [ID] * 21}, "lead_ids"),
        ({"rules": [SCORING_RULE], "save": True}, "save"),
    ],
    ("POST", "/api/v1/leads/assignment-rules/preview"): [
        ({}, "rules"),
        ({"rules": [{**ASSIGNMENT_RULE, "kind": "random"}]}, "rules"),
        ({"rules": [ASSIGNMENT_RULE], "lead_ids": [5]}, "lead_ids"),
        ({"rules": [ASSIGNMENT_RULE], "lead_ids": [ID] * 21}, "lead_ids"),
        ({"rules": [ASSIGNMENT_RULE], "x": 1}, "x"),
    ],
}
QUERY_CASES = {
    "/api/v1/leads": [
        ("colour=red", "colour"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("status=closed", "status"),
        ("source=new,telepathy", "source"),
        ("q=" + "q" * 201, "q"),
        ("owner=a&owner=b", "owner"),
        ("score_min=101", "score_min"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2024-01-01T00:00:00", "created_from"),  # no time zone
        ("cursor=" + "c" * 2001, "cursor"),
        ("sort=rank", "sort"),
        ("sort=-score&sort=-updated_at", "sort"),
    ],
    "/api/v1/leads/counts": [
        ("limit=5", "limit"),
        ("sort=-score", "sort"),
        ("status=closed", "status"),
        ("colour=red", "colour"),
    ],
    f"/api/v1/leads/{ID}/history": [("limit=abc", "limit"), ("limit=0", "limit"), ("page=2", "page")],
    f"/api/v1/leads/imports/{ID}/errors": [("limit=abc", "limit"), ("sort=row", "sort")],
}


def send(client, method, path, body=None, headers=None, **kwargs):
    headers = dict(headers or {})
    if isinstance(body, bytes):
        headers.setdefault("Content-Type", "text/csv")
        return client.open(path, method=method, data=body, headers=headers, **kwargs)
    if body is None:
        return client.open(path, method=method, headers=headers, **kwargs)
    return client.open(path, method=method, json=body, headers=headers, **kwargs)


@pytest.mark.parametrize("method,path,permission,body", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_no_token_is_401(client, fake_rpc, method, path, permission, body):
    response = send(client, method, path, body)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert fake_rpc.calls == []


@pytest.mark.parametrize("method,path,permission,body", WRITES, ids=[f"{r[0]} {r[1]}" for r in WRITES])
def test_readonly_token_on_a_write_is_403(client, tokens, fake_rpc, method, path, permission, body):
    assert_problem(send(client, method, path, body, bearer(tokens["readonly"])), 403)
    if permission == "leads:admin":
        assert_problem(send(client, method, path, body, bearer(tokens["sales"])), 403)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("method,path,permission,body", ID_ROUTES, ids=[f"{r[0]} {r[1]}" for r in ID_ROUTES])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a1", "'; DROP TABLE"])
def test_malformed_id_is_404(client, tokens, fake_rpc, method, path, permission, body, bad_id):
    response = send(client, method, path.replace(ID, bad_id), body, bearer(tokens["admin"]))
    problem = assert_problem(response, 404)
    assert "UUID" in problem["detail"]
    assert fake_rpc.calls == []


BODY_PARAMS = [(method, path, body, field) for (method, path), cases in BODY_CASES.items() for body, field in cases]


@pytest.mark.parametrize("method,path,body,field", BODY_PARAMS,
                         ids=[f"{m} {p} {f}-{i}" for i, (m, p, _, f) in enumerate(BODY_PARAMS)])
def test_bad_body_is_422_naming_the_field(client, tokens, fake_rpc, method, path, body, field):
    assert_problem(send(client, method, path, body, bearer(tokens["admin"])), 422, field)
    assert fake_rpc.calls == []


JSON_ROUTES = [(m, p) for m, p, _, b in ROUTES if isinstance(b, dict)]


@pytest.mark.parametrize("method,path", JSON_ROUTES, ids=[f"{m} {p}" for m, p in JSON_ROUTES])
def test_malformed_json_and_wrong_type_of_body(client, tokens, fake_rpc, method, path):
    admin = bearer(tokens["admin"])
    assert_problem(client.open(path, method=method, data=b"{not json", headers={
        **admin, "Content-Type": "application/json"}), 400)
    assert_problem(client.open(path, method=method, data=b"owner=ann", headers={
        **admin, "Content-Type": "application/x-www-form-urlencoded"}), 415)
    assert_problem(client.open(path, method=method, data=b"[1, 2]", headers={
        **admin, "Content-Type": "application/json"}), 422)
    assert fake_rpc.calls == []


QUERY_PARAMS = [(path, query, field) for path, cases in QUERY_CASES.items() for query, field in cases]


@pytest.mark.parametrize("path,query,field", QUERY_PARAMS, ids=[f"{p} {q[:30]}" for p, q, _ in QUERY_PARAMS])
def test_bad_query_is_422_naming_the_parameter(client, tokens, fake_rpc, path, query, field):
    assert_problem(client.get(f"{path}?{query}", headers=bearer(tokens["readonly"])), 422, field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path", [f"/api/v1/leads/{ID}/nothing", "/api/v1/leads/imports/x/y/z", "/api/v1/lead"])
def test_unknown_route_is_404(client, tokens, path):
    assert_problem(client.get(path, headers=bearer(tokens["admin"])), 404)


def test_bad_if_match_is_400(client, tokens, fake_rpc):
    response = client.patch(f"/api/v1/leads/{ID}", json={"status": "working"},
                            headers={**bearer(tokens["sales"]), "If-Match": "yesterday"})
    assert_problem(response, 400, "If-Match")
    assert fake_rpc.calls == []


def test_bad_web_form_is_422(client, fake_rpc):
    for body, field in [({"email": "a@example.com"}, "last_name"),
                        ({"last_name": "X"}, "email"),
                        ({"last_name": 5, "email": "a@example.com"}, "last_name"),
                        ({"last_name": "X", "email": "a@example.com", "owner": "me"}, "owner"),
                        ({"last_name": "X", "email": "a@example.com", "message": "m" * 2001}, "message")]:
        assert_problem(client.post("/api/v1/public/web-form", json=body), 422, field)
    response = client.post("/api/v1/public/web-form", data={"last_name": "X", "email": "nope"})
    assert_problem(response, 422, "email")
    response = client.post("/api/v1/public/web-form", data="last_name=X&last_name=Y&email=a@example.com",
                           content_type="application/x-www-form-urlencoded")
    assert_problem(response, 422, "last_name")
    assert_problem(client.post("/api/v1/public/web-form", data="x", content_type="text/plain"), 415)
    assert fake_rpc.calls == []


def test_nul_characters_are_refused(client, tokens, fake_rpc):
    sales = bearer(tokens["sales"])
    assert_problem(client.post("/api/v1/leads", json={"last_name": "A\u0000B"}, headers=sales), 422, "last_name")
    assert_problem(client.post("/api/v1/leads", json={"last_name": "X", "attributes": {"k": "\u0000"}},
                               headers=sales), 422, "attributes")
    assert_problem(client.get("/api/v1/leads?q=%00", headers=sales), 422, "q")
    assert_problem(client.post("/api/v1/public/web-form", data={"last_name": "\x00", "email": "a@example.com"}),
                   422, "last_name")
    assert fake_rpc.calls == []
