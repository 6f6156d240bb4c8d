"""Fixtures of the leads service's integration tests (``test_service_*.py``).

They run the real service over the real broker and database:

- ``leads_database_url``: a PostgreSQL database of this suite's own, created
  fresh on the test server for the session and dropped at its end.  The
  leads schema holds global state (scoring and assignment rules, round-robin
  cursors, the outbox relay's leader lock); a database of its own keeps other
  suites that run a leads service, and leads left by earlier runs (which every
  change of the scoring rules would rescore), out of these tests.
- ``leads_config``: the service's config (``services/leads/config.yaml``) on
  that database and the session's vhost, migrated.
- ``service``: a started ``LeadsService`` container (nameko's
  ``container_factory``) with its outbox relay and background worker.
- ``leads``: an RPC proxy to it; ``rpc_proxy()`` makes more (a proxy is not
  thread-safe: one per green thread).
- ``events``: a collector with its own exclusive queue bound to the
  ``leads.events`` exchange (routing key ``lead.#``).
- ``service_process``: the service as a real process (``python -m
  shared.kit.run leads``), for kill tests; leftovers are killed at teardown.
"""

import tempfile

import pytest

from services.leads.scoring.rules import DEFAULT_SCORING_RULES
from services.leads.service import LeadsService
from shared.kit.db import Db
from shared.kit.testing import worker_factory
from tests.helpers import wait_for
from tests.leads.traced import TracedConnection
from tests.services import ServiceDb, concurrently, service_fixtures, unique

__all__ = ["concurrently", "person", "unique", "wait_for"]

SCHEMA = "leads"


def person(**fields):
    """Input for a new lead with a unique email and company."""
    tag = unique()
    data = {"first_name": "Ada", "last_name": f"Lovelace-{tag}", "email": f"ada.{tag}@example.com",
            "company": f"Engines {tag} Ltd"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


class LeadsDb(ServiceDb):
    """Direct SQL on the leads schema, outside the service."""

    def __init__(self, database_url, schema=SCHEMA):
        super().__init__(database_url, schema)

    def row_counts(self):
        """(leads, outbox rows, history rows) in the whole schema."""
        row = self.one("SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM outbox) AS outbox,"
                       " (SELECT count(*) FROM lead_history) AS history")
        return row["leads"], row["outbox"], row["history"]

    def background_work(self):
        """Leads awaiting a rescore plus import batches awaiting processing."""
        return self.scalar(
            "SELECT (SELECT count(*) FROM leads l, scoring_state s WHERE l.scored_with < s.version"
            " AND l.merged_into IS NULL) + (SELECT count(*) FROM import_batches WHERE processed_at IS NULL)"
        )

    def wait_idle(self, timeout=20):
        """Wait until the background worker has nothing left to do."""
        wait_for(lambda: self.background_work() == 0, timeout, message="the leads worker did not become idle")


def _rule_view(rules):
    keys = ("id", "name", "field", "operator", "value", "points", "enabled")
    return [{key: rule.get(key, True if key == "enabled" else None) for key in keys} for rule in rules]


def _default_scoring_rules(container, db, rpc_proxy):
    """Put the default scoring rules in force once the service runs."""
    wait_for(lambda: db.scalar("SELECT seeded FROM scoring_state"), message="default scoring rules not seeded")
    with rpc_proxy() as cluster:
        if _rule_view(cluster.leads.get_scoring_rules()["rules"]) != _rule_view(DEFAULT_SCORING_RULES):
            cluster.leads.set_scoring_rules(DEFAULT_SCORING_RULES, "tests")


# The database, the service (a container per module, made the way nameko's
# ``container_factory`` makes one but per module: that fixture is per test,
# and nameko's queue consumer takes a second to stop, which per test would be
# most of the suite's time; killed at teardown and the relay's leader lock
# waited for, so the next relay becomes active at once), with the default
# scoring rules in force, its proxy ``leads``, ``events`` (routing key
# ``lead.#``) and ``service_process``: see tests/services.py.
globals().update(service_fixtures("leads", LeadsService, env_extra={"WORKER_POLL_SECONDS": "0.2"},
                                  db_class=LeadsDb, routing_key="lead.#", after_start=_default_scoring_rules))


@pytest.fixture
def assignment_rules(leads):
    """``assignment_rules([...])`` sets the rules; they are cleared again after the test."""

    def set_rules(rules):
        return leads.set_assignment_rules(rules, "tests")["rules"]

    yield set_rules
    leads.set_assignment_rules([], "tests")


# The service on a traced connection ----------------------------------------

@pytest.fixture
def traced(leads_database_url, leads_migrated):
    """A TracedConnection to the suite's database (``traced.messages()``)."""
    with tempfile.TemporaryFile("w+") as trace_file:
        pool = TracedConnection(leads_database_url, trace_file)
        yield pool
        pool.close()


@pytest.fixture
def traced_service(traced, leads_config):
    """The service's entrypoints as plain methods on the traced connection (the kit's worker_factory)."""
    return worker_factory(LeadsService, db=Db(traced), config=dict(leads_config))
