"""A sales rep's day through the real gateway and the real sales service (no
stand-ins): accounts, contacts, opportunities moved along the pipeline,
activities on the timeline, the board and the forecast, with the refusals a
person meets on the way and who may see what."""

import uuid

import pytest

from tests.sales.conftest import account_data, contact_data, unique
from tests.services import gateway_client

YEAR = 2091  # a forecast period no other test uses


@pytest.fixture(scope="module")
def api(component_config, service):
    with gateway_client(component_config) as client_and_headers:
        yield client_and_headers


def created(response):
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_opportunity_from_account_to_won_shows_on_board_timeline_and_forecast(api, events):
    client, headers = api
    rep = headers["sales"]
    owner = unique("rep")  # an owner of their own: the forecast and the board show only this test's deals
    created(client.post("/api/v1/users", json={"username": owner, "role": "sales"}, headers=headers["admin"]))

    account = created(client.post("/api/v1/accounts", json=account_data(owner=owner), headers=rep))
    contact_body = contact_data(account_id=account["id"], role="decision_maker")
    contact = created(client.post("/api/v1/contacts", json=contact_body, headers=rep))
    opportunity = created(client.post("/api/v1/opportunities", json={
        "account_id": account["id"], "primary_contact_id": contact["id"], "name": "Renewal", "amount": "1000",
        "currency": "EUR", "expected_close_date": f"{YEAR}-02-10", "owner": owner}, headers=rep))
    assert (opportunity["stage"], opportunity["probability"], opportunity["category"]) == ("prospecting", 10, "open")

    path = f"/api/v1/opportunities/{opportunity['id']}"
    moved = client.patch(path, json={"stage": "negotiation"}, headers={**rep, "If-Match": '"1"'})
    assert moved.status_code == 200 and moved.get_json()["probability"] == 80 and moved.headers["ETag"] == '"2"'

    forecast = client.get(f"/api/v1/forecast?period={YEAR}-Q1&owner={owner}", headers=headers["readonly"])
    assert forecast.status_code == 200
    assert forecast.get_json()["totals"] == {"count": 1, "pipeline": "1000.00", "weighted": "800.00",
                                             "best_case": "1000.00", "commit": "1000.00", "closed_won": "0.00"}

    board = client.get(f"/api/v1/pipelines/default/board?owner={owner}", headers=headers["readonly"]).get_json()
    negotiation = next(stage for stage in board["stages"] if stage["key"] == "negotiation")
    assert (negotiation["count"], negotiation["amount"], negotiation["weighted_amount"]) == (1, "1000.00", "800.00")
    assert [item["id"] for item in negotiation["items"]] == [opportunity["id"]]

    call = created(client.post("/api/v1/activities", json={"kind": "call", "subject": "Pricing call",
                                                           "opportunity_id": opportunity["id"]}, headers=rep))
    assert call["account_id"] == account["id"] and call["status"] == "done"
    timeline = client.get(f"/api/v1/accounts/{account['id']}/timeline", headers=headers["support"])
    assert timeline.status_code == 200 and [item["id"] for item in timeline.get_json()["items"]] == [call["id"]]

    won = client.patch(path, json={"stage": "closed_won"}, headers={**rep, "If-Match": '"2"'}).get_json()
    assert (won["category"], won["probability"], won["closed_on"]) == ("won", 100, won["closed_on"])
    history = client.get(f"{path}/stage-history", headers=headers["readonly"]).get_json()["items"]
    assert [(row["from_stage"], row["to_stage"]) for row in history] == [
        (None, "prospecting"), ("prospecting", "negotiation"), ("negotiation", "closed_won")]
    events.wait_for("opportunity.won", opportunity["id"])


def test_the_refusals_say_what_to_do(api):
    client, headers = api
    rep = headers["sales"]
    account = created(client.post("/api/v1/accounts", json=account_data(), headers=rep))

    duplicate = client.post("/api/v1/accounts", json=account_data(domain=account["domain"]), headers=rep)
    assert duplicate.status_code == 409 and duplicate.get_json()["existing_id"] == account["id"]

    opportunity = created(client.post("/api/v1/opportunities", json={
        "account_id": account["id"], "name": "Pilot", "amount": "10", "currency": "EUR",
        "expected_close_date": f"{YEAR}-05-01"}, headers=rep))
    path = f"/api/v1/opportunities/{opportunity['id']}"
    lost = client.patch(path, json={"stage": "closed_lost"}, headers=rep)
    assert lost.status_code == 422 and "loss_reason" in lost.get_json()["errors"]
    client.patch(path, json={"stage": "closed_lost", "loss_reason": "budget"}, headers=rep)
    illegal = client.patch(path, json={"stage": "closed_won"}, headers=rep)
    problem = illegal.get_json()
    assert illegal.status_code == 409 and problem["title"] == "Illegal stage move"
    assert "prospecting" in problem["allowed"] and "closed_won" not in problem["allowed"]
    stale = client.patch(path, json={"next_step": "call back"}, headers={**rep, "If-Match": '"1"'})
    assert stale.status_code == 412

    bad = client.post("/api/v1/opportunities", json={"account_id": str(uuid.uuid4()), "name": "X", "amount": "-1",
                                                     "currency": "EURO", "expected_close_date": "soon"}, headers=rep)
    assert bad.status_code == 422
    assert {"amount", "currency", "expected_close_date"} <= set(bad.get_json()["errors"])


def test_roles_see_what_the_issue_says(api):
    client, headers = api
    account = created(client.post("/api/v1/accounts", json=account_data(), headers=headers["sales"]))
    for role in ("support", "marketing", "readonly"):
        assert client.get(f"/api/v1/accounts/{account['id']}", headers=headers[role]).status_code == 200
        assert client.post("/api/v1/accounts", json=account_data(), headers=headers[role]).status_code == 403
    for role in ("support", "marketing"):
        assert client.get("/api/v1/opportunities", headers=headers[role]).status_code == 403
    assert client.get("/api/v1/opportunities", headers=headers["readonly"]).status_code == 200
    assert client.put("/api/v1/exchange-rates", json={"rates": []}, headers=headers["sales"]).status_code == 403


def test_a_merge_through_the_api_leaves_nothing_on_the_duplicate(api, db):
    client, headers = api
    rep = headers["sales"]
    survivor = created(client.post("/api/v1/accounts", json=account_data(), headers=rep))
    duplicate = created(client.post("/api/v1/accounts", json=account_data(type="customer"), headers=rep))
    created(client.post("/api/v1/contacts", json=contact_data(account_id=duplicate["id"]), headers=rep))
    created(client.post("/api/v1/opportunities", json={
        "account_id": duplicate["id"], "name": "Upsell", "amount": "5", "currency": "EUR",
        "expected_close_date": f"{YEAR}-07-01"}, headers=rep))

    merged = client.post(f"/api/v1/accounts/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]},
                         headers=rep)

    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert body["moved"]["contacts"] == 1 and body["moved"]["opportunities"] == 1
    assert body["account"]["type"] == "customer"
    left = db.scalar("SELECT (SELECT count(*) FROM contacts WHERE account_id = %(id)s)"
                     " + (SELECT count(*) FROM opportunities WHERE account_id = %(id)s)", {"id": duplicate["id"]})
    assert left == 0
    gone = client.get(f"/api/v1/accounts/{duplicate['id']}", headers=rep).get_json()
    assert gone["merged_into"] == survivor["id"]
