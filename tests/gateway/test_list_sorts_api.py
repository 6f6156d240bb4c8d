"""The sorts of the lists over HTTP: documented (every value, with what it
means), an unknown one a 422 naming the ones there are, a cursor of another
sort a 422 that says to keep the sort or drop the cursor, the longest
cursors within the documented bound; the counts and exports take what they
did."""

import pytest

from shared.schemas.common import SORTED_CURSOR_MAX
from shared.schemas.leads import LEAD_SORTS
from shared.schemas.sales.accounts import ACCOUNT_SORTS
from shared.schemas.sales.contacts import CONTACT_SORTS
from shared.schemas.sales.opportunities import OPPORTUNITY_SORTS
from tests.gateway.conftest import assert_problem, bearer, unique
from tests.gateway.live_services import created

LISTS = {
    "/api/v1/leads": ("leads:read", LEAD_SORTS, "-created_at"),
    "/api/v1/accounts": ("accounts:read", ACCOUNT_SORTS, "name"),
    "/api/v1/contacts": ("accounts:read", CONTACT_SORTS, "-created_at"),
    "/api/v1/opportunities": ("sales:read", OPPORTUNITY_SORTS, "-created_at"),
}


def parameters(spec, path):
    """The GET's own parameters by name (shared ones are references)."""
    listed = spec["paths"][path]["get"]["parameters"]
    return {parameter["name"]: parameter for parameter in listed if "name" in parameter}


@pytest.mark.parametrize("path", LISTS)
def test_each_sort_is_documented(client, path):
    spec = client.get("/api/v1/openapi.json").get_json()
    _, sorts, default = LISTS[path]
    for documented in (path, f"{path}/export.csv"):
        sort = parameters(spec, documented)["sort"]
        assert set(sort["schema"]["enum"]) == set(sorts), documented
        assert sort["schema"]["default"] == default
        assert all(value.lstrip("-") in sort["description"] for value in sorts)
    cursor = parameters(spec, path)["cursor"]["schema"]
    assert cursor["maxLength"] == SORTED_CURSOR_MAX and cursor["pattern"] == "^[A-Za-z0-9_-]*$"


def test_the_counts_take_no_sort(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "sort" not in parameters(spec, "/api/v1/leads/counts")


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_sort_is_a_422_naming_the_sorts(client, tokens, fake_rpc, path):
    body = assert_problem(client.get(f"{path}?sort=rank", headers=bearer(tokens["admin"])), 422, "sort")
    assert all(value in body["errors"]["sort"][0] for value in LISTS[path][1])
    assert fake_rpc.calls == []


def test_a_cursor_of_another_sort_is_a_422_saying_what_to_do(live_api, tokens):
    rep = bearer(tokens["sales"])
    tag = unique("sorts")
    for name in ("Lovelace", "Hopper", "Turing"):
        created(live_api.post("/api/v1/leads", json={"last_name": f"{name} {tag}", "company": f"Sorts {tag}"},
                              headers=rep))
    by_name = live_api.get(f"/api/v1/leads?q={tag}&sort=name&limit=1", headers=rep).get_json()
    assert by_name["items"][0]["last_name"] == f"Hopper {tag}"

    refused = live_api.get(f"/api/v1/leads?q={tag}&sort=-name&limit=1&cursor={by_name['next_cursor']}",
                           headers=rep)

    body = assert_problem(refused, 422, "cursor")
    assert body["errors"]["cursor"] == ["The cursor belongs to another sort."]
    assert "send it with the sort it came from, or leave it out" in body["detail"]
    following = live_api.get(f"/api/v1/leads?q={tag}&sort=name&limit=1&cursor={by_name['next_cursor']}",
                             headers=rep).get_json()
    assert following["items"][0]["last_name"] == f"Lovelace {tag}"


def test_the_longest_names_page_over_http(live_api, tokens):
    """Contacts whose names are as long as a contact takes, in 4-byte
    characters: their cursors fit the documented bound, and page."""
    rep = bearer(tokens["sales"])
    account = created(live_api.post("/api/v1/accounts", json={"name": f"Long names {unique()}"}, headers=rep))
    made = {created(live_api.post("/api/v1/contacts", json={
        "account_id": account["id"], "first_name": "\U0001f600" * 100, "last_name": "\U0001f601" * 100,
        "emails": [f"long.{index}.{unique()}@example.org"]}, headers=rep))["id"] for index in range(2)}
    seen = []
    for sort in ("name", "-name"):
        page = live_api.get(f"/api/v1/contacts?account_id={account['id']}&sort={sort}&limit=1", headers=rep)
        cursor = page.get_json()["next_cursor"]
        assert len(cursor) <= SORTED_CURSOR_MAX
        following = live_api.get(f"/api/v1/contacts?account_id={account['id']}&sort={sort}&limit=1&cursor={cursor}",
                                 headers=rep)
        assert following.status_code == 200, following.get_json()
        seen.append({page.get_json()["items"][0]["id"], following.get_json()["items"][0]["id"]})
    assert seen == [made, made]
