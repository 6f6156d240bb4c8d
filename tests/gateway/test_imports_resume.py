"""How the import route names an upload to the leads service and tells it
when the upload broke off (the stand-in RPC pool records the calls; the real
interruption is in test_imports_interrupted.py)."""

import uuid

from gateway.rpc import RpcUnavailable
from tests.gateway.conftest import assert_problem, bearer
from tests.gateway.test_imports_upload import JOB_ID, answer_jobs, csv_bytes, job


def post(client, token, key=None, rows=4500):
    headers = {**bearer(token), "Content-Type": "text/csv", **({"Idempotency-Key": key} if key else {})}
    return client.post("/api/v1/leads/imports", data=csv_bytes(rows), headers=headers)


def user_id(client, token):
    return client.get("/api/v1/me", headers=bearer(token)).get_json()["id"]


def calls_of(fake_rpc, method):
    return [args for _, name, args in fake_rpc.calls if name == method]


def test_the_idempotency_key_names_the_upload_for_its_user(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    key = str(uuid.uuid4())
    assert post(client, tokens["sales"], key).status_code == 202
    ((*_, upload_key),) = calls_of(fake_rpc, "start_import")
    assert upload_key == f"key:{user_id(client, tokens['sales'])}:{key}"


def test_without_a_key_the_upload_is_named_for_the_request_alone(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    post(client, tokens["sales"])
    post(client, tokens["sales"])
    first, second = (args[-1] for args in calls_of(fake_rpc, "start_import"))
    assert first.startswith("request:") and second.startswith("request:") and first != second


def test_a_broken_off_upload_is_abandoned_resumable_under_its_key(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    fake_rpc.answers[("leads", "import_rows")] = RpcUnavailable("The service did not answer in time.")
    fake_rpc.answers[("leads", "abandon_import")] = lambda job_id, reason, resumable: job(status="abandoned")

    assert_problem(post(client, tokens["sales"], str(uuid.uuid4())), 503)
    assert_problem(post(client, tokens["sales"]), 503)

    assert calls_of(fake_rpc, "abandon_import") == [(JOB_ID, "The service did not answer in time.", True),
                                                    (JOB_ID, "The service did not answer in time.", False)]
    assert not calls_of(fake_rpc, "finish_import")


def test_an_upload_whose_earlier_try_got_through_is_answered_without_sending_it_again(client, tokens, fake_rpc):
    fake_rpc.answers[("leads", "start_import")] = lambda *args: job(status="processing", rows_received=4500)

    response = post(client, tokens["sales"], str(uuid.uuid4()))

    assert response.status_code == 202 and response.get_json()["status"] == "processing"
    assert response.headers["Location"] == f"/api/v1/leads/imports/{JOB_ID}"
    assert [name for _, name, _ in fake_rpc.calls if name != "health"] == ["start_import"]
