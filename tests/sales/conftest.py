"""Fixtures of the sales service's integration tests.

They run the real service over the real broker and database:

- ``sales_database_url``: a database of this suite's own, created for the
  session and dropped at its end (pipelines, exchange rates and the relay's
  leader lock are global state of the schema).
- ``sales_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the sales schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``SalesService`` container (module scope), with its relay.
- ``sales``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``sales.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

import pytest

from services.sales.service import SalesService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster, start_container
from tests.helpers import wait_for
from tests.services import EventCollector, ServiceDb, ServiceProcesses, concurrently, scratch_database, unique

__all__ = ["account_data", "concurrently", "contact_data", "unique", "wait_for"]

SCHEMA = "sales"
EVENTS_EXCHANGE = "sales.events"
RPC_TIMEOUT = 30


def account_data(**fields):
    """Input for a new account with a unique name and domain."""
    tag = unique()
    data = {"name": f"Initech {tag}", "domain": f"{tag}.example.com", "industry": "Software", "country": "DE"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def contact_data(**fields):
    """Input for a new contact with a unique email."""
    tag = unique()
    data = {"first_name": "Grace", "last_name": f"Hopper-{tag}", "emails": [f"grace.{tag}@example.com"]}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# Database -------------------------------------------------------------------

@pytest.fixture(scope="session")
def sales_database_url(database_url):
    with scratch_database(database_url, "sales") as url:
        yield url


@pytest.fixture(scope="session")
def sales_env(test_env, sales_database_url):
    """The test environment (test vhost) on the suite's own database."""
    return {**test_env, "DATABASE_URL": sales_database_url, "OUTBOX_POLL_SECONDS": "0.2"}


@pytest.fixture(scope="session")
def sales_migrated(sales_env):
    migrate_component("sales", load_component_config("sales", sales_env))
    return True


@pytest.fixture(scope="session")
def sales_config(sales_env, sales_migrated):
    """The sales service's config on the test servers (do not change it: copy)."""
    return load_component_config("sales", sales_env)


@pytest.fixture(scope="session")
def db(sales_database_url, sales_migrated):
    sales_db = ServiceDb(sales_database_url, SCHEMA)
    yield sales_db
    sales_db.close()


# The service ------------------------------------------------------------------

@pytest.fixture(scope="session")
def rpc_proxy(sales_config):
    """``with rpc_proxy() as cluster: cluster.sales.create_account(...)``"""

    def make(**kwargs):
        kwargs.setdefault("timeout", RPC_TIMEOUT)
        return RpcCluster(sales_config, **kwargs)

    return make


@pytest.fixture(scope="module")
def service(sales_config, db):
    """A started SalesService container shared by the tests of a module (see
    tests/leads/conftest.py for why per module).  At teardown the container
    is killed and the relay's leader lock is waited for."""
    container = start_container(SalesService, sales_config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def sales(service, rpc_proxy):
    """The ``sales`` service of a started RPC cluster."""
    with rpc_proxy() as cluster:
        yield cluster.sales


@pytest.fixture
def events(amqp_uri):
    collector = EventCollector(amqp_uri, EVENTS_EXCHANGE, "#")
    yield collector
    collector.close()


@pytest.fixture
def service_process(sales_env, sales_config, db, tmp_path):
    """``service_process(OUTBOX_RELAY="false")`` starts ``python -m
    shared.kit.run sales`` and waits until it answers its health RPC.
    Processes still alive at teardown are killed."""
    processes = ServiceProcesses("sales", sales_env, sales_config, tmp_path)
    yield processes.start
    processes.kill_all()
    db.wait_relay_free()
