"""The web console's browser sessions: an HttpOnly cookie, a CSRF token for
every change, signing out here and everywhere (at once, on every process)."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from gateway import sessions, users
from gateway.app import create_app
from tests.gateway.conftest import FakeRpc, assert_problem, bearer, unique
from tests.gateway.test_rate_limits import away_from_a_window_edge, random_ip
from tests.helpers import gunicorn_gateway

PASSWORD = "correct horse battery"
ENDED = "Your session has ended; sign in again."
CSRF_MISSING = "This request needs the X-CSRF-Token header (the crm_csrf cookie's value); reload the console."
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def set_cookie_headers(response):
    """Set-Cookie headers by cookie name, as the attribute list the browser gets."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name_value, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = name_value.partition("=")
        found[name] = {"value": value, "attributes": {attribute.split("=")[0].lower(): attribute.partition("=")[2]
                                                      for attribute in attributes}}
    return found


class Browser:
    """One browser: a test client with its cookie jar, sending the CSRF
    header the way the console does."""

    def __init__(self, app, cookies=None):
        self.client = app.test_client()
        for name, value in (cookies or {}).items():
            self.client.set_cookie(name, value)

    def cookie(self, name):
        cookie = self.client.get_cookie(name)
        return None if cookie is None else cookie.value

    def cookies(self):
        return {name: self.cookie(name) for name in (sessions.SESSION_COOKIE, sessions.CSRF_COOKIE)
                if self.cookie(name) is not None}

    def sign_in(self, username, password=PASSWORD, headers=None, **kwargs):
        return self.client.post("/api/v1/auth/session", json={"username": username, "password": password},
                                headers={"User-Agent": BROWSER, **(headers or {})}, **kwargs)

    def csrf(self):
        return {"X-CSRF-Token": self.cookie(sessions.CSRF_COOKIE)}

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def change(self, method, path, csrf=True, **kwargs):
        headers = {**(self.csrf() if csrf else {}), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)


@pytest.fixture
def person(gdb):
    """A sales user with a password (user row)."""
    user, _ = gdb.make_user("sales", username=unique("web"), password=PASSWORD)
    return user


@pytest.fixture
def browser(app, person):
    """A browser signed in as ``person``."""
    browser = Browser(app)
    assert browser.sign_in(person["username"]).status_code == 200
    return browser


def api_tokens_of(gdb, user_id):
    return gdb.scalar("SELECT count(*) FROM api_tokens WHERE user_id = %s AND kind = 'api'", (user_id,))


def session_rows(gdb, user_id):
    return gdb.all("SELECT * FROM api_tokens WHERE user_id = %s AND kind = 'session' ORDER BY created_at",
                   (user_id,))


# -- signing in ----------------------------------------------------------------

def test_signing_in_sets_an_httponly_session_cookie_and_a_readable_csrf_cookie(app, person, gdb):
    browser = Browser(app)
    response = browser.sign_in(person["username"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"] == {"id": str(person["id"]), "username": person["username"], "display_name": None,
                            "role": "sales", "permissions": ["accounts:read", "accounts:write", "campaigns:read",
                                                             "cases:read", "leads:read", "leads:write", "orders:read",
                                                             "orders:write", "sales:read", "sales:write", "self"]}
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=12))) < timedelta(minutes=1)

    cookies = set_cookie_headers(response)
    session, csrf = cookies["crm_session"], cookies["crm_csrf"]
    assert "httponly" in session["attributes"] and "httponly" not in csrf["attributes"]
    for cookie in (session, csrf):
        assert cookie["attributes"]["samesite"] == "Lax" and cookie["attributes"]["path"] == "/"
        assert "secure" not in cookie["attributes"]  # plain HTTP, no trusted proxy, SESSION_COOKIE_SECURE off
        assert 12 * 3600 - 60 <= int(cookie["attributes"]["max-age"]) <= 12 * 3600
    assert csrf["value"] == body["csrf_token"] == sessions.csrf_token_for(session["value"])
    assert session["value"] not in response.get_data(as_text=True)  # the session token never reaches a script

    row = session_rows(gdb, person["id"])[-1]
    assert row["token_hash"] == users.hash_token(session["value"]) and row["user_agent"] == BROWSER
    assert row["expires_at"] == expires_at and row["revoked_at"] is None


