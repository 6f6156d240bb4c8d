"""Saved views: one's own named query strings per list beside the built-in
views everyone has; a query must be one its list takes; names are unique per
person and list; one deletes only one's own."""

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from gateway import saved_views
from tests.gateway.conftest import assert_problem, bearer

LISTS = ("leads", "accounts", "contacts", "opportunities", "activities")


@pytest.fixture
def person(gdb):
    """A user of their own: (user row, bearer header)."""
    user, token = gdb.make_user("sales")
    return user, bearer(token)


def views(client, headers, list_name=None):
    response = client.get("/api/v1/views" + (f"?list={list_name}" if list_name else ""), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def save(client, headers, **body):
    return client.post("/api/v1/views", json={"list": "leads", "name": "Hot in Berlin", "query": "status=new",
                                              **body}, headers=headers)


def test_everyone_has_the_built_in_views_made_for_them(client, person):
    user, headers = person
    leads = views(client, headers, "leads")
    assert all(view["builtin"] and view["list"] == "leads" and view["created_at"] is None for view in leads)
    mine = {view["name"]: view for view in leads}
    assert mine["My leads"] == {"id": "builtin:leads:my-leads", "list": "leads", "name": "My leads",
                                "query": f"owner={user['username']}", "builtin": True, "created_at": None}
    week = parse_qs(mine["New this week"]["query"])
    monday = datetime.fromisoformat(week["created_from"][0])
    assert week["status"] == ["new"] and monday.weekday() == 0 and monday <= datetime.now(UTC)
    opportunities = {view["name"]: parse_qs(view["query"]) for view in views(client, headers, "opportunities")}
    assert opportunities["My open deals"] == {"owner": [user["username"]], "category": ["open"]}
    tasks = {view["name"]: parse_qs(view["query"]) for view in views(client, headers, "activities")}
    assert tasks["My open tasks"] == {"kind": ["task"], "status": ["open"], "owner": [user["username"]]}
    assert {view["list"] for view in views(client, headers)} == set(LISTS)


@pytest.mark.parametrize("list_name", LISTS)
def test_every_built_in_view_opens_its_list(client, person, fake_rpc, list_name):
    _, headers = person
    for view in views(client, headers, list_name):
        saved_views.check_query(list_name, view["query"])
        response = client.get(f"/api/v1/{list_name}?{view['query']}", headers=headers)
        assert response.status_code == 200, (view, response.get_json())
    assert len(fake_rpc.calls) == len(views(client, headers, list_name))


def test_a_saved_view_is_listed_after_the_built_in_ones_and_only_for_its_owner(client, person, gdb):
    user, headers = person
    response = save(client, headers, name="  Hot in Berlin ", query=" ?status=new&status=working&owner=ann ")
    assert response.status_code == 201, response.get_json()
    view = response.get_json()
    assert (view["list"], view["name"], view["query"], view["builtin"]) == \
        ("leads", "Hot in Berlin", "status=new&status=working&owner=ann", False)
    assert response.headers["Location"] == f"/api/v1/views/{view['id']}"
    listed = views(client, headers, "leads")
    assert listed[-1] == view and all(item["builtin"] for item in listed[:-1])
    assert views(client, headers, "accounts")[-1]["builtin"]
    someone_else = bearer(gdb.make_user("sales")[1])
    assert view["id"] not in [item["id"] for item in views(client, someone_else, "leads")]
    assert client.get(f"/api/v1/leads?{view['query']}", headers=headers).status_code == 200
    assert save(client, headers, name="Everything", query="").status_code == 201


def test_a_name_is_unique_per_person_and_list_in_any_letter_case(client, person, gdb):
    _, headers = person
    assert save(client, headers).status_code == 201
    body = assert_problem(save(client, headers, name="HOT IN BERLIN", query="status=working"), 409, "name")
    assert "choose another name" in body["detail"]
    assert save(client, headers, list="accounts", query="").status_code == 201  # another list
    someone_else = bearer(gdb.make_user("sales")[1])
    assert save(client, someone_else).status_code == 201  # another person
    body = assert_problem(save(client, headers, name="my leads"), 409, "name")
    assert "built-in" in body["detail"]
    assert len([view for view in views(client, headers, "leads") if not view["builtin"]]) == 1


@pytest.mark.parametrize(("list_name", "query", "reason"), [
    ("leads", "status=lost", "status"),
    ("leads", "cursor=abc", "cursor: Unknown field."),
    ("leads", "limit=1000", "limit"),
    ("leads", "owner=a&owner=b", "owner: Give this parameter once."),
    ("leads", "colour=red", "colour: Unknown field."),
    ("accounts", "type=friend", "type"),
    ("opportunities", "close_from=2026-02-01&close_to=2026-01-01", "close_to"),
    ("activities", "due_before=tomorrow", "due_before"),
    ("contacts", "account_id=42", "account_id"),
    ("leads", "q=a%00b", "NUL"),
])
def test_a_query_its_list_does_not_take_is_a_422_with_the_reason(client, person, gdb, list_name, query, reason):
    user, headers = person
    body = assert_problem(save(client, headers, list=list_name, query=query), 422, "query")
    assert any(reason in message for message in body["errors"]["query"]), body
    assert f"/api/v1/{list_name}" in body["detail"]
    assert gdb.scalar("SELECT count(*) FROM saved_views WHERE user_id = %s", (user["id"],)) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"list": None}, "list"), ({"list": "cases"}, "list"), ({"name": ""}, "name"), ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"), ({"query": "q=" + "x" * 1999}, "query"), ({"query": 5}, "query"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_a_422_and_nothing_is_saved(client, person, gdb, body, field):
    user, headers = person
    assert_problem(save(client, headers, **body), 422, field)
    assert gdb.scalar("SELECT count(*) FROM saved_views WHERE user_id = %s", (user["id"],)) == 0


