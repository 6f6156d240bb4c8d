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

import contextlib
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import eventlet
import eventlet.event
import psycopg
import pytest
from kombu import Connection, Consumer, Exchange, Queue
from nameko.containers import get_container_cls
from nameko.standalone.rpc import ClusterRpcProxy

import shared.kit.db  # noqa: F401  (psycopg waits cooperatively under eventlet)
from services.leads.scoring import DEFAULT_SCORING_RULES
from services.leads.service import LeadsService
from shared.kit.config import load_component_config
from shared.kit.health import check
from shared.kit.migrate import migrate_component
from shared.kit.paths import ROOT
from tests.support import SchemaDb, wait_for

SCHEMA = "leads"
EVENTS_EXCHANGE = "leads.events"
RELAY_LOCK = f"crm-outbox:{SCHEMA}"
RPC_TIMEOUT = 30


def unique(prefix="t"):
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def concurrently(rpc_proxy, calls):
    """Run ``call(cluster)`` for each call in its own green thread with its own
    RPC proxy, all released at once; returns each one's result or the
    exception it raised."""
    proxies = [rpc_proxy() for _ in calls]
    clusters = [proxy.start() for proxy in proxies]
    go = eventlet.event.Event()

    def run(call, cluster):
        go.wait()
        try:
            return call(cluster)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            return exc

    try:
        pool = eventlet.GreenPool(len(calls))
        threads = [pool.spawn(run, call, cluster) for call, cluster in zip(calls, clusters, strict=True)]
        eventlet.sleep(0)
        go.send()
        return [thread.wait() for thread in threads]
    finally:
        for proxy in proxies:
            proxy.stop()


def person(**fields):
    """Input for a new lead with a unique email and company."""
    tag = unique()
    data = {"first_name": "Ada", "last_name": f"Lovelace-{tag}", "email": f"ada.{tag}@example.com",
            "company": f"Engines {tag} Ltd"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# Database -------------------------------------------------------------------

@pytest.fixture(scope="session")
def leads_database_url(database_url):
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_leads_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def leads_env(test_env, leads_database_url):
    """The test environment (test vhost) on the suite's own database."""
    return {**test_env, "DATABASE_URL": leads_database_url, "OUTBOX_POLL_SECONDS": "0.2",
            "WORKER_POLL_SECONDS": "0.2"}


@pytest.fixture(scope="session")
def leads_migrated(leads_env):
    migrate_component("leads", load_component_config("leads", leads_env))
    return True


@pytest.fixture(scope="session")
def leads_config(leads_env, leads_migrated):
    """The leads service's config on the test servers (do not change it: copy)."""
    return load_component_config("leads", leads_env)


class LeadsDb(SchemaDb):
    """Direct SQL on the leads schema, outside the service."""

    def __init__(self, database_url):
        super().__init__(database_url, SCHEMA)

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

    def outbox_rows(self, lead_ids, event_type=None):
        """Outbox rows about these leads, in outbox order."""
        sql = "SELECT * FROM outbox WHERE body::jsonb #>> '{data,lead,id}' = ANY(%s)"
        params = [[str(lead_id) for lead_id in lead_ids]]
        if event_type:
            sql += " AND event_type = %s"
            params.append(event_type)
        return self.all(sql + " ORDER BY id", params)

    def unpublished(self, lead_ids):
        return self.scalar(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL AND body::jsonb #>> '{data,lead,id}' = ANY(%s)",
            ([str(lead_id) for lead_id in lead_ids],),
        )

    def relay_lock_holders(self):
        return self.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND l.objsubid = 1 AND l.objid = (hashtext(%s)::bigint & 4294967295)::oid",
            (RELAY_LOCK,),
        )

    def wait_relay_free(self, timeout=15):
        wait_for(lambda: self.relay_lock_holders() == 0, timeout, message="a stopped relay kept its leader lock")


@pytest.fixture(scope="session")
def db(leads_database_url, leads_migrated):
    leads_db = LeadsDb(leads_database_url)
    yield leads_db
    leads_db.close()


# The service ------------------------------------------------------------------

@pytest.fixture(scope="session")
def rpc_proxy(leads_config):
    """``with rpc_proxy() as cluster: cluster.leads.create_lead(...)``"""

    def make(**kwargs):
        kwargs.setdefault("timeout", RPC_TIMEOUT)
        return ClusterRpcProxy(leads_config, **kwargs)

    return make


def _rule_view(rules):
    keys = ("id", "name", "field", "operator", "value", "points", "enabled")
    return [{key: rule.get(key, True if key == "enabled" else None) for key in keys} for rule in rules]


