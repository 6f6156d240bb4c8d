"""What the service test packages share: a scratch database per suite, direct
SQL on a service's schema and outbox, an event collector on a service's
exchange, concurrent RPC calls, and the service as a real process."""

import contextlib
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from kombu import Connection, Consumer, Exchange, Queue

from gateway import users
from gateway.app import create_app
from shared.kit.health import check
from shared.kit.paths import ROOT
from shared.kit.testing import Event, GreenPool, sleep
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
