"""Fixtures of the support service's integration tests.

They run the real service over the real broker and database:

- ``support_database_url``: a database of this suite's own, created for the
  session and dropped at its end (invoice number series and the relay's
  leader lock are global state of the schema).
- ``support_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the support schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``SupportService`` container (module scope), with its relay.
- ``support``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``support.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

import uuid

import pytest

from services.support.service import SupportService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster, start_container
from tests.helpers import wait_for
from tests.services import EventCollector, ServiceDb, ServiceProcesses, concurrently, scratch_database, unique

__all__ = ["concurrently", "known_account", "known_contact", "known_order", "unique", "wait_for"]

SCHEMA = "support"
EVENTS_EXCHANGE = "support.events"
RPC_TIMEOUT = 30


def known_account(db, name=None, type="customer", country="DE", tier=None):
    """An account in support's projection of sales' accounts (as if its
    ``account.created`` had been consumed); returns its id."""
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type, tier, country, source_version)"
                    " VALUES (%s, %s, %s, %s, %s, 1)",
                    (account_id, name or f"Initech {unique()}", type, tier, country))
    return account_id


def known_contact(db, account_id=None, email=None, first_name="Ada", last_name=None):
    """A contact in support's projection of sales' contacts; returns its id."""
    contact_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO contacts (id, account_id, first_name, last_name, email, source_version)"
                    " VALUES (%s, %s, %s, %s, %s, 1)",
                    (contact_id, account_id, first_name, last_name or f"Lovelace {unique()}",
                     (email or f"{unique()}@example.org").lower()))
    return contact_id


def known_order(db, account_id, number=None, status="submitted"):
    """An order in support's projection of orders (as if order.placed had
    been consumed); returns its id."""
    order_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO orders (id, number, account_id, status, placed_at, source_version)"
                    " VALUES (%s, %s, %s, %s, now(), 1)", (order_id, number or f"SO-{unique()}", account_id, status))
    return order_id


# Database -------------------------------------------------------------------

@pytest.fixture(scope="session")
def support_database_url(database_url):
    with scratch_database(database_url, "support") as url:
        yield url


@pytest.fixture(scope="session")
def support_env(test_env, support_database_url):
    """The test environment (test vhost) on the suite's own database."""
    # No mail servers unless a test starts its own (never a developer's local catcher).
    return {**test_env, "DATABASE_URL": support_database_url, "OUTBOX_POLL_SECONDS": "0.2", "SMTP_HOST": "",
            "IMAP_HOST": ""}


@pytest.fixture(scope="session")
def support_migrated(support_env):
    migrate_component("support", load_component_config("support", support_env))
    return True


@pytest.fixture(scope="session")
def support_config(support_env, support_migrated):
    """The support service's config on the test servers (do not change it: copy)."""
    return load_component_config("support", support_env)


@pytest.fixture(scope="session")
def db(support_database_url, support_migrated):
    support_db = ServiceDb(support_database_url, SCHEMA)
    yield support_db
    support_db.close()


# The service ------------------------------------------------------------------

@pytest.fixture(scope="session")
def rpc_proxy(support_config):
    """``with rpc_proxy() as cluster: cluster.support.create_account(...)``"""

    def make(**kwargs):
        kwargs.setdefault("timeout", RPC_TIMEOUT)
        return RpcCluster(support_config, **kwargs)

    return make


@pytest.fixture(scope="module")
def service(support_config, db):
    """A started SupportService container shared by the tests of a module (see
    tests/leads/conftest.py for why per module).  At teardown the container
    is killed and the relay's leader lock is waited for."""
    container = start_container(SupportService, support_config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def support(service, rpc_proxy):
    """The ``support`` service of a started RPC cluster."""
    with rpc_proxy() as cluster:
        yield cluster.support


@pytest.fixture
def events(amqp_uri):
    collector = EventCollector(amqp_uri, EVENTS_EXCHANGE, "#")
    yield collector
    collector.close()


@pytest.fixture
def service_process(support_env, support_config, db, tmp_path):
    """``service_process(OUTBOX_RELAY="false")`` starts ``python -m
    shared.kit.run support`` and waits until it answers its health RPC.
    Processes still alive at teardown are killed."""
    processes = ServiceProcesses("support", support_env, support_config, tmp_path)
    yield processes.start
    processes.kill_all()
    db.wait_relay_free()
