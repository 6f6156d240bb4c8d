"""GET /api/v1/search: the gateway asks the leads and sales services side by
side, each for the kinds the caller's role may read, and refuses what it
cannot search for before asking anyone; then the whole path through the real
services."""

import threading

import pytest

from gateway.rpc import RpcUnavailable
from tests.gateway.conftest import assert_problem, bearer, unique
from tests.gateway.live_services import created

LEAD_HIT = {"id": "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11", "kind": "leads", "title": "Ada Lovelace",
            "subtitle": "Engines · ada@example.com · new", "matched": "name"}
ACCOUNT_HIT = {"id": "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61", "kind": "accounts", "title": "Ada Engines",
               "subtitle": "ada.example.com · customer · GB", "matched": "name"}


def answer(fake_rpc):
    fake_rpc.answers[("leads", "search")] = lambda q, limit: {"leads": [LEAD_HIT]}
    fake_rpc.answers[("sales", "search")] = lambda q, limit, kinds: {
        kind: [ACCOUNT_HIT] if kind == "accounts" else [] for kind in kinds}


@pytest.mark.parametrize(("role", "kinds"), [
    ("admin", ["leads", "accounts", "contacts", "opportunities"]),
    ("sales", ["leads", "accounts", "contacts", "opportunities"]),
    ("readonly", ["leads", "accounts", "contacts", "opportunities"]),
    ("support", ["leads", "accounts", "contacts"]),
    ("marketing", ["leads", "accounts", "contacts"]),
])
def test_each_kind_is_searched_only_when_the_role_may_read_it(client, tokens, fake_rpc, role, kinds):
    answer(fake_rpc)
    response = client.get("/api/v1/search?q=%20%20Ada%20&limit=7", headers=bearer(tokens[role]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["q"] == "Ada" and body["unavailable"] == []
    assert list(body["results"]) == kinds
    assert body["results"]["leads"] == [LEAD_HIT] and body["results"]["accounts"] == [ACCOUNT_HIT]
    sales_kinds = [kind for kind in kinds if kind != "leads"]
    assert sorted(fake_rpc.calls) == [("leads", "search", ("Ada", 7)), ("sales", "search", ("Ada", 7, sales_kinds))]


def test_the_limit_defaults_to_5(client, tokens, fake_rpc):
    answer(fake_rpc)
    assert client.get("/api/v1/search?q=ad", headers=bearer(tokens["sales"])).status_code == 200
    assert ("leads", "search", ("ad", 5)) in fake_rpc.calls


def test_the_services_are_asked_at_the_same_time(client, tokens, fake_rpc):
    both = threading.Barrier(2, timeout=5)  # each answer waits until the other service is being asked too

    def meet(*args):
        both.wait()
        return {}

    fake_rpc.answers[("leads", "search")] = meet
    fake_rpc.answers[("sales", "search")] = meet
    response = client.get("/api/v1/search?q=ada", headers=bearer(tokens["sales"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"] == {"leads": [], "accounts": [], "contacts": [], "opportunities": []}


def test_a_service_that_does_not_answer_is_named_and_the_other_still_answers(client, tokens, fake_rpc):
    answer(fake_rpc)
    fake_rpc.answers[("sales", "search")] = RpcUnavailable("The service did not answer in time.")
    body = client.get("/api/v1/search?q=ada", headers=bearer(tokens["sales"])).get_json()
    assert body["results"] == {"leads": [LEAD_HIT]}
    assert body["unavailable"] == ["accounts", "contacts", "opportunities"]
    fake_rpc.answers[("leads", "search")] = RpcUnavailable("The broker cannot be reached.")
    response = client.get("/api/v1/search?q=ada", headers=bearer(tokens["sales"]))
    assert_problem(response, 503)
    assert response.headers["Retry-After"]


@pytest.mark.parametrize(("query", "field"), [
    ("", "q"), ("?q=a", "q"), ("?q=%20a%20", "q"), ("?q=" + "x" * 201, "q"), ("?q=ada&limit=0", "limit"),
    ("?q=ada&limit=21", "limit"), ("?q=ada&limit=2.5", "limit"), ("?q=ada&limit=five", "limit"),
    ("?q=ada&q=bob", "q"), ("?q=ada&kinds=leads", "kinds"), ("?q=a%00b", "q"),
])
def test_bad_input_is_a_422_naming_the_field_and_no_service_is_asked(client, tokens, fake_rpc, query, field):
    body = assert_problem(client.get(f"/api/v1/search{query}", headers=bearer(tokens["sales"])), 422, field)
    assert fake_rpc.calls == []
    if query == "?q=a":
        assert body["errors"]["q"] == ["Type at least 2 characters to search for."]


def test_unicode_spaces_do_not_count(client, tokens, fake_rpc):
    response = client.get("/api/v1/search?q=%E2%80%83x%E2%80%83", headers=bearer(tokens["sales"]))  # em spaces
    assert_problem(response, 422, "q")
    assert fake_rpc.calls == []


def test_a_token_is_needed(client, fake_rpc):
    assert_problem(client.get("/api/v1/search?q=ada"), 401)
    assert fake_rpc.calls == []


# -- through the real services ---------------------------------------------------------------------------------

def test_one_search_finds_leads_accounts_contacts_and_opportunities(live_api, tokens):
    api = live_api
    rep = bearer(tokens["sales"])
    tag = unique("find")
    lead = created(api.post("/api/v1/leads", json={"first_name": "Grace", "last_name": f"Hopper{tag}",
                                                   "email": f"grace@{tag}.example.org", "phone": "+44 20 7946 0958",
                                                   "company": f"Navy {tag}"}, headers=rep))
    account = created(api.post("/api/v1/accounts", json={"name": f"Navy {tag}", "domain": f"{tag}.example.org",
                                                         "country": "US"}, headers=rep))
    contact = created(api.post("/api/v1/contacts", json={"first_name": "Grace", "last_name": f"Hopper{tag}",
                                                         "emails": [f"g.hopper@{tag}.example.org"],
                                                         "account_id": account["id"]}, headers=rep))
    deal = created(api.post("/api/v1/opportunities", json={"account_id": account["id"], "name": f"COBOL {tag}",
                                                           "amount": "5000", "currency": "USD",
                                                           "expected_close_date": "2091-06-30"}, headers=rep))

    body = api.get(f"/api/v1/search?q=hopper{tag}", headers=rep).get_json()
    assert [hit["id"] for hit in body["results"]["leads"]] == [lead["id"]]
    assert [(hit["id"], hit["matched"]) for hit in body["results"]["contacts"]] == [(contact["id"], "name")]
    assert body["results"]["accounts"] == [] and body["results"]["opportunities"] == []

    body = api.get(f"/api/v1/search?q={tag}.example.org", headers=rep).get_json()
    assert [(hit["id"], hit["matched"]) for hit in body["results"]["leads"]] == [(lead["id"], "domain")]
    assert [(hit["id"], hit["matched"]) for hit in body["results"]["accounts"]] == [(account["id"], "domain")]
    assert [(hit["id"], hit["matched"]) for hit in body["results"]["contacts"]] == [(contact["id"], "domain")]
    assert [(hit["id"], hit["matched"]) for hit in body["results"]["opportunities"]] == [(deal["id"], "account")]
    assert body["results"]["opportunities"][0]["subtitle"] == f"Navy {tag} · Prospecting · 5000.00 USD"

    marketing = api.get(f"/api/v1/search?q=navy%20{tag}", headers=bearer(tokens["marketing"])).get_json()
    assert list(marketing["results"]) == ["leads", "accounts", "contacts"]
    assert [(hit["id"], hit["matched"]) for hit in marketing["results"]["leads"]] == [(lead["id"], "company")]

    phone = api.get("/api/v1/search?q=%2B44%2020%207946%200958&limit=20", headers=rep).get_json()
    assert lead["id"] in [hit["id"] for hit in phone["results"]["leads"]]
    assert {hit["matched"] for hit in phone["results"]["leads"]} == {"phone"}