@pytest.fixture(scope="module")
def service(leads_config, db, rpc_proxy):
    """A started LeadsService container, shared by the tests of a module, with
    the default scoring rules in force.

    It is made the way nameko's ``container_factory`` makes one, but per
    module: that fixture is per test, and nameko's queue consumer takes a
    second to stop, which per test would be most of the suite's time.  At
    teardown the container is killed and the relay's leader lock is waited
    for, so the next relay (container or process) becomes active at once.
    """
    container = get_container_cls(leads_config)(LeadsService, dict(leads_config))
    container.start()
    try:
        wait_for(lambda: db.scalar("SELECT seeded FROM scoring_state"), message="default scoring rules not seeded")
        with rpc_proxy() as cluster:
            if _rule_view(cluster.leads.get_scoring_rules()["rules"]) != _rule_view(DEFAULT_SCORING_RULES):
                cluster.leads.set_scoring_rules(DEFAULT_SCORING_RULES, "tests")
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def leads(service, rpc_proxy):
    """The ``leads`` service proxy of a started ClusterRpcProxy."""
    with rpc_proxy() as cluster:
        yield cluster.leads


@pytest.fixture
def assignment_rules(leads):
    """``assignment_rules([...])`` sets the rules; they are cleared again after the test."""

    def set_rules(rules):
        return leads.set_assignment_rules(rules, "tests")["rules"]

    yield set_rules
    leads.set_assignment_rules([], "tests")


# Events ---------------------------------------------------------------------

class Received:
    """One event the collector consumed."""

    def __init__(self, body, message):
        self.envelope = body
        self.routing_key = message.delivery_info["routing_key"]
        self.redelivered = message.delivery_info.get("redelivered", False)
        self.headers = message.headers
        self.message_id = message.properties.get("message_id")

    @property
    def id(self):
        return self.envelope["id"]

    @property
    def type(self):
        return self.envelope["type"]

    @property
    def data(self):
        return self.envelope["data"]

    @property
    def lead_id(self):
        return (self.data.get("lead") or {}).get("id")


class EventCollector:
    """Records every envelope published to ``leads.events`` with a routing key
    ``lead.#``, through an exclusive queue bound before the test acts."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.connection.connect()
        self.queue = Queue(
            f"leads-test-events-{uuid.uuid4().hex[:8]}",
            exchange=Exchange(EVENTS_EXCHANGE, type="topic", durable=True),
            routing_key="lead.#",
            exclusive=True,
        )
        self.received = []
        self.consumer = Consumer(self.connection.channel(), queues=[self.queue], callbacks=[self._on_message],
                                 accept=["application/json"], no_ack=True)
        self.consumer.consume()

    def _on_message(self, body, message):
        self.received.append(Received(body, message))

    def drain(self, timeout=0.1):
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.connection.drain_events(timeout=remaining)
            except TimeoutError:
                return

    def of(self, event_type=None, lead_id=None):
        return [event for event in self.received
                if (event_type is None or event.type == event_type)
                and (lead_id is None or event.lead_id == str(lead_id))]

    def wait(self, predicate, timeout=10, message=None):
        """Consume until ``predicate()`` holds; fail at the deadline."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(message or f"events: condition not met within {timeout}s")
            self.drain(min(0.2, remaining))

    def wait_for(self, event_type, lead_id, count=1, timeout=10):
        """Wait until at least ``count`` events of the type about the lead arrived."""
        self.wait(lambda: len(self.of(event_type, lead_id)) >= count, timeout,
                  f"expected {count} {event_type} event(s) for lead {lead_id} within {timeout}s,"
                  f" got {[event.type for event in self.of(None, lead_id)]}")
        return self.of(event_type, lead_id)

    def settle(self, db, lead_ids, timeout=10):
        """Wait until every outbox row about the leads is published, then take
        in whatever the broker still holds for us: afterwards the collector has
        all there will be, so counts are final."""
        wait_for(lambda: db.unpublished(lead_ids) == 0, timeout, message="outbox rows stayed unpublished")
        self.drain(0.3)

    def close(self):
        with contextlib.suppress(OSError):
            self.connection.release()


@pytest.fixture
def events(amqp_uri):
    collector = EventCollector(amqp_uri)
    yield collector
    collector.close()


# The service as a process ---------------------------------------------------

class ServiceProcess:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")[-4000:]

    def sigkill(self):
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def service_process(leads_env, leads_config, db, tmp_path):
    """``service_process(OUTBOX_RELAY="false")`` starts ``python -m
    shared.kit.run leads`` with the test environment plus the overrides and
    waits until it answers its health RPC.  Processes still alive at teardown
    are killed."""
    started = []

    def start(timeout=30, **overrides):
        log_path = tmp_path / f"leads-{len(started)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "shared.kit.run", "leads"],
                                       env={**leads_env, **overrides}, cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT)
        handle = ServiceProcess(process, log_path)
        started.append(handle)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the service exited with {process.returncode}:\n{handle.log()}")
            try:
                if check("leads", leads_config, timeout=2)["status"] == "ok":
                    return handle
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() >= deadline:
                    raise AssertionError(f"the service did not become healthy:\n{handle.log()}") from None
                time.sleep(0.2)

    yield start
    for handle in started:
        if handle.process.poll() is None:
            handle.sigkill()
    db.wait_relay_free()
