"""Tokens, roles and the one permission table."""

import time
from datetime import timedelta

import pytest

from gateway import users
from gateway.auth import PERMISSIONS
from tests.gateway.conftest import assert_problem, bearer, unique

LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"
PUBLIC_ENDPOINTS = {"health.health", "health.ready", "docs.openapi_document", "docs.docs_page", "docs.docs_init",
                    "docs.docs_asset", "auth.login", "auth.create_session", "web_form.submit_web_form", "console.root",
                    "console.console", "kb.list_public_articles", "kb.read_public_article", "kb.vote_public_article",
                    "surveys.survey_page", "surveys.answer_page", "surveys.get_public_survey",
                    "surveys.answer_public_survey",
                    "help.help_centre", "help.help_article", "help.vote_article",
                    # campaign emails' signed links: unsubscribe (RFC 8058), preferences, double opt-in, tracking
                    "consent.unsubscribe_page", "consent.unsubscribe", "consent.preferences_page",
                    "consent.update_preferences", "consent.confirm_page", "consent.confirm",
                    "campaign_responses.track_open", "campaign_responses.track_click"}


def test_every_route_is_public_or_has_a_permission(app):
    public, protected = set(), set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "crm_public", False):
            public.add(rule.endpoint)
        else:
            assert getattr(view, "crm_permission", None) in PERMISSIONS, rule.endpoint
            protected.add(rule.endpoint)
    assert public == PUBLIC_ENDPOINTS


def test_permission_table():
    assert PERMISSIONS["leads:read"] == {"admin", "sales", "support", "marketing", "finance", "readonly"}
    assert PERMISSIONS["leads:write"] == {"admin", "sales", "marketing"}
    assert PERMISSIONS["leads:admin"] == {"admin"}
    assert PERMISSIONS["users:admin"] == {"admin"}


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer crm_short",
                                    "Bearer crm_" + "A" * 40, "Token crm_" + "A" * 40])
def test_missing_or_bad_token_is_401_with_challenge(client, header, fake_rpc):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/leads", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert fake_rpc.calls == []


def test_expired_revoked_and_deactivated_are_401(client, gdb, app):
    _, expired = gdb.make_user("sales", expires_in=timedelta(seconds=-1))
    assert_problem(client.get("/api/v1/me", headers=bearer(expired)), 401)

    user, token = gdb.make_user("sales")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    gdb.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s", (users.hash_token(token),))
    app.extensions["gateway"].token_cache.clear()  # other processes: within TOKEN_CACHE_SECONDS
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)

    user, token = gdb.make_user("sales")
    gdb.execute("UPDATE users SET active = false WHERE id = %s", (user["id"],))
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_readonly_may_read_but_not_write(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "list_leads")] = {"items": [], "next_cursor": None}
    assert client.get("/api/v1/leads", headers=bearer(tokens["readonly"])).status_code == 200
    body = assert_problem(client.post("/api/v1/leads", json={"last_name": "X"}, headers=bearer(tokens["readonly"])),
                          403)
    assert body["required_permission"] == "leads:write"
    assert fake_rpc.methods() == ["list_leads"]


@pytest.mark.parametrize("role,allowed", [("admin", True), ("sales", False), ("marketing", False),
                                          ("support", False), ("readonly", False)])
def test_rules_need_leads_admin(client, tokens, fake_rpc, role, allowed):
    fake_rpc.answers[("leads", "set_scoring_rules")] = {"rules": []}
    response = client.put("/api/v1/leads/scoring-rules", json={"rules": []}, headers=bearer(tokens[role]))
    if allowed:
        assert response.status_code == 200
    else:
        assert_problem(response, 403)


def test_support_may_not_write_leads(client, tokens):
    assert_problem(client.patch(f"/api/v1/leads/{LEAD_ID}", json={"status": "working"},
                                headers=bearer(tokens["support"])), 403)


def test_me(client, tokens):
    body = client.get("/api/v1/me", headers=bearer(tokens["marketing"])).get_json()
    assert body["role"] == "marketing"
    assert "leads:write" in body["permissions"] and "users:admin" not in body["permissions"]
    assert body["token"]["prefix"] == tokens["marketing"][:8]


def test_login_gives_a_working_token(client, gdb):
    username = unique("login")
    gdb.make_user("sales", username=username, password="correct horse battery")
    response = client.post("/api/v1/auth/login", json={"username": username, "password": "correct horse battery"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert users.looks_like_token(body["token"]) and body["expires_at"]
    me = client.get("/api/v1/me", headers=bearer(body["token"])).get_json()
    assert me["username"] == username and me["token"]["name"] == "login"
    stored = gdb.one("SELECT token_hash, prefix FROM api_tokens WHERE id = %s", (me["token"]["id"],))
    assert stored["token_hash"] == users.hash_token(body["token"]) and body["token"] not in str(stored)


def test_login_failures_are_401_and_alike(client, gdb):
    username = unique("login")
    gdb.make_user("sales", username=username, password="correct horse battery")
    wrong = client.post("/api/v1/auth/login", json={"username": username, "password": "wrong horse battery"})
    nobody = client.post("/api/v1/auth/login", json={"username": unique("nobody"), "password": "whatever12345"})
    assert_problem(wrong, 401)
    assert_problem(nobody, 401)
    assert wrong.get_json()["detail"] == nobody.get_json()["detail"]
    tokenless = unique("apionly")
    gdb.make_user("sales", username=tokenless)
    assert_problem(client.post("/api/v1/auth/login", json={"username": tokenless, "password": "x" * 12}), 401)


def test_login_validates_its_body(client):
    assert_problem(client.post("/api/v1/auth/login", json={"username": "x"}), 422, "password")
    assert_problem(client.post("/api/v1/auth/login", json={"username": "x", "password": "y", "otp": 1}), 422, "otp")


def test_token_lookups_are_cached_briefly(app, gdb, client):
    cache = app.extensions["gateway"].token_cache
    _, token = gdb.make_user("sales")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    principal = cache.get(users.hash_token(token))
    assert principal is not None and principal.role == "sales"
    cache.ttl = 0.01
    cache.put(users.hash_token(token), principal)
    time.sleep(0.05)
    assert cache.get(users.hash_token(token)) is None
