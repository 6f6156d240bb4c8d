"""The suite as it runs in production, for outage tests: the leads service as
a real process, the gateway under gunicorn, a consumer of ``leads.events``
with its own durable (quorum) queue and inbox, and clients that keep
creating leads through the gateway while the broker or the database goes
away and comes back.

These tests restart RabbitMQ (``rabbitmqctl stop_app`` / ``start_app``) and
cut PostgreSQL off (every backend of the test database terminated): they run
last in the session (see tests/conftest.py), and where ``rabbitmqctl`` is not
allowed they close the vhost's connections through the management API
instead (a broker-side cut of every connection, as a restart does).
"""

import contextlib
import os
import shutil
import subprocess
import threading
import time
import uuid

import psycopg
import pytest
import requests

from gateway import users
from shared.kit.db import Database
from shared.kit.inbox import inbox_handler
from shared.kit.migrate import migrate
from shared.kit.testing import GreenPool, sleep, start_container
from tests.helpers import SchemaDb, free_port, gunicorn_gateway, wait_for
from tests.services import ServiceProcesses

RPC_TIMEOUT = 5  # the gateway's wait for a service: no request may hang longer (plus HTTP overhead)
WITNESS_SCHEMA = "outage_witness"


class OutageWitness:
    """A consumer of lead.created with exactly-once effects (the kit's inbox):
    one ``seen`` row per event it handled."""

    name = "outagewitness"
    db = Database()

    @inbox_handler("leads", "lead.created")
    def on_lead_created(self, event):
        with self.db.handle_once(event) as conn:
            if conn is not None:
                conn.execute("INSERT INTO seen (event_id, lead_id, last_name) VALUES (%s, %s, %s)",
                             (event["id"], event["data"]["lead"]["id"], event["data"]["lead"]["last_name"]))


@pytest.fixture(scope="module")
def witness(database_url, amqp_uri, tmp_path_factory):
    folder = tmp_path_factory.mktemp("witness")
    (folder / "0001_seen.sql").write_text(
        "CREATE TABLE seen (event_id uuid NOT NULL, lead_id uuid NOT NULL, last_name text,"
        " at timestamptz NOT NULL DEFAULT now());")
    migrate(database_url, WITNESS_SCHEMA, folder)
    config = {"SERVICE_NAME": "outagewitness", "AMQP_URI": amqp_uri, "DATABASE_URL": database_url,
              "DB_SCHEMA": WITNESS_SCHEMA, "INBOX_DELIVERY_LIMIT": 20, "DB_POOL_MAX": 4}
    container = start_container(OutageWitness, config)
    db = SchemaDb(database_url, WITNESS_SCHEMA)
    yield db
    container.kill()
    db.close()


@pytest.fixture(scope="module")
def leads_process(test_env, tmp_path_factory, component_config):
    config = component_config("leads")
    ops_port = free_port()
    processes = ServiceProcesses("leads", {**test_env, "OPS_PORT": str(ops_port), "OPS_HOST": "127.0.0.1",
                                           "DB_WAIT_SECONDS": "3"},
                                 config, tmp_path_factory.mktemp("leads"))
    handle = processes.start(timeout=60)
    handle.ops_url = f"http://127.0.0.1:{ops_port}"
    yield handle
    processes.kill_all()


@pytest.fixture(scope="module")
def gateway(test_env, component_config, leads_process, tmp_path_factory):
    config = component_config("gateway")
    admin_db = SchemaDb(config["DATABASE_URL"], "gateway")
    user = users.create_user(admin_db.conn, f"outage-{uuid.uuid4().hex[:8]}", "sales")
    token = users.create_token(admin_db.conn, user["id"], "outage tests")[1]
    admin_db.close()
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    with gunicorn_gateway(test_env, log_path, GATEWAY_WORKERS=2, RPC_TIMEOUT=RPC_TIMEOUT, DB_WAIT_SECONDS=3,
                          TOKEN_CACHE_SECONDS=60) as (url, _process):
        yield Gateway(url, token, log_path)


class Gateway:
    def __init__(self, url, token, log_path):
        self.url, self.log_path = url, log_path
        self.headers = {"Authorization": f"Bearer {token}"}

    def create(self, last_name, key, timeout=RPC_TIMEOUT + 15):
        started = time.monotonic()
        try:
            response = requests.post(f"{self.url}/api/v1/leads", json={"last_name": last_name},
                                     headers={**self.headers, "Idempotency-Key": key}, timeout=timeout)
        except requests.RequestException as exc:
            return Attempt(last_name, key, None, time.monotonic() - started, repr(exc))
        return Attempt(last_name, key, response, time.monotonic() - started)

    def ready(self):
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.url}/ready", timeout=3).status_code == 200
        return False


