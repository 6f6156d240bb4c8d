"""An Idempotency-Key makes a POST safe to retry even when the gateway could
not tell what happened: the gateway gave up waiting (503) while the leads
service, held up by a lock, went on to create the lead.  The retry with the
same key must answer that lead, never create a second one."""

import uuid

import psycopg
import pytest

from gateway.app import create_app
from services.leads.service import LeadsService
from shared.kit.testing import Event, sleep, spawn, start_container
from tests.gateway.conftest import assert_problem, bearer
from tests.helpers import wait_for


@pytest.fixture(scope="module")
def leads_config(component_config):
    return component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2)


@pytest.fixture(scope="module")
def leads_service(leads_config):
    container = start_container(LeadsService, leads_config)
    yield container
    container.kill()


@pytest.fixture(scope="module")
def impatient_api(gateway_config, leads_service):
    """The gateway waiting only 1 s for a service's answer."""
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 1})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client()
    app.extensions["gateway"].close()


def leads_named(database_url, last_name):
    with psycopg.connect(database_url) as conn:
        return [str(row[0]) for row in conn.execute("SELECT id FROM leads.leads WHERE last_name = %s",
                                                    (last_name,))]


def hold_inserts(database_url, seconds, locked):
    """Block every insert into leads for ``seconds`` (SHARE mode conflicts with
    the ROW EXCLUSIVE lock an INSERT takes)."""
    with psycopg.connect(database_url) as conn:
        conn.execute("LOCK TABLE leads.leads IN SHARE MODE")
        locked.send()
        sleep(seconds)


def test_a_retry_after_an_ambiguous_503_answers_the_same_lead(impatient_api, tokens, leads_config):
    database_url = leads_config["DATABASE_URL"]
    last_name = f"Ambiguous-{uuid.uuid4().hex[:10]}"
    headers = {**bearer(tokens["sales"]), "Idempotency-Key": str(uuid.uuid4())}
    locked = Event()
    holder = spawn(hold_inserts, database_url, 2.5, locked)
    locked.wait()

    first = impatient_api.post("/api/v1/leads", json={"last_name": last_name}, headers=headers)
    assert_problem(first, 503)  # the gateway cannot tell whether the lead was made
    holder.wait()  # the service goes on and creates it
    wait_for(lambda: leads_named(database_url, last_name), 10, message="the held-up create never finished")

    again = impatient_api.post("/api/v1/leads", json={"last_name": last_name}, headers=headers)
    assert again.status_code == 201, again.get_json()
    assert leads_named(database_url, last_name) == [again.get_json()["id"]]  # one lead, and it is the answer
    replay = impatient_api.post("/api/v1/leads", json={"last_name": last_name}, headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == again.get_json()["id"]


def test_a_retry_while_the_first_still_runs_waits_for_its_answer(impatient_api, tokens, leads_config):
    database_url = leads_config["DATABASE_URL"]
    last_name = f"Overlapping-{uuid.uuid4().hex[:10]}"
    headers = {**bearer(tokens["sales"]), "Idempotency-Key": str(uuid.uuid4())}
    locked = Event()
    holder = spawn(hold_inserts, database_url, 3, locked)
    locked.wait()

    answers = [impatient_api.post("/api/v1/leads", json={"last_name": last_name}, headers=headers)
               for _ in range(2)]  # both give up after 1 s; the second reaches the service while the first waits
    assert [answer.status_code for answer in answers] == [503, 503]
    holder.wait()
    wait_for(lambda: leads_named(database_url, last_name), 10, message="the held-up create never finished")
    final = impatient_api.post("/api/v1/leads", json={"last_name": last_name}, headers=headers)
    assert final.status_code == 201
    sleep(1)  # the second attempt, queued behind the first in the service, has finished too
    assert leads_named(database_url, last_name) == [final.get_json()["id"]]


def test_without_a_key_each_post_is_its_own_request(impatient_api, tokens, leads_config):
    last_name = f"Unkeyed-{uuid.uuid4().hex[:10]}"
    for _ in range(2):
        assert impatient_api.post("/api/v1/leads", json={"last_name": last_name},
                                  headers=bearer(tokens["sales"])).status_code == 201
    assert len(leads_named(leads_config["DATABASE_URL"], last_name)) == 2
