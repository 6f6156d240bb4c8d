"""Owners are users of the suite: wherever a request names an owner, the
gateway refuses (422, naming the field) a username that is no active user,
before any service is asked; the directory lists the users to pick from."""

import uuid

import pytest

from shared.schemas.common import unknown_owner
from tests.gateway.conftest import FakeRpc, assert_problem, bearer, unique

ID = str(uuid.uuid4())
ACCOUNT = str(uuid.uuid4())
RULE = {"id": "all", "name": "Everyone", "kind": "round_robin"}
OPPORTUNITY = {"account_id": ACCOUNT, "name": "Renewal", "currency": "EUR", "expected_close_date": "2026-12-01"}
ACTIVITY = {"kind": "task", "subject": "Call back", "account_id": ACCOUNT}

# (method, path, body without the owner, the RPC the body goes to)
OWNED = [
    ("POST", "/api/v1/leads", {"last_name": "Lovelace"}, "create_lead"),
    ("PUT", f"/api/v1/leads/{ID}/owner", {}, "assign_lead"),
    ("POST", f"/api/v1/leads/{ID}/convert", {}, "convert_lead"),
    ("POST", "/api/v1/accounts", {"name": "Acme"}, "create_account"),
    ("PATCH", f"/api/v1/accounts/{ID}", {}, "update_account"),
    ("POST", "/api/v1/contacts", {"last_name": "Lovelace"}, "create_contact"),
    ("PATCH", f"/api/v1/contacts/{ID}", {}, "update_contact"),
    ("POST", "/api/v1/opportunities", OPPORTUNITY, "create_opportunity"),
    ("PATCH", f"/api/v1/opportunities/{ID}", {}, "update_opportunity"),
    ("POST", "/api/v1/activities", ACTIVITY, "log_activity"),
    ("PATCH", f"/api/v1/activities/{ID}", {}, "update_activity"),
]
# "PUT /api/v1/leads/{id}/owner": the same test ids in every process (pytest-xdist compares them)
OWNED_IDS = [f"{method} {path.replace(ID, '{id}')}" for method, path, _, _ in OWNED]


def answer(*args):
    return {"id": ID, "version": 1, "lead": {"version": 1}}


@pytest.fixture
def admin(tokens):
    return bearer(tokens["admin"])


@pytest.fixture
def inactive(gdb):
    user, _ = gdb.make_user("sales")
    gdb.execute("UPDATE users SET active = false WHERE id = %s", (user["id"],))
    return user["username"]


@pytest.mark.parametrize(("method", "path", "body", "rpc"), OWNED, ids=OWNED_IDS)
def test_an_owner_that_is_no_user_is_refused_before_any_service_is_asked(client, fake_rpc, admin, inactive, method,
                                                                         path, body, rpc):
    for name in ("ghost", inactive, "ANN"):  # no such user; a deactivated one; usernames are lower case
        response = client.open(path, method=method, json={**body, "owner": name}, headers=admin)
        problem = assert_problem(response, 422, "owner")
        assert problem["errors"] == {"owner": [unknown_owner(name)]}
        assert "pick one of the suite's users" in problem["errors"]["owner"][0]
    assert fake_rpc.calls == []


@pytest.mark.parametrize(("method", "path", "body", "rpc"), OWNED, ids=OWNED_IDS)
def test_an_active_user_is_taken_as_owner(client, fake_rpc, admin, method, path, body, rpc):
    fake_rpc.answers[("leads" if "leads" in path else "sales", rpc)] = answer
    response = client.open(path, method=method, json={**body, "owner": "ann"}, headers=admin)
    assert response.status_code in (200, 201), response.get_json()
    assert fake_rpc.methods() == [rpc]


def test_no_owner_or_a_cleared_one_needs_no_user(client, fake_rpc, admin):
    fake_rpc.answers[("sales", "update_account")] = answer
    fake_rpc.answers[("sales", "create_account")] = answer
    assert client.patch(f"/api/v1/accounts/{ID}", json={"owner": None}, headers=admin).status_code == 200
    assert client.post("/api/v1/accounts", json={"name": "Acme"}, headers=admin).status_code == 201
    assert fake_rpc.methods() == ["update_account", "create_account"]


def test_a_conversion_without_an_owner_leaves_the_default_to_sales(client, fake_rpc, admin):
    fake_rpc.answers[("leads", "convert_lead")] = answer
    assert client.post(f"/api/v1/leads/{ID}/convert", headers=admin).status_code == 200
    ((service, method, args),) = fake_rpc.calls
    assert "owner" not in args[1]  # sales makes the converting user (the actor) the owner


