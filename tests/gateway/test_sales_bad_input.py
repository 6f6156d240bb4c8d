"""Every sales route turns bad input into a clear 4xx problem before anything
is sent to a service (the stand-in RPC pool records no call): missing fields,
wrong types, unknown fields, too long values, malformed ids and queries."""

import pytest

from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.sales_routes import (
    ACCOUNT_ID,
    ACTIVITY_BODY,
    ACTIVITY_ID,
    CONTACT_ID,
    ID_ROUTES,
    JSON_ROUTES,
    LEAD_ID,
    OPPORTUNITY_BODY,
    OPPORTUNITY_ID,
    OTHER_ID,
    PIPELINE_BODY,
    PIPELINE_CONFIG,
    PIPELINE_ROUTES,
    ROUTES,
    STAGES,
    UUIDS,
    route_id,
    send,
)

RATE = {"currency": "usd", "rate": "0.92"}
ACCOUNT = f"/api/v1/accounts/{ACCOUNT_ID}"
CONTACT = f"/api/v1/contacts/{CONTACT_ID}"
OPPORTUNITY = f"/api/v1/opportunities/{OPPORTUNITY_ID}"
ACTIVITY = f"/api/v1/activities/{ACTIVITY_ID}"


def without(body, key):
    return {k: v for k, v in body.items() if k != key}


def stage(n):
    return {"key": f"s{n}", "name": f"Stage {n}", "probability": 10, "category": "open"}


