"""Both services of a lead conversion, for the end-to-end and kill tests
(tests/sales/test_conversion_e2e.py, test_conversion_reliability.py): the
leads service beside the sales one, on the sales suite's own database (schema
``leads`` next to ``sales``, as in production) and the session's vhost.

Fixtures (import them into the test module):

- ``leads_config``, ``leads_db`` (ServiceDb on schema leads);
- ``leads_service``: a started LeadsService container (module scope);
- ``leads_container(**overrides)``: one per test, killed at its end;
- ``leads_process(**env)``: ``python -m shared.kit.run leads`` (kill tests);
- ``lead_events``: a collector on ``leads.events`` (``lead.#``).

Both services' RPCs are reached through the sales suite's ``rpc_proxy()``
(one vhost): ``cluster.leads.convert_lead(...)``, ``cluster.sales...``.
"""

import pytest

from services.leads.service import LeadsService
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.testing import start_container
from tests.helpers import wait_for
from tests.services import EventCollector, ServiceDb, ServiceProcesses, unique


def qualified_lead(cluster, **fields):
    """A new lead (unique person, company and company email domain), qualified."""
    tag = unique()
    data = {"first_name": "Ada", "last_name": f"Lovelace-{tag}", "email": f"ada@{tag}.example.com",
            "company": f"Engines {tag} Ltd", "title": "CTO", "country": "GB", "industry": "Machinery",
            "company_size": 40, "source": "event", "campaign_id": f"camp-{tag}", "owner": "rep-1"}
    data.update(fields)
    lead = cluster.leads.create_lead({key: value for key, value in data.items() if value is not None}, "tester")
    return cluster.leads.update_lead(lead["id"], {"status": "qualified"}, "tester")


def sales_rows(db, lead):
    """What sales holds for the lead: (accounts, contacts, opportunities, conversion rows)."""
    return (
        db.scalar("SELECT count(*) FROM accounts WHERE name = %s OR domain = %s",
                  (lead["company"], lead["email"].split("@")[1])),
        db.scalar("SELECT count(*) FROM contacts WHERE email_norm = lower(%s)", (lead["email"],)),
        db.scalar("SELECT count(*) FROM opportunities WHERE lead_id = %s", (lead["id"],)),
        db.scalar("SELECT count(*) FROM lead_conversions WHERE lead_id = %s", (lead["id"],)),
    )


@pytest.fixture(scope="session")
def leads_env(sales_env):
    return {**sales_env, "WORKER_POLL_SECONDS": "0.2"}


@pytest.fixture(scope="session")
def leads_config(leads_env):
    migrate_component("leads", load_component_config("leads", leads_env))
    return load_component_config("leads", leads_env)


@pytest.fixture(scope="session")
def leads_db(sales_database_url, leads_config):
    db = ServiceDb(sales_database_url, "leads")
    yield db
    db.close()


def _start(config):
    container = start_container(LeadsService, config)
    return container


@pytest.fixture(scope="module")
def leads_service(leads_config, leads_db):
    container = _start(leads_config)
    try:
        yield container
    finally:
        container.kill()
        leads_db.wait_relay_free()


@pytest.fixture
def leads_container(leads_config, leads_db):
    """``leads_container(RPC_TIMEOUT_SECONDS=3)`` starts a LeadsService
    container with config overrides; it is killed at the test's end."""
    started = []

    def start(**overrides):
        started.append(_start({**leads_config, **overrides}))
        return started[-1]

    yield start
    for container in started:
        container.kill()
    leads_db.wait_relay_free()


@pytest.fixture
def leads_process(leads_env, leads_config, leads_db, tmp_path):
    processes = ServiceProcesses("leads", leads_env, leads_config, tmp_path)
    yield processes.start
    processes.kill_all()
    leads_db.wait_relay_free()


@pytest.fixture
def lead_events(amqp_uri):
    collector = EventCollector(amqp_uri, "leads.events", "lead.#")
    yield collector
    collector.close()


def backends(db, application, query_start=None):
    """Pids of the service's database sessions waiting on a lock (running
    ``query_start...`` when given)."""
    sql = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s"
           " AND wait_event_type = 'Lock'")
    params = [application]
    if query_start:
        sql += " AND query ILIKE %s"
        params.append(query_start + "%")
    return [row["pid"] for row in db.all(sql, params)]


def wait_gone(db, pids, timeout=20):
    """Wait until these database sessions ended (a killed client's session
    ends, rolling back, once it is no longer blocked)."""
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)) == 0,
             timeout, message=f"database sessions {pids} of a killed process lived on")
