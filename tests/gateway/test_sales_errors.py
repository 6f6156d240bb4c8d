"""Domain errors of the sales (and leads) services become problem documents
on the sales routes, and their POSTs honour Idempotency-Key."""

import uuid

import pytest

from gateway.rpc import RemoteError, RpcUnavailable
from shared.schemas.errors import (
    Conflict,
    DuplicateFound,
    IllegalStageMove,
    IllegalTransition,
    NotFound,
    PreconditionFailed,
    Unavailable,
    ValidationFailed,
)
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.sales_routes import (
    ACCOUNT_ID,
    CONTACT_ID,
    LEAD_ID,
    OPPORTUNITY_ID,
    OTHER_ID,
    PIPELINE_CONFIG,
    ROUTES,
    answer_everything,
    route_id,
    send,
)

POSTS = [route for route in ROUTES if route[0] == "POST"]


def test_a_duplicate_account_is_409_with_the_existing_id(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "create_account")] = DuplicateFound(
        f"An account with the domain acme.com exists: {OTHER_ID}.", {"domain": ["Taken by another account."]},
        existing_id=OTHER_ID)
    response = client.post("/api/v1/accounts", json={"name": "Acme", "domain": "acme.com"},
                           headers=bearer(tokens["sales"]))
    body = assert_problem(response, 409, "domain")
    assert body["existing_id"] == OTHER_ID and OTHER_ID in body["detail"]
    assert body["title"] == "Duplicate"


def test_a_duplicate_contact_is_409_with_the_existing_id(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "create_contact")] = DuplicateFound(
        "A contact with this email exists.", {"emails": ["Taken."]}, existing_id=CONTACT_ID)
    response = client.post("/api/v1/contacts", json={"last_name": "X", "emails": ["a@example.com"]},
                           headers=bearer(tokens["sales"]))
    assert assert_problem(response, 409, "emails")["existing_id"] == CONTACT_ID


def test_an_illegal_stage_move_is_409_with_the_allowed_stages(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "update_opportunity")] = IllegalStageMove(
        "An opportunity in 'lost' can only be reopened: move it to an open stage.",
        {"stage": ["Not a legal move from 'lost'."]}, allowed=["prospecting", "qualification"])
    response = client.patch(f"/api/v1/opportunities/{OPPORTUNITY_ID}", json={"stage": "won"},
                            headers=bearer(tokens["sales"]))
    body = assert_problem(response, 409, "stage")
    assert body["allowed"] == ["prospecting", "qualification"]
    assert body["title"] == "Illegal stage move" and "reopened" in body["detail"]
    assert body["type"] == "urn:crm:problem:illegal-stage-move"


def test_a_stale_if_match_is_412(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "update_account")] = PreconditionFailed(
        "The account is at version 4, not 3: GET it again.", current_version=4)
    response = client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"industry": "Engines"},
                            headers={**bearer(tokens["sales"]), "If-Match": '"3"'})
    assert assert_problem(response, 412)["current_version"] == 4
    assert fake_rpc.calls[0][2][3] == 3


@pytest.mark.parametrize("path,method", [
    (f"/api/v1/accounts/{ACCOUNT_ID}", "get_account"),
    (f"/api/v1/contacts/{CONTACT_ID}", "get_contact"),
    (f"/api/v1/opportunities/{OPPORTUNITY_ID}/stage-history", "opportunity_stage_history"),
    ("/api/v1/pipelines/nowhere", "get_pipeline"),
    ("/api/v1/pipelines/nowhere/board", "pipeline_board"),
    ("/api/v1/forecast?period=2026-Q4&pipeline_id=nowhere", "forecast"),
])
def test_an_unknown_id_is_404_from_the_service(client, tokens, fake_rpc, path, method):
    fake_rpc.answers[("sales", method)] = NotFound("No such thing; check the id.")
    body = assert_problem(client.get(path, headers=bearer(tokens["readonly"])), 404)
    assert body["detail"] == "No such thing; check the id."
    assert len(fake_rpc.calls) == 1