# (method, path): [(body, the field the problem must name)]
BODY_CASES = {
    ("POST", "/api/v1/accounts"): [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"name": "A" * 201}, "name"),
        ({"name": "Acme", "colour": "red"}, "colour"),
        ({"name": "Acme", "domain": "d" * 256}, "domain"),
        ({"name": "Acme", "type": "client"}, "type"),
        ({"name": "Acme", "country": "Germany"}, "country"),
        ({"name": "Acme", "size": "many"}, "size"),
        ({"name": "Acme", "size": -1}, "size"),
        ({"name": "Acme", "parent_id": "not-a-uuid"}, "parent_id"),
        ({"name": "Acme", "addresses": {"city": "Berlin"}}, "addresses"),
        ({"name": "Acme", "addresses": [{"city": "Berlin", "planet": "Earth"}]}, "addresses"),
        ({"name": "Acme", "addresses": [{"city": "Berlin"}] * 21}, "addresses"),
        ({"name": "Acme", "attributes": {str(n): n for n in range(101)}}, "attributes"),
        ({"name": "Acme", "attributes": ["a"]}, "attributes"),
        ({"name": "Acme", "owner": "o" * 101}, "owner"),
    ],
    ("PATCH", ACCOUNT): [
        ({}, "_schema"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"size": "many"}, "size"),
        ({"parent_id": 5}, "parent_id"),
        ({"version": 3}, "version"),
        ({"merged_into": OTHER_ID}, "merged_into"),
        ({"industry": "i" * 101}, "industry"),
    ],
    ("POST", f"{ACCOUNT}/merge"): [
        ({}, "duplicate_id"),
        ({"duplicate_id": 5}, "duplicate_id"),
        ({"duplicate_id": None}, "duplicate_id"),
        ({"duplicate_id": "not-a-uuid"}, "duplicate_id"),
        ({"duplicate_id": "a" * 5000}, "duplicate_id"),
        ({"duplicate_id": OTHER_ID, "keep": "mine"}, "keep"),
    ],
    ("POST", "/api/v1/contacts"): [
        ({}, "last_name"),
        ({"first_name": "  ", "last_name": None}, "last_name"),
        ({"last_name": 5}, "last_name"),
        ({"last_name": "X" * 101}, "last_name"),
        ({"last_name": "X", "colour": "red"}, "colour"),
        ({"last_name": "X", "emails": "ada@example.com"}, "emails"),
        ({"last_name": "X", "emails": ["not-an-email"]}, "emails"),
        ({"last_name": "X", "emails": [f"a{n}@example.com" for n in range(11)]}, "emails"),
        ({"last_name": "X", "phones": [""]}, "phones"),
        ({"last_name": "X", "phones": ["1" * 41]}, "phones"),
        ({"last_name": "X", "role": "ceo"}, "role"),
        ({"last_name": "X", "do_not_call": "maybe"}, "do_not_call"),
        ({"last_name": "X", "account_id": "not-a-uuid"}, "account_id"),
        ({"last_name": "X", "title": "t" * 201}, "title"),
    ],
    ("PATCH", CONTACT): [
        ({}, "_schema"),
        ({"title": "t" * 201}, "title"),
        ({"emails": [5]}, "emails"),
        ({"do_not_email": "perhaps"}, "do_not_email"),
        ({"id": CONTACT_ID}, "id"),
    ],
    ("POST", "/api/v1/pipelines"): [
        ({}, "id"),
        (without(PIPELINE_BODY, "stages"), "stages"),
        (without(PIPELINE_BODY, "name"), "name"),
        ({**PIPELINE_BODY, "id": "Enterprise Deals"}, "id"),
        ({**PIPELINE_BODY, "id": 5}, "id"),
        ({**PIPELINE_BODY, "id": "e" * 65}, "id"),
        ({**PIPELINE_BODY, "name": "n" * 201}, "name"),
        ({**PIPELINE_BODY, "colour": "red"}, "colour"),
        ({**PIPELINE_BODY, "is_default": "perhaps"}, "is_default"),
        ({**PIPELINE_BODY, "stages": "all"}, "stages"),
        ({**PIPELINE_BODY, "stages": STAGES[:1]}, "stages"),
        ({**PIPELINE_BODY, "stages": STAGES + [STAGES[0]]}, "stages"),
        ({**PIPELINE_BODY, "stages": [{**STAGES[0], "probability": 101}, *STAGES[1:]]}, "stages"),
        ({**PIPELINE_BODY, "stages": [{**STAGES[0], "colour": "red"}, *STAGES[1:]]}, "stages"),
        ({**PIPELINE_BODY, "stages": [{**STAGES[0], "key": "Pro specting"}, *STAGES[1:]]}, "stages"),
        ({**PIPELINE_BODY, "stages": [{**STAGES[0], "next_stages": ["nowhere"]}, *STAGES[1:]]}, "stages"),
        ({**PIPELINE_BODY, "stages": STAGES + [stage(n) for n in range(48)]}, "stages"),
    ],
    ("PUT", "/api/v1/pipelines/default"): [
        ({}, "name"),
        (without(PIPELINE_CONFIG, "stages"), "stages"),
        ({**PIPELINE_CONFIG, "name": 5}, "name"),
        ({**PIPELINE_CONFIG, "id": "other"}, "id"),
        ({**PIPELINE_CONFIG, "stages": [without(STAGES[0], "category"), *STAGES[1:]]}, "stages"),
        ({**PIPELINE_CONFIG, "stages": [{**STAGES[0], "name": "n" * 101}, *STAGES[1:]]}, "stages"),
    ],
    ("POST", "/api/v1/opportunities"): [
        ({}, "account_id"),
        (without(OPPORTUNITY_BODY, "expected_close_date"), "expected_close_date"),
        (without(OPPORTUNITY_BODY, "currency"), "currency"),
        (without(OPPORTUNITY_BODY, "name"), "name"),
        ({**OPPORTUNITY_BODY, "account_id": "not-a-uuid"}, "account_id"),
        ({**OPPORTUNITY_BODY, "amount": "12.345"}, "amount"),
        ({**OPPORTUNITY_BODY, "amount": -1}, "amount"),
        ({**OPPORTUNITY_BODY, "amount": "lots"}, "amount"),
        ({**OPPORTUNITY_BODY, "amount": True}, "amount"),
        ({**OPPORTUNITY_BODY, "amount": "1" * 20}, "amount"),
        ({**OPPORTUNITY_BODY, "currency": "euro"}, "currency"),
        ({**OPPORTUNITY_BODY, "expected_close_date": "next week"}, "expected_close_date"),
        ({**OPPORTUNITY_BODY, "probability": 101}, "probability"),
        ({**OPPORTUNITY_BODY, "stage": "Closed Won"}, "stage"),
        ({**OPPORTUNITY_BODY, "pipeline_id": "../x"}, "pipeline_id"),
        ({**OPPORTUNITY_BODY, "forecast_category": "maybe"}, "forecast_category"),
        ({**OPPORTUNITY_BODY, "name": "n" * 201}, "name"),
        ({**OPPORTUNITY_BODY, "next_step": "n" * 501}, "next_step"),
        ({**OPPORTUNITY_BODY, "colour": "red"}, "colour"),
        ({**OPPORTUNITY_BODY, "lead_id": LEAD_ID}, "lead_id"),
    ],
    ("PATCH", OPPORTUNITY): [
        ({}, "_schema"),
        ({"stage": 5}, "stage"),
        ({"stage": "Won!"}, "stage"),
        ({"pipeline_id": "other"}, "pipeline_id"),
        ({"category": "won"}, "category"),
        ({"loss_reason": "l" * 501}, "loss_reason"),
        ({"amount": "NaN"}, "amount"),
        ({"expected_close_date": None}, "expected_close_date"),
    ],
    ("POST", "/api/v1/activities"): [
        ({}, "kind"),
        (without(ACTIVITY_BODY, "subject"), "subject"),
        ({"kind": "call", "subject": "Intro"}, "_schema"),
        ({**ACTIVITY_BODY, "kind": "email"}, "kind"),
        ({**ACTIVITY_BODY, "subject": "   "}, "subject"),
        ({**ACTIVITY_BODY, "subject": "s" * 301}, "subject"),
        ({**ACTIVITY_BODY, "body": "b" * 20_001}, "body"),
        ({**ACTIVITY_BODY, "due_at": "2026-12-01T10:00:00"}, "due_at"),
        ({**ACTIVITY_BODY, "occurred_at": "yesterday"}, "occurred_at"),
        ({**ACTIVITY_BODY, "contact_id": "not-a-uuid"}, "contact_id"),
        ({**ACTIVITY_BODY, "status": "finished"}, "status"),
        ({**ACTIVITY_BODY, "colour": "red"}, "colour"),
    ],
    ("PATCH", ACTIVITY): [
        ({}, "_schema"),
        ({"kind": "note"}, "kind"),
        ({"status": 5}, "status"),
        ({"account_id": ACCOUNT_ID}, "account_id"),
        ({"owner": "o" * 101}, "owner"),
    ],
    ("PUT", "/api/v1/exchange-rates"): [
        ({}, "rates"),
        ({"rates": "usd"}, "rates"),
        ({"rates": [{"currency": "usd"}]}, "rates"),
        ({"rates": [{**RATE, "rate": "0"}]}, "rates"),
        ({"rates": [{**RATE, "rate": "1.12345678901"}]}, "rates"),
        ({"rates": [{**RATE, "rate": True}]}, "rates"),
        ({"rates": [{**RATE, "currency": "dollar"}]}, "rates"),
        ({"rates": [{**RATE, "valid_from": "soon"}]}, "rates"),
        ({"rates": [{**RATE, "source": "ecb"}]}, "rates"),
        ({"rates": [RATE, RATE]}, "rates"),
        ({"rates": [{**RATE, "currency": f"c{n:02d}"[:3]} for n in range(501)]}, "rates"),
        ({"rates": [], "reporting": "EUR"}, "reporting"),
    ],
    ("POST", f"/api/v1/leads/{LEAD_ID}/convert"): [
        ({"account_id": "not-a-uuid"}, "account_id"),
        ({"create_opportunity": "perhaps"}, "create_opportunity"),
        ({"create_opportunity": False, "opportunity": {"name": "Deal"}}, "opportunity"),
        ({"opportunity": {"amount": "-5"}}, "opportunity"),
        ({"opportunity": {"currency": "euro"}}, "opportunity"),
        ({"opportunity": {"stage": "Won!"}}, "opportunity"),
        ({"opportunity": {"colour": "red"}}, "opportunity"),
        ({"opportunity": {"name": "n" * 201}}, "opportunity"),
        ({"opportunity": "big"}, "opportunity"),
        ({"owner": "o" * 101}, "owner"),
        ({"lead": {"id": LEAD_ID}}, "lead"),
    ],
}

