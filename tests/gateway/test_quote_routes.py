"""The quote routes of the gateway: who may use each (401 without a token,
403 for a role without the permission, nothing sent to a service), what
each sends to the service, the documents' bodies and headers, bad input
answered 4xx before a service is asked, and their OpenAPI documentation."""

import base64

import pytest
from openapi_spec_validator import validate

from gateway.auth import PERMISSIONS
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.test_openapi import document

QUOTE_ID = "0f0f0f0f-6666-4c1e-9a55-2f9f5f0d1a77"
REVISION_ID = "0f0f0f0f-7777-4c1e-9a55-2f9f5f0d1a78"
ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
PRODUCT_ID = "4d4d4d4d-aaaa-4c1e-9a55-2f9f5f0d1abb"
ROLES = ("admin", "sales", "support", "marketing", "finance", "readonly")

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "orders:read": set(ROLES),
    "orders:write": {"admin", "sales"},
}

QUOTE_BODY = {"account_id": ACCOUNT_ID, "currency": "eur", "lines": [{"product_id": PRODUCT_ID, "quantity": "2"}]}
QUOTE = f"/api/v1/quotes/{QUOTE_ID}"
PDF_BYTES = b"%PDF-1.3 a quote"

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/quotes", "orders:read", None, ("orders", "list_quotes")),
    ("POST", "/api/v1/quotes", "orders:write", QUOTE_BODY, ("orders", "create_quote")),
    ("GET", QUOTE, "orders:read", None, ("orders", "get_quote")),
    ("PATCH", QUOTE, "orders:write", {"title": "Engines"}, ("orders", "update_quote")),
    ("POST", f"{QUOTE}/send", "orders:write", None, ("orders", "send_quote")),
    ("POST", f"{QUOTE}/accept", "orders:write", None, ("orders", "accept_quote")),
    ("POST", f"{QUOTE}/reject", "orders:write", {"reason": "Too expensive"}, ("orders", "reject_quote")),
    ("POST", f"{QUOTE}/revise", "orders:write", None, ("orders", "revise_quote")),
    ("GET", f"{QUOTE}/revisions", "orders:read", None, ("orders", "quote_revisions")),
    ("GET", f"{QUOTE}/document.html", "orders:read", None, ("orders", "quote_document")),
    ("GET", f"{QUOTE}/document.pdf", "orders:read", None, ("orders", "quote_document")),
]


def route_id(route):
    return f"{route[0]} {route[1]}"


def entity(entity_id, version=1, **fields):
    return {"id": entity_id, "version": version, **fields}


def document_answer(quote_id, format):
    if format == "pdf":
        return {"content_type": "application/pdf", "filename": "Q-000001-r1.pdf",
                "body": base64.b64encode(PDF_BYTES).decode()}
    return {"content_type": "text/html; charset=utf-8", "filename": "Q-000001-r1.html",
            "body": "<!DOCTYPE html><title>Quote Q-000001</title>"}


ANSWERS = {
    ("orders", "list_quotes"): {"items": [], "next_cursor": None},
    ("orders", "create_quote"): entity(QUOTE_ID),
    ("orders", "get_quote"): entity(QUOTE_ID, 2),
    ("orders", "update_quote"): entity(QUOTE_ID, 3),
    ("orders", "send_quote"): entity(QUOTE_ID, 4, status="sent"),
    ("orders", "accept_quote"): entity(QUOTE_ID, 5, status="accepted"),
    ("orders", "reject_quote"): entity(QUOTE_ID, 5, status="rejected"),
    ("orders", "revise_quote"): entity(REVISION_ID, 1, revision=2),
    ("orders", "quote_revisions"): {"items": []},
    ("orders", "quote_document"): document_answer,
}


def send(client, method, path, body=None, headers=None):
    if body is None:
        return client.open(path, method=method, headers=headers or {})
    return client.open(path, method=method, json=body, headers=headers or {})


@pytest.fixture
def answered(fake_rpc):
    fake_rpc.answers.update(ANSWERS)
    return fake_rpc


# Permissions ------------------------------------------------------------------------

def test_the_quote_permissions_are_the_briefs():
    for permission, roles in ALLOWED.items():
        assert PERMISSIONS[permission] == roles, permission


def test_every_quote_route_is_in_the_table(app):
    """A new quotes route must be added to ROUTES."""
    tested = {(method, path) for method, path, *_ in ROUTES}
    adapter = app.url_map.bind("localhost")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] == "quotes"]
    assert rules
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            matches = [path for m, path in tested if m == method and adapter.test(path, method)
                       and adapter.match(path, method)[0] == rule.endpoint]
            assert matches, f"{method} {rule.rule} is not in ROUTES"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_token_is_401(client, fake_rpc, route):
    method, path, _, body, _ = route
    response = send(client, method, path, body)
    assert_problem(response, 401)
    assert fake_rpc.calls == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_each_role_gets_what_its_permission_allows(client, tokens, answered, route, role):
    method, path, permission, body, (service, rpc_method) = route
    response = send(client, method, path, body, bearer(tokens[role]))
    if role in ALLOWED[permission]:
        assert 200 <= response.status_code < 300, (response.status_code, response.get_data(as_text=True))
        assert [(s, m) for s, m, _ in answered.calls] == [(service, rpc_method)]
    else:
        problem = assert_problem(response, 403)
        assert problem["required_permission"] == permission
        assert answered.calls == []


