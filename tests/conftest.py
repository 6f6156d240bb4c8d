"""Test fixtures: a database and RabbitMQ vhost of the tests' own.

``make test`` sets CRM_TEST_DATABASE_URL (a database it recreates), and the
suite creates a throw-away vhost through the management API, so a running
``make up`` is never touched.
"""

from shared.kit.monkey import patch_all

patch_all()  # green threads, and psycopg's queries yield to them, as in a service

import os  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote, urlsplit, urlunsplit  # noqa: E402

import psycopg  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402

from shared.kit.config import load_component_config  # noqa: E402
from shared.kit.migrate import migrate_component  # noqa: E402

DATABASE_URL = os.environ.get("CRM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/crm_test")
AMQP_BASE = os.environ.get("CRM_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
RABBIT_API = os.environ.get("CRM_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")


def pytest_collection_modifyitems(items):
    """Outage tests (they restart the broker, cut the database off) run last."""
    items.sort(key=lambda item: item.get_closest_marker("outage") is not None)


def _ensure_database(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class RabbitAdmin:
    """The management API, for vhosts and for peeking at queues."""

    def __init__(self, api):
        parts = urlsplit(api)
        self.base = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
        self.auth = (parts.username or "guest", parts.password or "guest")

    def call(self, method, path, **kwargs):
        response = requests.request(method, f"{self.base}/api/{path}", auth=self.auth, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def queue(self, vhost, name):
        return self.call("GET", f"queues/{quote(vhost, safe='')}/{quote(name, safe='')}")

    def get_messages(self, vhost, name, count=100):
        return self.call(
            "POST",
            f"queues/{quote(vhost, safe='')}/{quote(name, safe='')}/get",
            json={"count": count, "ackmode": "ack_requeue_true", "encoding": "auto"},
        )


@pytest.fixture(scope="session")
def rabbit_admin():
    return RabbitAdmin(RABBIT_API)


@pytest.fixture(scope="session")
def vhost(rabbit_admin):
    name = f"crm-test-{uuid.uuid4().hex[:8]}"
    rabbit_admin.call("PUT", f"vhosts/{name}")
    rabbit_admin.call(
        "PUT", f"permissions/{name}/{rabbit_admin.auth[0]}", json={"configure": ".*", "write": ".*", "read": ".*"}
    )
    yield name
    rabbit_admin.call("DELETE", f"vhosts/{name}")


@pytest.fixture(scope="session")
def amqp_uri(vhost):
    return AMQP_BASE.rstrip("/") + "/" + quote(vhost, safe="")


@pytest.fixture(scope="session")
def database_url():
    _ensure_database(DATABASE_URL)
    return DATABASE_URL


@pytest.fixture(scope="session")
def test_env(database_url, amqp_uri):
    """Environment that points a component's config at the test servers."""
    return {**os.environ, "DATABASE_URL": database_url, "AMQP_URI": amqp_uri,
            "OUTBOX_POLL_SECONDS": "0.2", "LOG_LEVEL": "INFO", "OPS_PORT": "0"}


@pytest.fixture(scope="session")
def component_config(test_env):
    """``component_config("leads")``: that component's config, migrated, on the test servers."""
    migrated = {}

    def make(name, **overrides):
        config = load_component_config(name, test_env)
        if name not in migrated:
            migrate_component(name, config)
            migrated[name] = True
        config.update(overrides)
        return config

    return make