def test_cookies_are_secure_over_https(app, person, gateway_config):
    over_https = Browser(app).sign_in(person["username"], base_url="https://crm.example.com")
    assert all("secure" in cookie["attributes"] for cookie in set_cookie_headers(over_https).values())
    # X-Forwarded-Proto counts only when the gateway trusts a proxy (TRUSTED_PROXY_HOPS)
    forged = Browser(app).sign_in(person["username"], headers={"X-Forwarded-Proto": "https", "User-Agent": "x"})
    assert not any("secure" in cookie["attributes"] for cookie in set_cookie_headers(forged).values())
    for config in ({"TRUSTED_PROXY_HOPS": 1}, {"SESSION_COOKIE_SECURE": "true"}):
        other = create_app({**gateway_config, **config}, rpc_pool=FakeRpc())
        try:
            response = Browser(other).sign_in(person["username"], headers={"X-Forwarded-Proto": "https",
                                                                            "X-Forwarded-For": "10.0.0.1"})
            assert response.status_code == 200
            assert all("secure" in cookie["attributes"] for cookie in set_cookie_headers(response).values()), config
        finally:
            other.extensions["gateway"].close()


def test_session_hours_sets_the_lifetime(gateway_config, person):
    other = create_app({**gateway_config, "SESSION_HOURS": 2}, rpc_pool=FakeRpc())
    try:
        response = Browser(other).sign_in(person["username"])
        expires_at = datetime.fromisoformat(response.get_json()["expires_at"])
        assert abs(expires_at - (datetime.now(UTC) + timedelta(hours=2))) < timedelta(minutes=1)
        assert int(set_cookie_headers(response)["crm_session"]["attributes"]["max-age"]) <= 2 * 3600
    finally:
        other.extensions["gateway"].close()


def test_signing_in_refuses_what_login_refuses(client, person, gdb):
    wrong = client.post("/api/v1/auth/session", json={"username": person["username"], "password": "wrong" * 3})
    nobody = client.post("/api/v1/auth/session", json={"username": unique("nobody"), "password": PASSWORD})
    login = client.post("/api/v1/auth/login", json={"username": person["username"], "password": "wrong" * 3})
    for response in (wrong, nobody):
        assert_problem(response, 401)
        assert response.get_json()["detail"] == login.get_json()["detail"]
        assert "Set-Cookie" not in response.headers
    assert_problem(client.post("/api/v1/auth/session", json={"username": person["username"]}), 422, "password")
    assert_problem(client.post("/api/v1/auth/session", json={"username": "x", "password": "y", "remember": True}),
                   422, "remember")
    assert_problem(client.post("/api/v1/auth/session", json={"username": "x" * 65, "password": "y"}), 422,
                   "username")
    assert_problem(client.post("/api/v1/auth/session", data="username=x", content_type="text/plain"), 415)
    gdb.execute("UPDATE users SET active = false WHERE id = %s", (person["id"],))
    assert_problem(client.post("/api/v1/auth/session", json={"username": person["username"], "password": PASSWORD}),
                   401)
    assert session_rows(gdb, person["id"]) == []  # nothing half-written


def test_signing_in_shares_the_login_rate_limit(gateway_config, gdb, person):
    away_from_a_window_edge(gdb)
    limited = create_app({**gateway_config, "LOGIN_RATE_LIMIT": 2}, rpc_pool=FakeRpc())
    try:
        client, address = limited.test_client(), {"REMOTE_ADDR": random_ip()}
        assert client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong password"},
                           environ_base=address).status_code == 401
        assert Browser(limited).sign_in(person["username"], environ_base=address).status_code == 200
        response = Browser(limited).sign_in(person["username"], environ_base=address)
        assert_problem(response, 429)
        assert "Retry-After" in response.headers and "Set-Cookie" not in response.headers
    finally:
        limited.extensions["gateway"].close()


