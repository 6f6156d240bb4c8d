"""Fixtures of the orders service's integration tests.

They run the real service over the real broker and database:

- ``orders_database_url``: a database of this suite's own, created for the
  session and dropped at its end (invoice number series and the relay's
  leader lock are global state of the schema).
- ``orders_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the orders schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``OrdersService`` container (module scope), with its relay.
- ``orders``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``orders.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

import uuid

import pytest

from services.orders.service import OrdersService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster, start_container
from tests.helpers import wait_for
from tests.services import EventCollector, ServiceDb, ServiceProcesses, concurrently, scratch_database, unique

__all__ = ["concurrently", "known_account", "unique", "wait_for"]

SCHEMA = "orders"
EVENTS_EXCHANGE = "orders.events"
RPC_TIMEOUT = 30


def known_account(db, name=None, type="customer", country="DE"):
    """An account in orders' projection of sales' accounts (as if its
    ``account.created`` had been consumed); returns its id."""
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type, country, source_version) VALUES (%s, %s, %s, %s, 1)",
                    (account_id, name or f"Initech {unique()}", type, country))
    return account_id


# Database -------------------------------------------------------------------

@pytest.fixture(scope="session")
def orders_database_url(database_url):
    with scratch_database(database_url, "orders") as url:
        yield url


@pytest.fixture(scope="session")
def orders_env(test_env, orders_database_url):
    """The test environment (test vhost) on the suite's own database."""
    return {**test_env, "DATABASE_URL": orders_database_url, "OUTBOX_POLL_SECONDS": "0.2"}


@pytest.fixture(scope="session")
def orders_migrated(orders_env):
    migrate_component("orders", load_component_config("orders", orders_env))
    return True


@pytest.fixture(scope="session")
def orders_config(orders_env, orders_migrated):
    """The orders service's config on the test servers (do not change it: copy)."""
    return load_component_config("orders", orders_env)


@pytest.fixture(scope="session")
def db(orders_database_url, orders_migrated):
    orders_db = ServiceDb(orders_database_url, SCHEMA)
    yield orders_db
    orders_db.close()


# The service ------------------------------------------------------------------

@pytest.fixture(scope="session")
def rpc_proxy(orders_config):
    """``with rpc_proxy() as cluster: cluster.orders.create_account(...)``"""

    def make(**kwargs):
        kwargs.setdefault("timeout", RPC_TIMEOUT)
        return RpcCluster(orders_config, **kwargs)

    return make


@pytest.fixture(scope="module")
def service(orders_config, db):
    """A started OrdersService container shared by the tests of a module (see
    tests/leads/conftest.py for why per module).  At teardown the container
    is killed and the relay's leader lock is waited for."""
    container = start_container(OrdersService, orders_config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def orders(service, rpc_proxy):
    """The ``orders`` service of a started RPC cluster."""
    with rpc_proxy() as cluster:
        yield cluster.orders


@pytest.fixture
def events(amqp_uri):
    collector = EventCollector(amqp_uri, EVENTS_EXCHANGE, "#")
    yield collector
    collector.close()


@pytest.fixture
def service_process(orders_env, orders_config, db, tmp_path):
    """``service_process(OUTBOX_RELAY="false")`` starts ``python -m
    shared.kit.run orders`` and waits until it answers its health RPC.
    Processes still alive at teardown are killed."""
    processes = ServiceProcesses("orders", orders_env, orders_config, tmp_path)
    yield processes.start
    processes.kill_all()
    db.wait_relay_free()