def test_a_service_validation_error_is_422_per_field(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "update_account")] = ValidationFailed(
        "An account cannot be its own ancestor.", {"parent_id": ["Would make a cycle."]})
    response = client.patch(f"/api/v1/accounts/{ACCOUNT_ID}", json={"parent_id": OTHER_ID},
                            headers=bearer(tokens["sales"]))
    assert assert_problem(response, 422, "parent_id")["errors"]["parent_id"] == ["Would make a cycle."]


def test_removing_a_stage_in_use_is_409(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "update_pipeline")] = Conflict("Stage 'proposal' is used by 3 opportunities.",
                                                              stages=["proposal"])
    response = client.put("/api/v1/pipelines/default", json=PIPELINE_CONFIG, headers=bearer(tokens["admin"]))
    assert assert_problem(response, 409)["stages"] == ["proposal"]


def test_converting_an_unqualified_lead_is_409(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "convert_lead")] = IllegalTransition(
        "Only a qualified lead can be converted; this one is new.", status_now="new")
    response = client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={}, headers=bearer(tokens["sales"]))
    assert assert_problem(response, 409)["status_now"] == "new"


def test_sales_not_answering_a_conversion_is_503(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "convert_lead")] = Unavailable(
        "The sales service did not answer in time; retrying is safe.")
    response = client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={}, headers=bearer(tokens["sales"]))
    assert "retrying is safe" in assert_problem(response, 503)["detail"]


def test_an_unreachable_sales_service_is_503_with_retry_after(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "forecast")] = RpcUnavailable("The sales service did not answer in time.",
                                                             retry_after=3)
    response = client.get("/api/v1/forecast?period=2026-Q4", headers=bearer(tokens["readonly"]))
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "3"


def test_a_failing_sales_service_is_502_without_internals(client, tokens, fake_rpc):
    fake_rpc.answers[("sales", "list_opportunities")] = RemoteError("KeyError", "'secret_column'")
    response = client.get("/api/v1/opportunities", headers=bearer(tokens["readonly"]))
    assert_problem(response, 502)
    assert "secret_column" not in response.get_data(as_text=True)


# Idempotency-Key ---------------------------------------------------------------

def keyed(token):
    return {**bearer(token), "Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize("route", POSTS, ids=route_id)
def test_a_repeated_post_is_replayed_not_redone(client, tokens, fake_rpc, route):
    method, path, _, body, (service, rpc_method) = route
    answer_everything(fake_rpc)
    headers = keyed(tokens["admin"])
    first, second = send(client, method, path, body, headers), send(client, method, path, body, headers)
    assert 200 <= first.status_code < 300 and second.status_code == first.status_code
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    for header in ("Location", "ETag"):
        assert second.headers.get(header) == first.headers.get(header)
    assert fake_rpc.methods() == [rpc_method]
    different = send(client, method, path, {**body, "owner": "someone-else"}, headers)
    assert_problem(different, 422, "Idempotency-Key")
    assert fake_rpc.methods() == [rpc_method]


def test_a_duplicate_answer_is_kept_and_a_refused_request_is_not(client, tokens, fake_rpc):
    headers = keyed(tokens["sales"])
    assert_problem(client.post("/api/v1/accounts", json={"name": 5}, headers=headers), 422, "name")
    fake_rpc.answers[("sales", "create_account")] = DuplicateFound("Exists.", {"name": ["Taken."]},
                                                                   existing_id=OTHER_ID)
    first = client.post("/api/v1/accounts", json={"name": "Acme"}, headers=headers)
    answer_everything(fake_rpc)
    second = client.post("/api/v1/accounts", json={"name": "Acme"}, headers=headers)
    assert first.status_code == second.status_code == 409
    assert second.get_json()["existing_id"] == OTHER_ID
    assert fake_rpc.methods() == ["create_account"]


def test_a_conversion_retried_after_a_timeout_is_redone(client, tokens, fake_rpc):
    """503 is not kept: the retry with the same key reaches the service again (which is idempotent)."""
    headers = keyed(tokens["sales"])
    fake_rpc.answers[("leads", "convert_lead")] = RpcUnavailable("The leads service did not answer in time.")
    assert_problem(client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={}, headers=headers), 503)
    answer_everything(fake_rpc)
    retried = client.post(f"/api/v1/leads/{LEAD_ID}/convert", json={}, headers=headers)
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert fake_rpc.methods() == ["convert_lead", "convert_lead"]