def test_signing_in_again_ends_the_browsers_previous_session(app, browser, person, gdb):
    first = browser.cookie("crm_session")
    assert browser.sign_in(person["username"]).status_code == 200
    assert browser.cookie("crm_session") != first
    assert_problem(Browser(app, {"crm_session": first}).get("/api/v1/me"), 401)
    assert browser.get("/api/v1/me").status_code == 200


# -- using the session -------------------------------------------------------------

def test_the_cookie_authenticates_reads_and_the_session_answers(browser, person, fake_rpc):
    me = browser.get("/api/v1/me")
    assert me.status_code == 200, me.get_json()
    assert me.get_json()["username"] == person["username"]
    assert me.get_json()["token"]["name"] == "console session"
    session = browser.get("/api/v1/auth/session")
    assert session.status_code == 200
    assert session.get_json()["csrf_token"] == browser.cookie("crm_csrf")
    assert session.get_json()["user"]["username"] == person["username"]
    fake_rpc.answers[("leads", "list_leads")] = {"items": [], "next_cursor": None}
    assert browser.get("/api/v1/leads").status_code == 200  # a GET needs no CSRF token


@pytest.mark.parametrize("header", [None, "", "wrong", "crm_" + "A" * 40])
def test_a_change_without_the_csrf_token_is_403_and_writes_nothing(browser, person, gdb, fake_rpc, header):
    headers = {} if header is None else {"X-CSRF-Token": header}
    before = api_tokens_of(gdb, person["id"])
    response = browser.change("POST", "/api/v1/tokens", csrf=False, json={"name": "ci"}, headers=headers)
    body = assert_problem(response, 403)
    assert body["detail"] == CSRF_MISSING
    assert api_tokens_of(gdb, person["id"]) == before
    assert_problem(browser.change("POST", "/api/v1/leads", csrf=False, json={"last_name": "X"}, headers=headers), 403)
    assert_problem(browser.change("PATCH", "/api/v1/leads/7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", csrf=False,
                                  json={"status": "working"}, headers=headers), 403)
    assert_problem(browser.change("DELETE", "/api/v1/auth/session", csrf=False, headers=headers), 403)
    assert_problem(browser.change("POST", "/api/v1/auth/sign-out-everywhere", csrf=False, headers=headers), 403)
    assert fake_rpc.calls == []
    assert browser.get("/api/v1/me").status_code == 200  # the session still stands


def test_a_change_with_the_csrf_token_goes_through(browser, person, gdb, fake_rpc):
    before = api_tokens_of(gdb, person["id"])
    response = browser.change("POST", "/api/v1/tokens", json={"name": "ci"})
    assert response.status_code == 201, response.get_json()
    assert api_tokens_of(gdb, person["id"]) == before + 1
    fake_rpc.answers[("leads", "create_lead")] = {"id": "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", "version": 1}
    created = browser.change("POST", "/api/v1/leads", json={"last_name": "Lovelace"})
    assert created.status_code == 201, created.get_json()
    assert fake_rpc.methods() == ["create_lead"]


def test_the_role_still_decides(app, gdb):
    user, _ = gdb.make_user("readonly", username=unique("ro"), password=PASSWORD)
    browser = Browser(app)
    assert browser.sign_in(user["username"]).status_code == 200
    assert browser.get("/api/v1/auth/session").get_json()["user"]["permissions"] == [
        "accounts:read", "campaigns:read", "cases:read", "leads:read", "orders:read", "sales:read", "self"]
    body = assert_problem(browser.change("POST", "/api/v1/leads", json={"last_name": "X"}), 403)
    assert body["required_permission"] == "leads:write"


