"""Users (admin only) and API tokens."""

from gateway import users
from tests.gateway.conftest import assert_problem, bearer, unique


def test_admin_creates_lists_and_changes_users(client, tokens, gdb):
    admin = bearer(tokens["admin"])
    username = unique("new")
    response = client.post("/api/v1/users", json={"username": username, "role": "sales",
                                                  "display_name": "New Person", "password": "a long enough pw"},
                           headers=admin)
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert user["role"] == "sales" and user["has_password"] and "password_hash" not in user
    assert response.headers["Location"] == f"/api/v1/users/{user['id']}"
    assert gdb.scalar("SELECT password_hash FROM users WHERE id = %s", (user["id"],)).startswith("$argon2id$")

    assert client.get(response.headers["Location"], headers=admin).get_json()["username"] == username
    page = client.get("/api/v1/users?limit=500", headers=admin).get_json()
    assert username in [item["username"] for item in page["items"]]

    changed = client.patch(f"/api/v1/users/{user['id']}", json={"role": "marketing", "password": None},
                           headers=admin).get_json()
    assert changed["role"] == "marketing" and changed["has_password"] is False


def test_duplicate_username_is_409(client, tokens):
    username = unique("dup")
    admin = bearer(tokens["admin"])
    assert client.post("/api/v1/users", json={"username": username, "role": "sales"}, headers=admin).status_code == 201
    assert_problem(client.post("/api/v1/users", json={"username": username, "role": "readonly"}, headers=admin),
                   409, "username")


def test_user_input_is_validated(client, tokens):
    admin = bearer(tokens["admin"])
    assert_problem(client.post("/api/v1/users", json={"role": "sales"}, headers=admin), 422, "username")
    assert_problem(client.post("/api/v1/users", json={"username": "Bad Name!", "role": "sales"}, headers=admin),
                   422, "username")
    assert_problem(client.post("/api/v1/users", json={"username": unique(), "role": "god"}, headers=admin),
                   422, "role")
    assert_problem(client.post("/api/v1/users", json={"username": unique(), "role": "sales", "password": "short"},
                               headers=admin), 422, "password")
    assert_problem(client.patch("/api/v1/users/not-a-uuid", json={"role": "sales"}, headers=admin), 404)
    assert_problem(client.patch("/api/v1/users/7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", json={"role": "sales"},
                                headers=admin), 404)
    assert_problem(client.patch("/api/v1/users/7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", json={}, headers=admin),
                   422, "_schema")


def test_only_admins_manage_users(client, tokens):
    for role in ("sales", "support", "marketing", "readonly"):
        assert_problem(client.get("/api/v1/users", headers=bearer(tokens[role])), 403)
        assert_problem(client.post("/api/v1/users", json={"username": unique(), "role": "admin"},
                                   headers=bearer(tokens[role])), 403)


def test_deactivating_a_user_stops_their_tokens_at_once_here(client, tokens, gdb):
    user, token = gdb.make_user("sales")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # now cached
    response = client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=bearer(tokens["admin"]))
    assert response.status_code == 200
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_the_last_admin_stays_admin(client, gdb):
    others = [row["id"] for row in gdb.all("UPDATE users SET active = false WHERE role = 'admin' AND active"
                                             " RETURNING id")]
    try:
        admin, token = gdb.make_user("admin")
        response = client.patch(f"/api/v1/users/{admin['id']}", json={"role": "sales"}, headers=bearer(token))
        assert_problem(response, 409, "role")
        response = client.patch(f"/api/v1/users/{admin['id']}", json={"active": False}, headers=bearer(token))
        assert_problem(response, 409, "active")
        gdb.execute("UPDATE users SET active = false WHERE id = %s", (admin["id"],))
    finally:
        gdb.execute("UPDATE users SET active = true WHERE id = ANY(%s)", (others,))


def test_tokens_for_oneself(client, gdb):
    user, token = gdb.make_user("readonly")
    me = bearer(token)
    response = client.post("/api/v1/tokens", json={"name": "laptop", "expires_in_days": 7}, headers=me)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert users.looks_like_token(created["token"]) and created["prefix"] == created["token"][:8]
    assert created["user_id"] == str(user["id"]) and created["expires_at"]
    assert client.get("/api/v1/me", headers=bearer(created["token"])).status_code == 200

    listed = client.get("/api/v1/tokens", headers=me).get_json()["items"]
    assert {item["name"] for item in listed} == {"tests", "laptop"}
    assert all("token" not in item and "token_hash" not in item for item in listed)

    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=me).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(created["token"])), 401)


def test_tokens_of_others_need_admin(client, tokens, gdb):
    other, other_token = gdb.make_user("sales")
    _, token = gdb.make_user("sales")
    me = bearer(token)
    assert_problem(client.post("/api/v1/tokens", json={"name": "x", "user_id": str(other["id"])}, headers=me), 403)
    assert_problem(client.get(f"/api/v1/tokens?user_id={other['id']}", headers=me), 403)
    other_token_id = client.get("/api/v1/tokens", headers=bearer(other_token)).get_json()["items"][0]["id"]
    assert_problem(client.delete(f"/api/v1/tokens/{other_token_id}", headers=me), 404)

    admin = bearer(tokens["admin"])
    response = client.post("/api/v1/tokens", json={"name": "ci", "user_id": str(other["id"])}, headers=admin)
    assert response.status_code == 201 and response.get_json()["username"] == other["username"]
    listed = client.get(f"/api/v1/tokens?user_id={other['id']}", headers=admin).get_json()["items"]
    assert {item["name"] for item in listed} == {"tests", "ci"}
    assert client.delete(f"/api/v1/tokens/{other_token_id}", headers=admin).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(other_token)), 401)


def test_token_input_is_validated(client, tokens):
    me = bearer(tokens["sales"])
    assert_problem(client.post("/api/v1/tokens", json={}, headers=me), 422, "name")
    assert_problem(client.post("/api/v1/tokens", json={"name": "x", "expires_in_days": 0}, headers=me), 422,
                   "expires_in_days")
    assert_problem(client.post("/api/v1/tokens", json={"name": "x" * 101}, headers=me), 422, "name")
    assert_problem(client.post("/api/v1/tokens", json={"name": "x", "user_id": "nope"}, headers=me), 422, "user_id")
    assert_problem(client.get("/api/v1/tokens?cursor=nope", headers=me), 422, "cursor")
    assert_problem(client.delete("/api/v1/tokens/nope", headers=me), 404)
