"""Every error is application/problem+json (RFC 9457), whatever raised it."""

import logging

from gateway.rpc import RemoteError, RpcUnavailable
from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.gateway.conftest import assert_problem, bearer

LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"


def test_unknown_route_is_a_404_problem(client, tokens):
    body = assert_problem(client.get("/api/v1/nothing-here", headers=bearer(tokens["admin"])), 404)
    assert body["type"] == "about:blank" and body["title"] == "Not Found"
    assert_problem(client.get("/nope"), 404)  # no token needed to learn a route does not exist


def test_wrong_method_is_a_405_problem_with_allow(client, tokens):
    response = client.delete("/api/v1/leads", headers=bearer(tokens["admin"]))
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_malformed_json_is_400(client, tokens, fake_rpc):
    response = client.post("/api/v1/leads", data=b'{"last_name": ', headers={
        **bearer(tokens["sales"]), "Content-Type": "application/json"})
    body = assert_problem(response, 400, "_body")
    assert body["title"] == "Malformed JSON"
    assert fake_rpc.calls == []


def test_empty_json_body_is_400(client, tokens):
    response = client.post("/api/v1/leads", data=b"", headers={
        **bearer(tokens["sales"]), "Content-Type": "application/json"})
    assert_problem(response, 400, "_body")


def test_wrong_content_type_is_415(client, tokens, fake_rpc):
    response = client.post("/api/v1/leads", data="last_name=x", headers={
        **bearer(tokens["sales"]), "Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415, "Content-Type")
    assert fake_rpc.calls == []


def test_a_json_array_is_422(client, tokens):
    response = client.post("/api/v1/leads", json=[{"last_name": "x"}], headers=bearer(tokens["sales"]))
    assert_problem(response, 422, "_schema")


def test_too_large_is_413(client, tokens, app, fake_rpc):
    limit = app.extensions["gateway"].settings["MAX_BODY_BYTES"]
    body = b'{"notes": "' + b"x" * limit + b'"}'
    response = client.post("/api/v1/leads", data=body, headers={
        **bearer(tokens["sales"]), "Content-Type": "application/json"})
    assert_problem(response, 413)
    assert fake_rpc.calls == []


def test_validation_error_is_422_with_field_errors(client, tokens):
    response = client.post("/api/v1/leads", json={"email": "not-an-email", "colour": "red"},
                           headers=bearer(tokens["sales"]))
    body = assert_problem(response, 422, "email", "colour")
    assert body["title"] == "Validation failed"
    assert body["errors"]["colour"] == ["Unknown field."]


def test_crm_errors_map_to_their_status(client, tokens, fake_rpc):
    cases = [
        (NotFound(f"No lead {LEAD_ID}."), 404),
        (Conflict("Merged already.", merged_into=LEAD_ID), 409),
        (PreconditionFailed("The lead is at version 4, not 3.", current_version=4), 412),
        (ValidationFailed("Bad.", {"status": ["Illegal."]}), 422),
    ]
    for error, status in cases:
        fake_rpc.answers[("leads", "get_lead")] = error
        body = assert_problem(client.get(f"/api/v1/leads/{LEAD_ID}", headers=bearer(tokens["readonly"])), status)
        assert body["title"] == error.title
        assert body["detail"] == error.detail
    assert body["errors"] == {"status": ["Illegal."]}


def test_duplicate_carries_existing_id(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = DuplicateFound(
        "This lead duplicates open lead x.", {"email": ["An open lead with this email exists."]}, existing_id=LEAD_ID)
    response = client.post("/api/v1/leads", json={"email": "a@example.com"}, headers=bearer(tokens["sales"]))
    body = assert_problem(response, 409, "email")
    assert body["existing_id"] == LEAD_ID
    assert body["title"] == "Duplicate"
    assert body["type"] == "urn:crm:problem:duplicate"


def test_service_unavailable_is_503_with_retry_after(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "get_lead")] = RpcUnavailable("The service did not answer in time.", retry_after=7)
    response = client.get(f"/api/v1/leads/{LEAD_ID}", headers=bearer(tokens["readonly"]))
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "7"


def test_a_failing_service_is_502_without_internals(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "get_lead")] = RemoteError("KeyError", "'secret_column'")
    response = client.get(f"/api/v1/leads/{LEAD_ID}", headers=bearer(tokens["readonly"]))
    body = assert_problem(response, 502)
    assert "secret_column" not in response.get_data(as_text=True)
    assert "KeyError" not in body.get("detail", "")


def test_an_unexpected_error_is_500_logged_not_leaked(client, tokens, fake_rpc, caplog):
    fake_rpc.answers[("leads", "get_lead")] = RuntimeError("password=hunter2 in /srv/secret.py")
    logger = logging.getLogger("gateway")
    logger.addHandler(caplog.handler)
    try:
        response = client.get(f"/api/v1/leads/{LEAD_ID}", headers=bearer(tokens["readonly"]))
    finally:
        logger.removeHandler(caplog.handler)
    body = assert_problem(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert body["correlation_id"] in caplog.text
    assert "hunter2" in caplog.text  # the log has the details


def test_request_id_is_echoed_or_made(client):
    response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    made = client.get("/health").headers["X-Request-ID"]
    assert len(made) == 32
    # something unusable (too long, odd characters) is replaced, not echoed
    odd = client.get("/health", headers={"X-Request-ID": "a b<script>"}).headers["X-Request-ID"]
    assert odd != "a b<script>" and len(odd) == 32
