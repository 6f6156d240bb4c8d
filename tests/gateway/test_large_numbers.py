"""A custom attribute may hold any JSON number.  PostgreSQL gives a number
like -1.5889545014284868e+128 back from jsonb as a 129-digit integer, which
orjson refuses ("Integer exceeds 64-bit range"): the lead must stay
updatable, and its events must still be written and published."""

import uuid

import psycopg
import pytest

from gateway.app import create_app
from services.leads.service import LeadsService
from shared.kit.jsonio import dumps, dumps_message
from shared.kit.testing import start_container
from tests.gateway.conftest import bearer
from tests.helpers import wait_for

HUGE = -1.5889545014284868e+128


def test_the_kit_writes_integers_beyond_64_bits():
    number = -158895450142848680000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    assert dumps({"y": number}) == f'{{"y":{number}}}'
    assert dumps_message({"result": {"y": number}}) == b'{"result": {"y": %d}}' % number


@pytest.fixture(scope="module")
def api(component_config, gateway_config):
    leads_config = component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2)
    container = start_container(LeadsService, leads_config)
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client(), leads_config
    app.extensions["gateway"].close()
    container.kill()


def test_a_huge_custom_number_keeps_the_lead_updatable(api, tokens):
    client, leads_config = api
    headers = bearer(tokens["sales"])
    created = client.post("/api/v1/leads", json={"last_name": f"Huge-{uuid.uuid4().hex[:8]}"}, headers=headers)
    assert created.status_code == 201
    lead_id = created.get_json()["id"]

    first = client.patch(f"/api/v1/leads/{lead_id}", json={"attributes": {"y": HUGE}}, headers=headers)
    assert first.status_code == 200, first.get_json()
    again = client.patch(f"/api/v1/leads/{lead_id}", json={"title": "Head of Numbers"}, headers=headers)
    assert again.status_code == 200, again.get_json()  # the stored huge number no longer breaks later updates
    assert float(again.get_json()["attributes"]["y"]) == HUGE
    fetched = client.get(f"/api/v1/leads/{lead_id}", headers=headers)
    assert fetched.status_code == 200 and float(fetched.get_json()["attributes"]["y"]) == HUGE

    with psycopg.connect(leads_config["DATABASE_URL"]) as conn:
        def published():
            rows = conn.execute("SELECT published_at FROM leads.outbox WHERE event_type = 'lead.updated'"
                                " AND body::jsonb -> 'data' -> 'lead' ->> 'id' = %s", (lead_id,)).fetchall()
            return len(rows) == 2 and all(row[0] is not None for row in rows)

        wait_for(published, 20, message="the lead's updates were not both published")
