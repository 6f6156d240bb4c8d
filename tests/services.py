"""What the service test packages share: a scratch database per suite, direct
SQL on a service's schema and outbox, an event collector on a service's
exchange, concurrent RPC calls, and the service as a real process."""

import contextlib
import inspect
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from kombu import Connection, Consumer, Exchange, Queue

from gateway import users
from gateway.app import create_app
from shared.kit.config import load_component_config
from shared.kit.health import check
from shared.kit.migrate import migrate_component
from shared.kit.paths import ROOT
from shared.kit.testing import Event, GreenPool, RpcCluster, sleep, start_container
from tests.helpers import SchemaDb, wait_for

ROLES = ("admin", "sales", "support", "marketing", "readonly")


def unique(prefix="t"):
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def scratch_database(database_url, label):
    """A database of its own on the test server, dropped afterwards; yields its URL."""
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_{label}_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def concurrently(rpc_proxy, calls):
    """Run ``call(cluster)`` for each call in its own green thread with its own
    RPC proxy, all released at once; returns each one's result or the
    exception it raised."""
    proxies = [rpc_proxy() for _ in calls]
    clusters = [proxy.start() for proxy in proxies]
    go = Event()

    def run(call, cluster):
        go.wait()
        try:
            return call(cluster)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            return exc

    try:
        pool = GreenPool(len(calls))
        threads = [pool.spawn(run, call, cluster) for call, cluster in zip(calls, clusters, strict=True)]
        sleep(0)
        go.send()
        return [thread.wait() for thread in threads]
    finally:
        for proxy in proxies:
            proxy.stop()


# An outbox row is "about" an id when one of the entities in its data has that id.
_ABOUT = ("EXISTS (SELECT 1 FROM jsonb_each(body::jsonb -> 'data') AS e(key, value)"
          " WHERE jsonb_typeof(e.value) = 'object' AND e.value ->> 'id' = ANY(%s))")


class ServiceDb(SchemaDb):
    """Direct SQL on a service's schema, outside the service: its outbox and
    its relay's leader lock."""

    def __init__(self, database_url, schema):
        super().__init__(database_url, schema)
        self.relay_lock = f"crm-outbox:{schema}"

    def outbox_rows(self, ids, event_type=None):
        """Outbox rows about these entities, in outbox order."""
        sql = f"SELECT * FROM outbox WHERE {_ABOUT}"
        params = [[str(item) for item in ids]]
        if event_type:
            sql += " AND event_type = %s"
            params.append(event_type)
        return self.all(sql + " ORDER BY id", params)

    def unpublished(self, ids):
        return self.scalar(f"SELECT count(*) FROM outbox WHERE published_at IS NULL AND {_ABOUT}",
                           ([str(item) for item in ids],))

    def relay_lock_holders(self):
        return self.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND l.objsubid = 1 AND l.objid = (hashtext(%s)::bigint & 4294967295)::oid",
            (self.relay_lock,),
        )

    def wait_relay_free(self, timeout=15):
        wait_for(lambda: self.relay_lock_holders() == 0, timeout, message="a stopped relay kept its leader lock")


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
    def subject_ids(self):
        """Ids of the entities the event carries (``data.lead.id``, ``data.account.id``, ...)."""
        return {value["id"] for value in self.data.values() if isinstance(value, dict) and "id" in value}

    @property
    def lead_id(self):
        return (self.data.get("lead") or {}).get("id")