# -- ending sessions ------------------------------------------------------------------

def test_signing_out_ends_the_session_and_clears_the_cookies(app, browser, person, gdb):
    cookies = browser.cookies()
    response = browser.change("DELETE", "/api/v1/auth/session")
    assert response.status_code == 204
    cleared = set_cookie_headers(response)
    assert set(cleared) == {"crm_session", "crm_csrf"}
    assert all(cookie["value"] == "" and cookie["attributes"]["max-age"] == "0" for cookie in cleared.values())
    assert browser.cookie("crm_session") is None
    assert session_rows(gdb, person["id"])[-1]["revoked_at"] is not None
    # the old cookie, replayed: refused, and cleared again
    for request in (lambda again: again.get("/api/v1/auth/session"), lambda again: again.get("/api/v1/me"),
                    lambda again: again.change("DELETE", "/api/v1/auth/session")):
        again = Browser(app, cookies)
        response = request(again)
        body = assert_problem(response, 401)
        assert body["detail"] == ENDED
        assert "WWW-Authenticate" not in response.headers
        assert set_cookie_headers(response)["crm_session"]["attributes"]["max-age"] == "0"
        assert again.cookies() == {}


def test_an_unknown_or_malformed_cookie_is_a_401_that_says_sign_in_again(app, fake_rpc):
    for value in ("nonsense", "crm_" + "A" * 40):
        response = Browser(app, {"crm_session": value}).get("/api/v1/leads")
        assert assert_problem(response, 401)["detail"] == ENDED
    assert fake_rpc.calls == []


def test_an_expired_session_is_refused(browser, person, gdb):
    assert browser.get("/api/v1/me").status_code == 200
    gdb.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = %s"
                " AND kind = 'session'", (person["id"],))
    assert assert_problem(browser.get("/api/v1/me"), 401)["detail"] == ENDED
    assert browser.cookies() == {}  # cleared: the console shows its sign-in form
    assert "POST /api/v1/auth/login" in assert_problem(browser.get("/api/v1/auth/session"), 401)["detail"]


