"""Safe administration: an admin cannot lock themselves out, and every change
of users, roles and tokens is in the audit trail with who made it and when."""

import pytest

from gateway import users
from tests.gateway.conftest import assert_problem, bearer, unique


def audit(client, admin, **query):
    response = client.get("/api/v1/audit", query_string=query, headers=admin)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.fixture
def admin(gdb):
    """A second admin (user row, bearer header), so that no test relies on being the last one."""
    user, token = gdb.make_user("admin")
    return user, bearer(token)


def test_an_admin_cannot_deactivate_themselves(client, admin, gdb):
    user, me = admin
    body = assert_problem(client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=me), 409,
                          "active")
    assert "deactivate yourself" in body["detail"] and "another admin" in body["detail"]
    assert gdb.scalar("SELECT active FROM users WHERE id = %s", (user["id"],)) is True
    assert client.get("/api/v1/me", headers=me).status_code == 200


def test_an_admin_cannot_demote_themselves(client, admin, gdb):
    user, me = admin
    body = assert_problem(client.patch(f"/api/v1/users/{user['id']}", json={"role": "sales", "display_name": "X"},
                                       headers=me), 409, "role")
    assert "admin role" in body["detail"] and "another admin" in body["detail"]
    row = gdb.one("SELECT role, display_name FROM users WHERE id = %s", (user["id"],))
    assert (row["role"], row["display_name"]) == ("admin", None)  # nothing half-written


def test_an_admin_still_changes_their_own_name_and_password(client, admin):
    user, me = admin
    response = client.patch(f"/api/v1/users/{user['id']}", json={"display_name": "Me", "role": "admin",
                                                                 "active": True, "password": "a long enough pw"},
                            headers=me)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["display_name"] == "Me" and response.get_json()["has_password"]


def test_another_admin_may_demote_and_deactivate_an_admin(client, admin, gdb, tokens):
    user, _ = admin
    other = bearer(tokens["admin"])
    response = client.patch(f"/api/v1/users/{user['id']}", json={"role": "sales", "active": False}, headers=other)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["role"], response.get_json()["active"]) == ("sales", False)


def test_user_changes_are_recorded_with_their_actor(client, admin):
    _, me = admin
    actor = client.get("/api/v1/me", headers=me).get_json()["username"]
    created = client.post("/api/v1/users", json={"username": unique("aud"), "role": "sales", "password":
                                                 "a long enough pw"}, headers=me).get_json()
    client.patch(f"/api/v1/users/{created['id']}", json={"role": "marketing", "password": None}, headers=me)
    client.patch(f"/api/v1/users/{created['id']}", json={"active": False, "display_name": "Gone"}, headers=me)

    events = audit(client, me, user_id=created["id"])
    assert [event["action"] for event in events] == ["user.updated", "user.updated", "user.created"]  # newest first
    assert {event["actor"] for event in events} == {actor}
    assert all(event["username"] == created["username"] and event["user_id"] == created["id"] for event in events)
    deactivated, demoted, made = events
    assert made["changes"] == {"username": created["username"], "role": "sales", "active": True,
                               "display_name": None, "password": "set"}
    assert demoted["changes"] == {"role": ["sales", "marketing"], "password": "removed"}
    assert deactivated["changes"] == {"active": [True, False], "display_name": [None, "Gone"]}
    assert made["occurred_at"] <= demoted["occurred_at"] <= deactivated["occurred_at"]
    assert "argon2" not in str(events)


def test_token_changes_are_recorded_with_their_actor(client, admin, gdb):
    _, me = admin
    actor = client.get("/api/v1/me", headers=me).get_json()["username"]
    owner, owner_token = gdb.make_user("readonly")
    made = client.post("/api/v1/tokens", json={"name": "ci", "user_id": str(owner["id"])}, headers=me).get_json()
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=me).status_code == 204
    own = client.post("/api/v1/tokens", json={"name": "laptop"}, headers=bearer(owner_token)).get_json()

    events = audit(client, me, user_id=owner["id"], action="token.created,token.revoked")
    assert [(event["action"], event["actor"], event["token_id"]) for event in events] == [
        ("token.created", owner["username"], own["id"]),
        ("token.revoked", actor, made["id"]),
        ("token.created", actor, made["id"]),
        ("token.created", "system:postgres", events[-1]["token_id"]),  # made by the test fixture, in SQL
    ]
    assert events[2]["changes"]["name"] == "ci" and events[2]["changes"]["prefix"] == made["prefix"]
    assert "token_hash" not in str(events) and made["token"] not in str(events)


