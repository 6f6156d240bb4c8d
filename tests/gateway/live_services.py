"""Fixtures of gateway tests that need the real leads and sales services
(module scope: started once per test module, in-process, on the test
database and vhost): ``live_api`` is a test client of the real gateway in
front of both; tests/gateway/conftest.py offers them to every module."""

import pytest

from gateway.app import create_app
from services.leads.service import LeadsService
from services.sales.service import SalesService
from shared.kit.testing import start_container
from tests.helpers import wait_for
from tests.services import ServiceDb


@pytest.fixture(scope="module")
def live_services(component_config):
    leads_config = component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2)
    sales_config = component_config("sales", OUTBOX_POLL_SECONDS=0.2)
    leads = start_container(LeadsService, dict(leads_config))
    sales = start_container(SalesService, dict(sales_config))
    yield
    for container, config in ((leads, leads_config), (sales, sales_config)):
        container.kill()
        schema = ServiceDb(config["DATABASE_URL"], config["DB_SCHEMA"])
        schema.wait_relay_free()  # the next module's relay becomes active at once
        schema.close()


@pytest.fixture(scope="module")
def live_api(gateway_config, live_services):
    """A test client of the real gateway in front of both services."""
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client()
    app.extensions["gateway"].close()


def created(response):
    assert response.status_code == 201, response.get_json()
    return response.get_json()