def test_every_owner_of_every_assignment_rule_must_be_a_user(client, fake_rpc, admin, inactive):
    rules = [{**RULE, "owners": ["ann", "ghost"]}, {**RULE, "id": "two", "owners": [inactive, "bob", "ghost"]}]
    problem = assert_problem(client.put("/api/v1/leads/assignment-rules", json={"rules": rules}, headers=admin), 422,
                             "rules")
    assert problem["errors"] == {"rules": {"0": {"owners": {"1": [unknown_owner("ghost")]}},
                                           "1": {"owners": {"0": [unknown_owner(inactive)],
                                                            "2": [unknown_owner("ghost")]}}}}
    assert "'ghost'" in problem["detail"] and inactive in problem["detail"]
    assert fake_rpc.calls == []

    fake_rpc.answers[("leads", "set_assignment_rules")] = {"rules": [], "changed_by": None, "changed_at": None}
    ok = client.put("/api/v1/leads/assignment-rules", json={"rules": [{**RULE, "owners": ["ann", "bob"]}]},
                    headers=admin)
    assert ok.status_code == 200 and fake_rpc.methods() == ["set_assignment_rules"]


def test_a_user_deactivated_a_moment_ago_is_refused_at_once(client, fake_rpc, admin, gdb):
    user, _ = gdb.make_user("sales")
    fake_rpc.answers[("sales", "create_account")] = answer
    body = {"name": "Acme", "owner": user["username"]}
    assert client.post("/api/v1/accounts", json=body, headers=admin).status_code == 201
    assert client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=admin).status_code == 200
    assert_problem(client.post("/api/v1/accounts", json=body, headers=admin), 422, "owner")


class RecordingRpc(FakeRpc):
    """A FakeRpc that also keeps the keyword arguments of each call."""

    def __init__(self):
        super().__init__()
        self.keywords = []

    def call(self, service, method, *args, timeout=None, **kwargs):
        self.keywords.append((method, kwargs))
        return super().call(service, method, *args, timeout=timeout, **kwargs)


def test_an_import_is_given_the_active_users_to_check_its_rows_owners(gateway_config, tokens, inactive):
    from gateway.app import create_app

    rpc = RecordingRpc()
    rpc.answers[("leads", "start_import")] = {"id": ID, "status": "receiving"}
    rpc.answers[("leads", "finish_import")] = {"id": ID, "status": "processing"}
    app = create_app(dict(gateway_config), rpc_pool=rpc)
    try:
        response = app.test_client().post("/api/v1/leads/imports", data="last_name,owner\nLovelace,ghost\n",
                                          content_type="text/csv", headers=bearer(tokens["sales"]))
    finally:
        app.extensions["gateway"].close()
    assert response.status_code == 202, response.get_json()
    owners = dict(rpc.keywords)["start_import"]["owners"]
    assert {"ann", "bob"} <= set(owners) and inactive not in owners and "ghost" not in owners
    assert owners == sorted(owners)


# The directory -------------------------------------------------------------------------------------------------

def directory(client, token, **query):
    response = client.get("/api/v1/users/directory", query_string=query, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("role", ["admin", "sales", "support", "marketing", "readonly"])
def test_every_role_reads_the_directory_of_active_users(client, tokens, role, inactive):
    page = directory(client, tokens[role], limit=500)
    names = [item["username"] for item in page["items"]]
    assert {"ann", "bob"} <= set(names) and inactive not in names
    assert names == sorted(names)
    assert set(page["items"][0]) == {"username", "display_name", "role"}


def test_the_directory_filters_and_pages(client, tokens, gdb):
    tag = unique("dir")
    made = sorted(gdb.make_user("sales", username=f"{tag}-{n}")[0]["username"] for n in range(3))
    gdb.execute("UPDATE users SET display_name = 'Grace Hopper' WHERE username = %s", (made[1],))

    first = directory(client, tokens["readonly"], q=tag.upper(), limit=2)
    assert [item["username"] for item in first["items"]] == made[:2] and first["next_cursor"] == made[1]
    rest = directory(client, tokens["readonly"], q=tag, limit=2, cursor=first["next_cursor"])
    assert [item["username"] for item in rest["items"]] == made[2:] and rest["next_cursor"] is None
    by_name = directory(client, tokens["readonly"], q="grace hop")
    assert made[1] in [item["username"] for item in by_name["items"]]
    assert directory(client, tokens["readonly"], q="%")["items"] == []  # taken as text, not a pattern


def test_the_directory_needs_a_token_and_refuses_bad_queries(client, tokens):
    assert_problem(client.get("/api/v1/users/directory"), 401)
    for query in ({"limit": 0}, {"q": "x" * 101}, {"cursor": "not a cursor!"}, {"team": "x"}):
        assert_problem(client.get("/api/v1/users/directory", query_string=query, headers=bearer(tokens["sales"])),
                       422, next(iter(query)))