def test_logins_are_recorded_as_the_user_themselves(client, admin, gdb):
    _, me = admin
    user, _ = gdb.make_user("sales", password="a long enough pw")
    assert client.post("/api/v1/auth/login", json={"username": user["username"],
                                                   "password": "a long enough pw"}).status_code == 200
    newest = audit(client, me, user_id=user["id"], limit=1)[0]
    assert (newest["action"], newest["actor"], newest["actor_id"]) == ("token.created", user["username"],
                                                                      str(user["id"]))
    assert newest["changes"]["name"] == "login"


def test_changes_made_outside_the_api_are_recorded_too(client, admin, gdb):
    _, me = admin
    user, _ = gdb.make_user("support")
    gdb.execute("UPDATE users SET role = 'marketing' WHERE id = %s", (user["id"],))
    gdb.execute("UPDATE api_tokens SET last_used_at = now() WHERE user_id = %s", (user["id"],))  # use: no change
    events = audit(client, me, user_id=user["id"])
    assert [(event["action"], event["actor"], event["actor_id"]) for event in events] == [
        ("user.updated", "system:postgres", None), ("token.created", "system:postgres", None),
        ("user.created", "system:postgres", None)]
    assert events[0]["changes"] == {"role": ["support", "marketing"]}


def test_the_trail_filters_by_actor_and_pages_newest_first(client, admin, gdb):
    _, me = admin
    actor = client.get("/api/v1/me", headers=me).get_json()["username"]
    made = [client.post("/api/v1/users", json={"username": unique("page"), "role": "readonly"}, headers=me)
            .get_json()["id"] for _ in range(3)]
    first = client.get("/api/v1/audit", query_string={"actor": actor, "limit": 2}, headers=me).get_json()
    second = client.get("/api/v1/audit", query_string={"actor": actor, "limit": 2, "cursor": first["next_cursor"]},
                        headers=me).get_json()
    assert [event["user_id"] for event in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None
    ids = [event["id"] for event in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)


def test_only_admins_read_the_trail_and_bad_filters_say_what_to_fix(client, tokens):
    for role in ("sales", "support", "marketing", "readonly"):
        assert_problem(client.get("/api/v1/audit", headers=bearer(tokens[role])), 403)
    assert_problem(client.get("/api/v1/audit"), 401)
    admin = bearer(tokens["admin"])
    assert_problem(client.get("/api/v1/audit?action=user.renamed", headers=admin), 422, "action")
    assert_problem(client.get("/api/v1/audit?user_id=nope", headers=admin), 422, "user_id")
    assert_problem(client.get("/api/v1/audit?cursor=nope", headers=admin), 422, "cursor")
    assert_problem(client.get("/api/v1/audit?limit=0", headers=admin), 422, "limit")
    assert_problem(client.get("/api/v1/audit?color=red", headers=admin), 422, "color")


def test_the_trail_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/audit"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AuditPage"}
    assert {"user_id", "actor", "action", "cursor", "limit"} <= {p.get("name") for p in operation["parameters"]}
    assert "409" in spec["paths"]["/api/v1/users/{user_id}"]["patch"]["responses"]


def test_the_audit_functions_name_the_actor(gdb):
    """``acting_as`` names the author of a transaction's changes; without it the system is."""
    with gdb.conn.transaction():
        users.acting_as(gdb.conn, users.Actor("7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", "someone"))
        user = users.create_user(gdb.conn, unique("fn"), "readonly")
    row = gdb.one("SELECT actor, actor_id FROM audit_events WHERE user_id = %s", (user["id"],))
    assert (row["actor"], str(row["actor_id"])) == ("someone", "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11")
    assert gdb.scalar("SELECT current_setting('crm.actor', true)") in (None, "")  # it ended with the transaction