# path: [(query string, the parameter the problem must name)]
QUERY_CASES = {
    "/api/v1/accounts": [
        ("colour=red", "colour"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("type=client", "type"),
        ("type=customer,client", "type"),
        ("q=" + "q" * 201, "q"),
        ("owner=a&owner=b", "owner"),
        ("country=Germany", "country"),
        ("parent_id=not-a-uuid", "parent_id"),
        ("include_merged=maybe", "include_merged"),
        ("cursor=" + "c" * 2001, "cursor"),
    ],
    f"{ACCOUNT}/timeline": [("kind=email", "kind"), ("limit=0", "limit"), ("status=open", "status")],
    "/api/v1/contacts": [
        ("role=ceo", "role"),
        ("account_id=not-a-uuid", "account_id"),
        ("email=" + "e" * 255, "email"),
        ("limit=501", "limit"),
        ("type=customer", "type"),
    ],
    "/api/v1/opportunities": [
        ("stage=Won!", "stage"),
        ("stage=won,Lost!", "stage"),
        ("category=maybe", "category"),
        ("close_from=tomorrow", "close_from"),
        ("close_from=2026-12-01&close_to=2026-11-01", "close_to"),
        ("pipeline_id=Big%20Deals", "pipeline_id"),
        ("pipeline_id=a&pipeline_id=b", "pipeline_id"),
        ("account_id=not-a-uuid", "account_id"),
        ("limit=501", "limit"),
        ("q=" + "q" * 201, "q"),
        ("sort=amount", "sort"),
        ("owner=a&owner=b", "owner"),
    ],
    f"/api/v1/opportunities/{OPPORTUNITY_ID}/history": [("limit=0", "limit"), ("cursor=" + "c" * 2001, "cursor"),
                                                        ("sort=at", "sort")],
    "/api/v1/pipelines/default/board": [
        ("limit_per_stage=201", "limit_per_stage"),
        ("limit_per_stage=-1", "limit_per_stage"),
        ("close_to=someday", "close_to"),
        ("close_from=2026-12-01&close_to=2026-11-01", "close_to"),
        ("owner=" + "o" * 101, "owner"),
        ("owner=ann," + "o" * 101, "owner"),
        ("owner=" + ",".join(["ann"] * 21), "owner"),
        ("cursor=abc", "cursor"),
    ],
    "/api/v1/activities": [
        ("kind=email", "kind"),
        ("kind=call,email", "kind"),
        ("status=finished", "status"),
        ("due_before=2026-12-01T10:00:00", "due_before"),
        ("due_after=tomorrow", "due_after"),
        ("due_after=2026-12-02T00:00:00%2B01:00&due_before=2026-12-01T00:00:00Z", "due_after"),
        ("sort=-due_at", "sort"),
        ("sort=due_at&sort=due_at", "sort"),
        ("lead_id=not-a-uuid", "lead_id"),
        ("limit=abc", "limit"),
    ],
    "/api/v1/forecast": [
        ("", "period"),
        ("owner=ann", "period"),
        ("period=2026-13", "period"),
        ("period=2026-Q5", "period"),
        ("period=Q4", "period"),
        ("period=0000-01", "period"),
        ("period=2026-Q4&period=2026-Q3", "period"),
        ("period=2026-Q4&pipeline_id=Big%20Deals", "pipeline_id"),
        ("period=2026-Q4&owner=" + "o" * 101, "owner"),
        ("period=2026-Q4&colour=red", "colour"),
    ],
}

BODY_PARAMS = [(method, path, body, field) for (method, path), cases in BODY_CASES.items() for body, field in cases]
QUERY_PARAMS = [(path, query, field) for path, cases in QUERY_CASES.items() for query, field in cases]
PATCH_ROUTES = [route for route in ROUTES if route[0] == "PATCH"]
BAD_UUIDS = ["not-a-uuid", "123", "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e6", "'; DROP TABLE"]
BAD_SLUGS = ["Default", "-default", "_x", "d" * 65, "sales%20pipeline", "d%C3%A9faut", "x'%3B--", "%00"]


def test_every_write_route_has_body_cases():
    writes = {(method, path) for method, path, _, body, _ in ROUTES if body is not None}
    assert writes == set(BODY_CASES)


@pytest.mark.parametrize("method,path,body,field", BODY_PARAMS,
                         ids=[f"{m} {p} {f}-{i}" for i, (m, p, _, f) in enumerate(BODY_PARAMS)])
def test_bad_body_is_422_naming_the_field(client, tokens, fake_rpc, method, path, body, field):
    assert_problem(send(client, method, path, body, bearer(tokens["admin"])), 422, field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path,query,field", QUERY_PARAMS, ids=[f"{p} {q[:30]}" for p, q, _ in QUERY_PARAMS])
def test_bad_query_is_422_naming_the_parameter(client, tokens, fake_rpc, path, query, field):
    assert_problem(client.get(f"{path}?{query}", headers=bearer(tokens["admin"])), 422, field)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("route", ID_ROUTES, ids=route_id)
@pytest.mark.parametrize("bad_id", BAD_UUIDS)
def test_malformed_id_is_404(client, tokens, fake_rpc, route, bad_id):
    method, path, _, body, _ = route
    for good in UUIDS:
        path = path.replace(good, bad_id)
    problem = assert_problem(send(client, method, path, body, bearer(tokens["admin"])), 404)
    assert "UUID" in problem["detail"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("route", PIPELINE_ROUTES, ids=route_id)
@pytest.mark.parametrize("bad_id", BAD_SLUGS)
def test_malformed_pipeline_id_is_404(client, tokens, fake_rpc, route, bad_id):
    method, path, _, body, _ = route
    response = send(client, method, path.replace("/pipelines/default", f"/pipelines/{bad_id}"), body,
                    bearer(tokens["admin"]))
    problem = assert_problem(response, 404)
    assert "pipeline id" in problem["detail"] and "'default'" in problem["detail"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("route", JSON_ROUTES, ids=route_id)
def test_malformed_json_and_wrong_type_of_body(client, tokens, fake_rpc, route):
    method, path = route[0], route[1]
    admin = bearer(tokens["admin"])
    json_type = {**admin, "Content-Type": "application/json"}
    assert_problem(client.open(path, method=method, data=b"{not json", headers=json_type), 400, "_body")
    assert_problem(client.open(path, method=method, data=b"name=x", headers={
        **admin, "Content-Type": "application/x-www-form-urlencoded"}), 415, "Content-Type")
    assert_problem(client.open(path, method=method, data=b"[1, 2]", headers=json_type), 422, "_schema")
    assert_problem(client.open(path, method=method, data=b'"text"', headers=json_type), 422, "_schema")
    assert fake_rpc.calls == []


@pytest.mark.parametrize("route", [r for r in JSON_ROUTES if r[3]], ids=route_id)
def test_a_missing_body_is_400(client, tokens, fake_rpc, route):
    method, path = route[0], route[1]
    response = client.open(path, method=method, data=b"", headers={
        **bearer(tokens["admin"]), "Content-Type": "application/json"})
    assert_problem(response, 400, "_body")
    assert fake_rpc.calls == []


@pytest.mark.parametrize("route", PATCH_ROUTES, ids=route_id)
@pytest.mark.parametrize("if_match", ["yesterday", '"-1"', '"1", "2"', '"9999999999"'])
def test_bad_if_match_is_400(client, tokens, fake_rpc, route, if_match):
    method, path, _, body, _ = route
    response = send(client, method, path, body, {**bearer(tokens["admin"]), "If-Match": if_match})
    assert_problem(response, 400, "If-Match")
    assert fake_rpc.calls == []


def test_nul_characters_are_refused(client, tokens, fake_rpc):
    admin = bearer(tokens["admin"])
    assert_problem(client.post("/api/v1/accounts", json={"name": "A\u0000B"}, headers=admin), 422, "name")
    assert_problem(client.patch(CONTACT, json={"attributes": {"k": "\u0000"}}, headers=admin), 422, "attributes")
    assert_problem(client.post("/api/v1/activities", json={**ACTIVITY_BODY, "body": "\u0000"}, headers=admin),
                   422, "body")
    assert_problem(client.get("/api/v1/accounts?q=%00", headers=admin), 422, "q")
    assert_problem(client.get("/api/v1/forecast?period=2026-Q4&owner=%00", headers=admin), 422, "owner")
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path", [f"{ACCOUNT}/nothing", "/api/v1/account", "/api/v1/pipelines/default/board/x",
                                  f"{OPPORTUNITY}/audit", "/api/v1/exchange-rate"])
def test_unknown_route_is_404(client, tokens, fake_rpc, path):
    assert_problem(client.get(path, headers=bearer(tokens["admin"])), 404)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("method,path", [("DELETE", ACCOUNT), ("PUT", CONTACT), ("DELETE", "/api/v1/pipelines/default"),
                                         ("POST", "/api/v1/forecast"), ("PATCH", "/api/v1/exchange-rates"),
                                         ("GET", f"/api/v1/leads/{LEAD_ID}/convert")])
def test_wrong_method_is_405(client, tokens, fake_rpc, method, path):
    assert_problem(client.open(path, method=method, headers=bearer(tokens["admin"])), 405)
    assert fake_rpc.calls == []
