"""Idempotency-Key on POST: replay, mismatch, in progress, release."""

import io
import uuid

from shared.schemas.errors import DuplicateFound
from tests.gateway.conftest import assert_problem, bearer

LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"


def lead(**fields):
    return {"id": LEAD_ID, "version": 1, "last_name": "Lovelace", **fields}


def key_headers(token, key=None):
    return {**bearer(token), "Idempotency-Key": key or str(uuid.uuid4())}


def test_a_repeat_is_replayed_not_redone(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    headers = key_headers(tokens["sales"])
    first = client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=headers)
    second = client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert fake_rpc.methods() == ["create_lead"]


def test_the_same_json_in_another_key_order_or_spacing_is_the_same_request(client, tokens, fake_rpc):
    """A client that serialises its body again on retry sends other bytes with the same meaning."""
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    headers = {**key_headers(tokens["sales"]), "Content-Type": "application/json"}
    first = client.post("/api/v1/leads", data='{"last_name": "Lovelace", "company": "Analytical"}', headers=headers)
    second = client.post("/api/v1/leads", data='{"company":"Analytical",\n "last_name":"Lovelace"}', headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    third = client.post("/api/v1/leads", data='{"company": "Analytical", "last_name": "Byron"}', headers=headers)
    assert_problem(third, 422, "Idempotency-Key")
    assert fake_rpc.methods() == ["create_lead"]


def test_a_different_body_under_the_same_key_is_422(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    headers = key_headers(tokens["sales"])
    assert client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=headers).status_code == 201
    response = client.post("/api/v1/leads", json={"last_name": "Hopper"}, headers=headers)
    assert_problem(response, 422, "Idempotency-Key")
    response = client.post(f"/api/v1/leads/{LEAD_ID}/engagements", json={"kind": "call"}, headers=headers)
    assert_problem(response, 422, "Idempotency-Key")
    assert fake_rpc.methods() == ["create_lead"]


def test_keys_are_per_user(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead(owner=actor)
    key = str(uuid.uuid4())
    client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=key_headers(tokens["sales"], key))
    client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=key_headers(tokens["marketing"], key))
    assert fake_rpc.methods() == ["create_lead", "create_lead"]


def test_a_repeat_while_the_first_runs_is_409(client, tokens, gdb, fake_rpc):
    key = str(uuid.uuid4())
    me = client.get("/api/v1/me", headers=bearer(tokens["sales"])).get_json()
    gdb.execute("INSERT INTO idempotency_keys (user_id, key, method, path, request_hash) VALUES (%s, %s, 'POST',"
                " '/api/v1/leads', 'x')", (me["id"], key))
    response = client.post("/api/v1/leads", json={"last_name": "Lovelace"}, headers=key_headers(tokens["sales"], key))
    assert_problem(response, 409)
    assert response.headers["Retry-After"]
    assert fake_rpc.calls == []


def test_an_abandoned_claim_and_an_expired_key_are_taken_over(client, tokens, gdb, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    me = client.get("/api/v1/me", headers=bearer(tokens["sales"])).get_json()
    stale, expired = str(uuid.uuid4()), str(uuid.uuid4())
    gdb.execute("INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, created_at) VALUES"
                " (%s, %s, 'POST', '/api/v1/leads', 'x', now() - interval '1 hour')", (me["id"], stale))
    gdb.execute("INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status_code,"
                " response_body, created_at) VALUES (%s, %s, 'POST', '/api/v1/leads', 'x', 201, '{}',"
                " now() - interval '25 hours')", (me["id"], expired))
    for key in (stale, expired):
        response = client.post("/api/v1/leads", json={"last_name": "X"}, headers=key_headers(tokens["sales"], key))
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert fake_rpc.methods() == ["create_lead", "create_lead"]


def test_requests_the_gateway_refused_release_the_key(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    headers = key_headers(tokens["sales"])
    assert_problem(client.post("/api/v1/leads", json={"last_name": 5}, headers=headers), 422, "last_name")
    assert_problem(client.post("/api/v1/leads", data=b"{", headers={**headers, "Content-Type": "application/json"}),
                   400)
    assert client.post("/api/v1/leads", json={"last_name": "Fixed"}, headers=headers).status_code == 201


def test_a_service_answer_is_kept_even_when_it_is_an_error(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = DuplicateFound("Duplicate.", {"email": ["Exists."]},
                                                                existing_id=LEAD_ID)
    headers = key_headers(tokens["sales"])
    first = client.post("/api/v1/leads", json={"email": "a@example.com"}, headers=headers)
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    second = client.post("/api/v1/leads", json={"email": "a@example.com"}, headers=headers)
    assert first.status_code == second.status_code == 409
    assert second.get_json()["existing_id"] == LEAD_ID
    assert fake_rpc.methods() == ["create_lead"]


def test_server_failures_release_the_key(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "create_lead")] = RuntimeError("boom")
    headers = key_headers(tokens["sales"])
    assert_problem(client.post("/api/v1/leads", json={"last_name": "X"}, headers=headers), 500)
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    assert client.post("/api/v1/leads", json={"last_name": "X"}, headers=headers).status_code == 201


def test_without_a_key_nothing_is_stored(client, tokens, fake_rpc, gdb):
    fake_rpc.answers[("leads", "create_lead")] = lambda data, actor: lead()
    before = gdb.scalar("SELECT count(*) FROM idempotency_keys")
    for _ in range(2):
        assert client.post("/api/v1/leads", json={"last_name": "X"}, headers=bearer(tokens["sales"])).status_code == 201
    assert fake_rpc.methods() == ["create_lead", "create_lead"]
    assert gdb.scalar("SELECT count(*) FROM idempotency_keys") == before


def test_a_bad_key_is_400(client, tokens):
    response = client.post("/api/v1/leads", json={"last_name": "X"}, headers=key_headers(tokens["sales"], "k" * 256))
    assert_problem(response, 400, "Idempotency-Key")


def test_an_upload_is_replayed_by_its_content_not_its_framing(client, tokens, fake_rpc):
    job = {"id": LEAD_ID, "status": "processing"}
    fake_rpc.answers[("leads", "start_import")] = lambda *args: {**job, "status": "receiving"}
    fake_rpc.answers[("leads", "finish_import")] = lambda *args: job
    headers = key_headers(tokens["sales"])
    data = b"last_name,email\nLovelace,ada@example.com\n"

    def upload(content):
        return client.post("/api/v1/leads/imports", data={"file": (io.BytesIO(content), "a.csv")}, headers=headers,
                           content_type="multipart/form-data")

    first, second = upload(data), upload(data)  # each with its own multipart boundary
    assert first.status_code == second.status_code == 202
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert fake_rpc.methods() == ["start_import", "import_rows", "finish_import"]
    assert_problem(upload(data + b"Hopper,grace@example.com\n"), 422, "Idempotency-Key")
    raw = client.post("/api/v1/leads/imports", data=data, headers={**headers, "Content-Type": "text/csv"})
    assert raw.status_code == 202 and raw.headers["Idempotent-Replayed"] == "true"


def test_new_tokens_are_never_stored_for_replay(client, tokens, gdb):
    headers = key_headers(tokens["sales"])
    first = client.post("/api/v1/tokens", json={"name": "a"}, headers=headers)
    second = client.post("/api/v1/tokens", json={"name": "a"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["token"] != second.get_json()["token"]
    assert gdb.scalar("SELECT count(*) FROM idempotency_keys WHERE key = %s", (headers["Idempotency-Key"],)) == 0