class EventCollector:
    """Records every envelope published to a service's exchange with a
    matching routing key, through an exclusive queue bound before the test acts."""

    def __init__(self, amqp_uri, exchange, routing_key="#"):
        self.connection = Connection(amqp_uri)
        self.connection.connect()
        self.queue = Queue(
            f"test-events-{uuid.uuid4().hex[:8]}",
            exchange=Exchange(exchange, type="topic", durable=True),
            routing_key=routing_key,
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

    def of(self, event_type=None, subject_id=None):
        """The events of a type (any when None) about an entity (any when None)."""
        return [event for event in self.received
                if (event_type is None or event.type == event_type)
                and (subject_id is None or str(subject_id) in event.subject_ids)]

    def wait(self, predicate, timeout=30, message=None):
        """Consume until ``predicate()`` holds; fail at the deadline."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(message or f"events: condition not met within {timeout}s")
            self.drain(min(0.2, remaining))

    def wait_for(self, event_type, subject_id, count=1, timeout=30):
        """Wait until at least ``count`` events of the type about the entity arrived."""
        self.wait(lambda: len(self.of(event_type, subject_id)) >= count, timeout,
                  f"expected {count} {event_type} event(s) about {subject_id} within {timeout}s,"
                  f" got {[event.type for event in self.of(None, subject_id)]}")
        return self.of(event_type, subject_id)

    def settle(self, db, ids, timeout=30):
        """Wait until every outbox row about the entities is published, then
        take in whatever the broker still holds for us: afterwards the
        collector has all there will be, so counts are final."""
        wait_for(lambda: db.unpublished(ids) == 0, timeout, message="outbox rows stayed unpublished")
        self.drain(0.3)

    def close(self):
        with contextlib.suppress(OSError):
            self.connection.release()


class ServiceProcess:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")[-4000:]

    def sigkill(self):
        self.process.kill()
        self.process.wait(10)


class ServiceProcesses:
    """Starts ``python -m shared.kit.run <service>`` processes and waits until
    each answers its health RPC; ``kill_all()`` kills those still alive."""

    def __init__(self, service, env, config, log_dir):
        self.service, self.env, self.config, self.log_dir = service, env, config, log_dir
        self.started = []

    def start(self, timeout=30, **overrides):
        log_path = self.log_dir / f"{self.service}-{len(self.started)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "shared.kit.run", self.service],
                                       env={**self.env, **overrides}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        handle = ServiceProcess(process, log_path)
        self.started.append(handle)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the service exited with {process.returncode}:\n{handle.log()}")
            try:
                if check(self.service, self.config, timeout=2)["status"] == "ok":
                    return handle
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() >= deadline:
                    raise AssertionError(f"the service did not become healthy:\n{handle.log()}") from None
                time.sleep(0.2)

    def kill_all(self):
        for handle in self.started:
            if handle.process.poll() is None:
                handle.sigkill()


# Usernames the tests name as owners through the gateway, made active users by ``gateway_client``.
OWNERS = ("ann", "bob", "kim", "sam")


@contextlib.contextmanager
def gateway_client(component_config):
    """The real gateway app (its own pool of RPC proxies on the test vhost) and
    a bearer header per role: ``(client, {"sales": {"Authorization": ...}, ...})``;
    the users ``OWNERS`` exist."""
    config = component_config("gateway", LOGIN_RATE_LIMIT=10_000, WEB_FORM_RATE_LIMIT=10_000)
    app = create_app({**config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    gateway_db = SchemaDb(config["DATABASE_URL"], "gateway")
    try:
        for name in OWNERS:  # an owner must be an active user of the suite
            gateway_db.conn.execute("INSERT INTO users (username, role) VALUES (%s, 'sales')"
                                    " ON CONFLICT (username) DO NOTHING", (name,))
        headers = {}
        for role in ROLES:
            user = users.create_user(gateway_db.conn, unique(role), role)
            token = users.create_token(gateway_db.conn, user["id"], "tests")[1]
            headers[role] = {"Authorization": f"Bearer {token}"}
        yield app.test_client(), headers
    finally:
        app.extensions["gateway"].close()
        gateway_db.close()


def _fixture(func, argnames, scope="function", name=None):
    """``func`` (taking its arguments as keywords) as a pytest fixture whose
    arguments are ``argnames``: the factory below names them after the service."""
    func.__signature__ = inspect.Signature(
        [inspect.Parameter(argname, inspect.Parameter.KEYWORD_ONLY) for argname in argnames])
    return pytest.fixture(func, scope=scope, name=name or func.__name__)


def service_fixtures(name, service_class, env_extra=None, db_class=ServiceDb, routing_key="#",
                     after_start=None, rpc_timeout=30):
    """The fixtures of a service's integration tests, for its conftest's
    ``globals().update(service_fixtures(...))``; each under the name it is
    known by:

    - ``<name>_database_url`` (session): a database of the suite's own,
      created for the session and dropped at its end.
    - ``<name>_env`` (session): the test environment (test vhost) on it, the
      relay polling every 0.2 s, plus ``env_extra``.
    - ``<name>_migrated``, ``<name>_config`` (session): the service's schema
      migrated, its config on the test servers (do not change it: copy).
    - ``db`` (session): ``db_class(database_url, name)``, direct SQL on the schema.
    - ``rpc_proxy`` (session): ``with rpc_proxy() as cluster: cluster.<name>...``.
    - ``service`` (module): a started ``service_class`` container shared by
      the tests of a module (see tests/leads/conftest.py for why per module),
      ``after_start(container, db, rpc_proxy)`` called once it runs; at
      teardown it is killed and the relay's leader lock is waited for.
    - ``<name>`` (module): the service's proxy of a started RPC cluster.
    - ``events``: a collector on ``<name>.events`` (``routing_key``).
    - ``service_process``: ``service_process(OUTBOX_RELAY="false")`` starts
      ``python -m shared.kit.run <name>`` and waits until it answers its
      health RPC; processes still alive at teardown are killed.
    """
    url, env, migrated, config = (f"{name}_database_url", f"{name}_env", f"{name}_migrated", f"{name}_config")

    def database_url_fixture(**args):
        with scratch_database(args["database_url"], name) as scratch_url:
            yield scratch_url

    def env_fixture(**args):
        return {**args["test_env"], "DATABASE_URL": args[url], "OUTBOX_POLL_SECONDS": "0.2", **(env_extra or {})}

    def migrated_fixture(**args):
        migrate_component(name, load_component_config(name, args[env]))
        return True

    def config_fixture(**args):
        return load_component_config(name, args[env])

    def db_fixture(**args):
        service_db = db_class(args[url], name)
        yield service_db
        service_db.close()

    def rpc_proxy_fixture(**args):
        def make(**kwargs):
            kwargs.setdefault("timeout", rpc_timeout)
            return RpcCluster(args[config], **kwargs)

        return make

    def service_fixture(**args):
        container = start_container(service_class, dict(args[config]))
        try:
            if after_start:
                after_start(container, args["db"], args["rpc_proxy"])
            yield container
        finally:
            container.kill()
            args["db"].wait_relay_free()

    def proxy_fixture(**args):
        with args["rpc_proxy"]() as cluster:
            yield getattr(cluster, name)

    def events_fixture(**args):
        collector = EventCollector(args["amqp_uri"], f"{name}.events", routing_key)
        yield collector
        collector.close()

    def service_process_fixture(**args):
        processes = ServiceProcesses(name, args[env], args[config], args["tmp_path"])
        yield processes.start
        processes.kill_all()
        args["db"].wait_relay_free()

    session = "session"
    fixtures = [
        (url, database_url_fixture, ["database_url"], session, "A database of the suite's own, dropped at the end."),
        (env, env_fixture, ["test_env", url], session, "The test environment (test vhost) on the suite's database."),
        (migrated, migrated_fixture, [env], session, f"The {name} schema migrated."),
        (config, config_fixture, [env, migrated], session,
         f"The {name} service's config on the test servers (do not change it: copy)."),
        ("db", db_fixture, [url, migrated], session, f"Direct SQL on the {name} schema ({db_class.__name__})."),
        ("rpc_proxy", rpc_proxy_fixture, [config], session,
         f"``with rpc_proxy() as cluster: cluster.{name}...`` (one proxy per green thread)."),
        ("service", service_fixture, [config, "db", "rpc_proxy"] if after_start else [config, "db"], "module",
         f"A started {service_class.__name__} container shared by the tests of a module; killed at teardown,"
         " the relay's leader lock waited for."),
        (name, proxy_fixture, ["service", "rpc_proxy"], "module", f"The ``{name}`` service of a started RPC cluster."),
        ("events", events_fixture, ["amqp_uri"], "function",
         f"A collector bound to ``{name}.events`` (routing key ``{routing_key}``)."),
        ("service_process", service_process_fixture, [env, config, "db", "tmp_path"], "function",
         f"``service_process(OUTBOX_RELAY=\"false\")`` starts ``python -m shared.kit.run {name}`` and waits"
         " until it answers its health RPC; processes still alive at teardown are killed."),
    ]
    made = {}
    for fixture_name, func, argnames, scope, doc in fixtures:
        func.__doc__ = doc
        made[fixture_name] = _fixture(func, argnames, scope, fixture_name)
    return made