def test_a_deactivated_users_session_is_refused_at_once(browser, person, client, tokens):
    assert browser.get("/api/v1/me").status_code == 200
    response = client.patch(f"/api/v1/users/{person['id']}", json={"active": False}, headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.get_json()
    assert assert_problem(browser.get("/api/v1/me"), 401)["detail"] == ENDED


@pytest.fixture
def two_processes(gateway_config):
    """Two apps on one database, as two gunicorn workers or two replicas."""
    apps = [create_app(dict(gateway_config), rpc_pool=FakeRpc()) for _ in range(2)]
    yield apps
    for app in apps:
        app.extensions["gateway"].close()


def test_signing_out_everywhere_counts_at_once_on_every_process(two_processes, person, gdb):
    one, two = two_processes
    _, api_token = users.create_token(gdb.conn, person["id"], "script")
    laptop, phone = Browser(one), Browser(two)
    assert laptop.sign_in(person["username"]).status_code == 200
    assert phone.sign_in(person["username"]).status_code == 200
    other_user, _ = gdb.make_user("sales", username=unique("other"), password=PASSWORD)
    other = Browser(one)
    assert other.sign_in(other_user["username"]).status_code == 200
    # each browser's session works on both processes
    as_seen_by = {(name, index): Browser(app, browser.cookies())
                  for name, browser in (("laptop", laptop), ("phone", phone)) for index, app in enumerate((one, two))}
    for seen in as_seen_by.values():
        assert seen.get("/api/v1/me").status_code == 200
    for app in (one, two):
        assert app.test_client().get("/api/v1/me", headers=bearer(api_token)).status_code == 200

    response = laptop.change("POST", "/api/v1/auth/sign-out-everywhere")
    assert response.status_code == 204
    assert set_cookie_headers(response)["crm_session"]["attributes"]["max-age"] == "0"

    for seen in as_seen_by.values():
        assert assert_problem(seen.get("/api/v1/me"), 401)["detail"] == ENDED
    assert all(row["revoked_at"] is not None for row in session_rows(gdb, person["id"]))
    # API tokens and other people's sessions are not touched
    for app in (one, two):
        assert app.test_client().get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    assert other.get("/api/v1/me").status_code == 200


def test_signing_out_everywhere_with_an_api_token(client, browser, person, gdb):
    _, api_token = users.create_token(gdb.conn, person["id"], "script")
    response = client.post("/api/v1/auth/sign-out-everywhere", headers=bearer(api_token))
    assert response.status_code == 204
    assert_problem(browser.get("/api/v1/me"), 401)
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200


def test_sign_out_everywhere_across_two_gunicorn_workers(test_env, gdb, tmp_path):
    user, _ = gdb.make_user("sales", username=unique("gw"), password=PASSWORD)
    with gunicorn_gateway(test_env, tmp_path / "gateway.log", check="/health", timeout=60, GATEWAY_WORKERS=2,
                          LOGIN_RATE_LIMIT=10_000) as (base, _process):
        signed_in = [requests.post(f"{base}/api/v1/auth/session", json={"username": user["username"],
                                                                        "password": PASSWORD}, timeout=30)
                     for _ in range(2)]
        jars = [response.cookies for response in signed_in]
        assert [response.status_code for response in signed_in] == [200, 200]

        def me(jar):  # a new connection each time, so both workers answer
            return requests.get(f"{base}/api/v1/me", cookies=jar, headers={"Connection": "close"},
                                timeout=30).status_code

        assert [me(jar) for jar in jars for _ in range(10)] == [200] * 20
        out = requests.post(f"{base}/api/v1/auth/sign-out-everywhere", cookies=jars[0],
                            headers={"X-CSRF-Token": jars[0]["crm_csrf"], "Connection": "close"}, timeout=30)
        assert out.status_code == 204, out.text
        assert [me(jar) for jar in jars for _ in range(10)] == [401] * 20


# -- sessions and API tokens stay apart -----------------------------------------------

def test_bearer_tokens_work_as_before_and_win_over_the_cookie(app, browser, person, gdb, fake_rpc):
    _, api_token = users.create_token(gdb.conn, person["id"], "script")
    # the header wins: no CSRF token needed, and a bad cookie does not matter
    response = browser.change("POST", "/api/v1/tokens", csrf=False, json={"name": "ci"}, headers=bearer(api_token))
    assert response.status_code == 201, response.get_json()
    stale = Browser(app, {"crm_session": "crm_" + "B" * 40})
    assert stale.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    # a bad bearer token is refused as before, cookie or not
    response = browser.get("/api/v1/me", headers=bearer("crm_" + "C" * 40))
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_is_no_api_token_and_an_api_token_no_session(app, client, browser, person, gdb):
    session_token = browser.cookie("crm_session")
    assert_problem(client.get("/api/v1/me", headers=bearer(session_token)), 401)
    _, api_token = users.create_token(gdb.conn, person["id"], "script")
    assert assert_problem(Browser(app, {"crm_session": api_token}).get("/api/v1/me"), 401)["detail"] == ENDED


def test_token_listing_leaves_sessions_out(client, browser, person, gdb, tokens):
    _, api_token = users.create_token(gdb.conn, person["id"], "script")
    listed = client.get("/api/v1/tokens", headers=bearer(api_token)).get_json()["items"]
    assert [token["name"] for token in listed] == ["script", "tests"]  # "tests": made with the user
    by_admin = client.get("/api/v1/tokens", query_string={"user_id": person["id"]},
                          headers=bearer(tokens["admin"])).get_json()["items"]
    assert [token["name"] for token in by_admin] == ["script", "tests"]
    session_id = browser.get("/api/v1/me").get_json()["token"]["id"]
    assert_problem(client.delete(f"/api/v1/tokens/{session_id}", headers=bearer(tokens["admin"])), 404)
    assert browser.get("/api/v1/me").status_code == 200


def test_a_request_with_an_api_token_has_no_session(client, tokens):
    for response in (client.get("/api/v1/auth/session", headers=bearer(tokens["sales"])),
                     client.delete("/api/v1/auth/session", headers=bearer(tokens["sales"]))):
        body = assert_problem(response, 404)
        assert "POST /api/v1/auth/session" in body["detail"]
    assert_problem(client.get("/api/v1/auth/session"), 401)  # nothing at all


def test_the_browsers_one_is_signed_in_on(app, browser, person, client):
    phone = Browser(app)
    assert phone.sign_in(person["username"]).status_code == 200
    listed = browser.get("/api/v1/auth/sessions")
    assert listed.status_code == 200, listed.get_json()
    items = listed.get_json()["items"]
    assert len(items) == 2 and [item["current"] for item in items] == [False, True]  # newest first
    assert items[0]["user_agent"] == BROWSER and items[1]["id"] == browser.get("/api/v1/me").get_json()["token"]["id"]
    first = browser.get("/api/v1/auth/sessions", query_string={"limit": 1}).get_json()
    second = browser.get("/api/v1/auth/sessions", query_string={"limit": 1, "cursor": first["next_cursor"]})
    assert [item["id"] for item in first["items"] + second.get_json()["items"]] == [item["id"] for item in items]
    assert phone.change("DELETE", "/api/v1/auth/session").status_code == 204
    assert [item["current"] for item in browser.get("/api/v1/auth/sessions").get_json()["items"]] == [True]
    assert_problem(browser.get("/api/v1/auth/sessions", query_string={"cursor": "nope"}), 422, "cursor")
    assert_problem(browser.get("/api/v1/auth/sessions", query_string={"limit": 0}), 422, "limit")
    assert_problem(client.get("/api/v1/auth/sessions"), 401)


# -- the audit trail -------------------------------------------------------------------

def test_sign_ins_and_sign_outs_are_audited_and_use_is_not(app, browser, person, client, tokens, gdb):
    gdb_role = "system:" + gdb.scalar("SELECT session_user")  # the fixtures made the user in SQL
    for _ in range(3):
        assert browser.get("/api/v1/me").status_code == 200
    assert browser.change("DELETE", "/api/v1/auth/session").status_code == 204
    events = client.get("/api/v1/audit", query_string={"user_id": person["id"]},
                        headers=bearer(tokens["admin"])).get_json()["items"]
    assert [(event["action"], event["actor"]) for event in events] == [
        ("session.revoked", person["username"]), ("session.created", person["username"]),
        ("token.created", gdb_role), ("user.created", gdb_role)]
    assert events[1]["changes"]["user_agent"] == BROWSER and events[0]["token_id"] == events[1]["token_id"]
    filtered = client.get("/api/v1/audit", query_string={"action": "session.created", "user_id": person["id"]},
                          headers=bearer(tokens["admin"]))
    assert [event["action"] for event in filtered.get_json()["items"]] == ["session.created"]


def test_the_session_routes_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    sign_in = spec["paths"]["/api/v1/auth/session"]["post"]
    assert sign_in["security"] == [] and {"200", "401", "422", "429"} <= set(sign_in["responses"])
    assert "Set-Cookie" in sign_in["responses"]["200"]["headers"]
    assert spec["paths"]["/api/v1/auth/session"]["get"]["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Session"}}
    assert "204" in spec["paths"]["/api/v1/auth/session"]["delete"]["responses"]
    assert "204" in spec["paths"]["/api/v1/auth/sign-out-everywhere"]["post"]["responses"]
    assert "/api/v1/auth/sessions" in spec["paths"]
    assert spec["components"]["securitySchemes"]["session"]["in"] == "cookie"