class Attempt:
    def __init__(self, last_name, key, response, seconds, failure=None):
        self.last_name, self.key, self.seconds, self.failure = last_name, key, seconds, failure
        self.status = response.status_code if response is not None else None
        self.content_type = response.headers.get("Content-Type") if response is not None else None
        self.lead_id = response.json().get("id") if self.status == 201 else None
        self.retry_after = response.headers.get("Retry-After") if response is not None else None


class Load:
    """``clients`` loops creating one lead per request (each with its own
    Idempotency-Key) until stopped; every attempt is kept."""

    def __init__(self, gateway, marker, clients=6):
        self.gateway, self.marker = gateway, marker
        self.attempts = []
        self.stopping = threading.Event()
        self.pool = GreenPool(clients)
        self.threads = [self.pool.spawn(self._client, number) for number in range(clients)]

    def _client(self, number):
        sequence = 0
        while not self.stopping.is_set():
            sequence += 1
            self.attempts.append(self.gateway.create(f"{self.marker}-{number}-{sequence}", str(uuid.uuid4())))
            sleep(0.01)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.wait()


@pytest.fixture
def load(gateway):
    started = []

    def start(marker, clients=6):
        started.append(Load(gateway, marker, clients))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def rabbitmqctl(*args):
    binary = shutil.which("rabbitmqctl")
    if binary is None:
        return None
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, check=False)


class Broker:
    """Restarts the broker for real where this machine allows it."""

    def __init__(self, rabbit_admin, vhost):
        self.rabbit_admin, self.vhost = rabbit_admin, vhost

    def restart(self, down_seconds=3):
        """Stop the RabbitMQ application, wait, start it again; returns how.
        ``CRM_TEST_BROKER_OUTAGE=close-connections`` only closes the vhost's
        connections (for a machine whose broker others are using)."""
        if os.environ.get("CRM_TEST_BROKER_OUTAGE") == "close-connections":
            self._close_vhost_connections()
            return "closed every connection of the vhost (CRM_TEST_BROKER_OUTAGE)"
        stopped = rabbitmqctl("stop_app")
        if stopped is None or stopped.returncode != 0:
            self._close_vhost_connections()
            return "closed every connection of the vhost (rabbitmqctl stop_app is not allowed here)"
        try:
            time.sleep(down_seconds)
        finally:
            started = rabbitmqctl("start_app")
            assert started is not None and started.returncode == 0, started and started.stderr
            rabbitmqctl("await_startup")
            wait_for(self._management_answers, 60, 0.5, "the management API did not come back")
        return "rabbitmqctl stop_app, then start_app"

    def _management_answers(self):
        with contextlib.suppress(requests.RequestException):
            self.rabbit_admin.call("GET", "overview")
            return True
        return False

    def _close_vhost_connections(self):
        from urllib.parse import quote

        for connection in self.rabbit_admin.call("GET", f"vhosts/{quote(self.vhost, safe='')}/connections"):
            with contextlib.suppress(requests.HTTPError):
                self.rabbit_admin.call("DELETE", f"connections/{quote(connection['name'], safe='')}")


@pytest.fixture
def broker(rabbit_admin, vhost):
    return Broker(rabbit_admin, vhost)


class Database_:
    """Cuts the test database off: every backend of it is terminated, again
    and again, for a while (new connections die at once too)."""

    def __init__(self, database_url):
        self.database_url = database_url
        self.name = database_url.rsplit("/", 1)[1]

    def cut_off(self, seconds=4):
        admin_url = self.database_url.rsplit("/", 1)[0] + "/postgres"
        deadline = time.monotonic() + seconds
        terminated = 0
        with psycopg.connect(admin_url, autocommit=True) as admin:
            while time.monotonic() < deadline:
                terminated += admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s"
                    " AND pid <> pg_backend_pid()", (self.name,)).fetchone()[0]
                time.sleep(0.05)
        return terminated


@pytest.fixture
def database(database_url):
    return Database_(database_url)


def leads_db(database_url):
    return SchemaDb(database_url, "leads")