def test_a_missing_field_is_named(client, person):
    _, headers = person
    assert_problem(client.post("/api/v1/views", json={"list": "leads"}, headers=headers), 422, "name", "query")
    assert_problem(client.get("/api/v1/views?list=cases", headers=headers), 422, "list")


def test_one_deletes_only_ones_own_views(client, person, gdb):
    _, headers = person
    view = save(client, headers).get_json()
    someone_else = bearer(gdb.make_user("admin")[1])
    assert_problem(client.delete(f"/api/v1/views/{view['id']}", headers=someone_else), 404)
    assert client.delete(f"/api/v1/views/{view['id']}", headers=headers).status_code == 204
    assert view["id"] not in [item["id"] for item in views(client, headers)]
    assert_problem(client.delete(f"/api/v1/views/{view['id']}", headers=headers), 404)
    assert_problem(client.delete("/api/v1/views/builtin:leads:my-leads", headers=headers), 404)


def test_a_person_keeps_a_bounded_number_of_views_per_list(client, person, gdb):
    user, headers = person
    for index in range(saved_views.MAX_PER_LIST):
        gdb.execute("INSERT INTO saved_views (user_id, list, name, query) VALUES (%s, 'leads', %s, '')",
                    (user["id"], f"view {index}"))
    body = assert_problem(save(client, headers), 409, "list")
    assert "delete one first" in body["detail"]
    assert save(client, headers, list="contacts", query="").status_code == 201


def test_a_token_is_needed(client):
    assert_problem(client.get("/api/v1/views"), 401)
    assert_problem(client.post("/api/v1/views", json={"list": "leads", "name": "x", "query": ""}), 401)


def test_a_retried_save_with_its_idempotency_key_saves_once(client, person, gdb):
    user, headers = person
    keyed = {**headers, "Idempotency-Key": f"view-{user['id']}"}
    first, again = save(client, keyed), save(client, keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert gdb.scalar("SELECT count(*) FROM saved_views WHERE user_id = %s", (user["id"],)) == 1