# What is sent and answered ----------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered):
    body = {**QUOTE_BODY, "tax_country": "mt", "valid_until": "2027-01-31", "title": "  Engines  ",
            "lines": [{"product_id": PRODUCT_ID, "quantity": 2.5}, {"name": "Setup", "unit_price": "99.5",
                                                                     "quantity": "1", "discount_percent": "10"}]}
    response = send(client, "POST", "/api/v1/quotes", body, bearer(tokens["sales"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(QUOTE) and response.headers["ETag"] == '"1"'
    [(_, _, (data, actor))] = answered.calls
    assert data == {"account_id": ACCOUNT_ID, "currency": "EUR", "tax_country": "MT", "valid_until": "2027-01-31",
                    "title": "Engines", "lines": [
                        {"product_id": PRODUCT_ID, "quantity": "2.5"},
                        {"name": "Setup", "unit_price": "99.5", "quantity": "1", "discount_percent": "10"}]}
    assert actor.startswith("sales")


def test_moves_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    assert send(client, "PATCH", QUOTE, {"notes": "x"}, {**headers, "If-Match": '"2"'}).headers["ETag"] == '"3"'
    assert send(client, "POST", f"{QUOTE}/send", None, {**headers, "If-Match": '"3"'}).headers["ETag"] == '"4"'
    send(client, "POST", f"{QUOTE}/accept", None, headers)
    send(client, "POST", f"{QUOTE}/reject", {"reason": " No budget "}, {**headers, "If-Match": '"4"'})
    send(client, "POST", f"{QUOTE}/reject", None, headers)
    revised = send(client, "POST", f"{QUOTE}/revise", None, headers)
    actor = answered.calls[0][2][2]
    assert [args for _, _, args in answered.calls] == [
        (QUOTE_ID, {"notes": "x"}, actor, 2),
        (QUOTE_ID, actor, 3),
        (QUOTE_ID, actor, None),
        (QUOTE_ID, "No budget", actor, 4),
        (QUOTE_ID, None, actor, None),
        (QUOTE_ID, actor),
    ]
    assert revised.status_code == 201
    assert revised.headers["Location"].endswith(f"/api/v1/quotes/{REVISION_ID}")


def test_the_documents(client, tokens, answered):
    html = client.get(f"{QUOTE}/document.html", headers=bearer(tokens["readonly"]))
    assert html.status_code == 200
    assert html.mimetype == "text/html" and html.get_data(as_text=True).startswith("<!DOCTYPE html>")
    assert html.headers["Content-Disposition"] == "inline; filename=Q-000001-r1.html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    pdf = client.get(f"{QUOTE}/document.pdf", headers=bearer(tokens["finance"]))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data() == PDF_BYTES
    assert pdf.headers["Content-Disposition"] == "inline; filename=Q-000001-r1.pdf"
    assert [args for _, _, args in answered.calls] == [(QUOTE_ID, "html"), (QUOTE_ID, "pdf")]


@pytest.mark.parametrize("error, status", [
    (NotFound("No quote with id x."), 404),
    (IllegalTransition("Quote Q-000001 revision 1 is draft.", allowed=["sent", "rejected"]), 409),
    (Conflict("Another alternative was accepted already.", existing_id=QUOTE_ID), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
    (ValidationFailed("Past.", {"valid_until": ["In the past."]}), 422),
])
def test_service_errors_become_problems(client, tokens, fake_rpc, error, status):
    fake_rpc.answers[("orders", "accept_quote")] = error
    problem = assert_problem(send(client, "POST", f"{QUOTE}/accept", None, bearer(tokens["sales"])), status)
    if status == 409 and isinstance(error, IllegalTransition):
        assert problem["allowed"] == ["sent", "rejected"]


# Bad input --------------------------------------------------------------------------

def without(body, key):
    return {k: v for k, v in body.items() if k != key}


BODY_CASES = {
    ("POST", "/api/v1/quotes"): [
        ({}, "account_id"),
        (without(QUOTE_BODY, "lines"), "lines"),
        (without(QUOTE_BODY, "currency"), "currency"),
        ({**QUOTE_BODY, "lines": []}, "lines"),
        ({**QUOTE_BODY, "lines": [{"quantity": "1.00001"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "colour": "red"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "unit_price": "-1"}]}, "lines"),
        ({**QUOTE_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "discount_percent": "101"}]},
         "lines"),
        ({**QUOTE_BODY, "account_id": "not-a-uuid"}, "account_id"),
        ({**QUOTE_BODY, "account_id": None}, "account_id"),
        ({**QUOTE_BODY, "currency": "euro"}, "currency"),
        ({**QUOTE_BODY, "tax_country": "Malta"}, "tax_country"),
        ({**QUOTE_BODY, "valid_until": "next week"}, "valid_until"),
        ({**QUOTE_BODY, "opportunity_id": 12}, "opportunity_id"),
        ({**QUOTE_BODY, "title": "t" * 201}, "title"),
        ({**QUOTE_BODY, "terms": "t" * 5001}, "terms"),
        ({**QUOTE_BODY, "status": "sent"}, "status"),
    ],
    ("PATCH", QUOTE): [
        ({}, "_schema"),
        ({"lines": []}, "lines"),
        ({"currency": None}, "currency"),
        ({"account_id": None}, "account_id"),
        ({"status": "accepted"}, "status"),
        ({"valid_until": "2027-02-30"}, "valid_until"),
    ],
    ("POST", f"{QUOTE}/reject"): [
        ({"reason": "r" * 1001}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": "x", "notify": True}, "notify"),
    ],
}
QUERY_CASES = [
    ("/api/v1/quotes?status=open", "status"),
    ("/api/v1/quotes?sort=amount", "sort"),
    ("/api/v1/quotes?account_id=nope", "account_id"),
    ("/api/v1/quotes?opportunity_id=nope", "opportunity_id"),
    ("/api/v1/quotes?limit=0", "limit"),
    ("/api/v1/quotes?cursor=%25%25", "cursor"),
    ("/api/v1/quotes?include_superseded=maybe", "include_superseded"),
    ("/api/v1/quotes?colour=red", "colour"),
]


def body_cases():
    return [(method, path, body, field) for (method, path), cases in BODY_CASES.items() for body, field in cases]


@pytest.mark.parametrize("method, path, body, field", body_cases(),
                         ids=[f"{m} {p} {f}" for m, p, _, f in body_cases()])
def test_bad_bodies_are_422_before_any_service_call(client, tokens, fake_rpc, method, path, body, field):
    response = send(client, method, path, body, bearer(tokens["admin"]))
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path, field", QUERY_CASES)
def test_bad_queries_are_422(client, tokens, fake_rpc, path, field):
    problem = assert_problem(client.get(path, headers=bearer(tokens["readonly"])), 422)
    assert field in problem["errors"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/quotes/Q-000001"), ("PATCH", "/api/v1/quotes/nope"), ("POST", "/api/v1/quotes/1/send"),
    ("POST", "/api/v1/quotes/Q-1/accept"), ("GET", "/api/v1/quotes/Q-1/document.pdf"),
    ("GET", f"{QUOTE}/document.docx"),
])
def test_malformed_ids_and_formats_are_404(client, tokens, fake_rpc, method, path):
    response = send(client, method, path, {"title": "x"} if method == "PATCH" else None, bearer(tokens["admin"]))
    assert_problem(response, 404)
    assert fake_rpc.calls == []


def test_bad_if_match_is_400(client, tokens, fake_rpc):
    response = send(client, "POST", f"{QUOTE}/send", None, {**bearer(tokens["sales"]), "If-Match": "yesterday"})
    assert_problem(response, 400)
    assert fake_rpc.calls == []


def test_not_json_is_refused(client, tokens, fake_rpc):
    response = client.post("/api/v1/quotes", data="account_id=1", headers={
        **bearer(tokens["sales"]), "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (400, 415)
    assert fake_rpc.calls == []


# The document -----------------------------------------------------------------------

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


JSON_PATHS = {
    ("/api/v1/quotes", "get"): ("QuotePage", None, "200"),
    ("/api/v1/quotes", "post"): ("Quote", "QuoteCreate", "201"),
    ("/api/v1/quotes/{quote_id}", "get"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}", "patch"): ("Quote", "QuoteUpdate", "200"),
    ("/api/v1/quotes/{quote_id}/send", "post"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}/accept", "post"): ("Quote", None, "200"),
    ("/api/v1/quotes/{quote_id}/reject", "post"): ("Quote", "QuoteReject", "200"),
    ("/api/v1/quotes/{quote_id}/revise", "post"): ("Quote", None, "201"),
    ("/api/v1/quotes/{quote_id}/revisions", "get"): ("QuoteRevisions", None, "200"),
}


def test_every_route_is_documented_with_the_shared_schemas(client):
    spec = document(client)
    validate(spec)
    assert len(JSON_PATHS) + 2 == len(ROUTES)
    for (path, method), (response, request, status) in JSON_PATHS.items():
        op = spec["paths"][path][method]
        assert op["responses"][status]["content"]["application/json"]["schema"] == ref(response), (path, method)
        if request:
            assert op["requestBody"]["content"]["application/json"]["schema"] == ref(request), (path, method)
        assert {"401", "403", "503"} <= set(op["responses"]), (path, method)
    html = spec["paths"]["/api/v1/quotes/{quote_id}/document.html"]["get"]["responses"]["200"]
    assert "text/html" in html["content"]
    pdf = spec["paths"]["/api/v1/quotes/{quote_id}/document.pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"]["schema"]["format"] == "binary"
