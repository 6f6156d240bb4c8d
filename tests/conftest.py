"""Test fixtures: a database and RabbitMQ vhost of the tests' own.

``make test`` sets CRM_TEST_DATABASE_URL (a database it recreates), and the
suite creates a throw-away vhost through the management API, so a running
``make up`` is never touched.
"""

from tests import workers

workers.cooperative_process()  # green threads, and psycopg's queries yield to them, as in a service (tests/workers.py)

import json  # noqa: E402
import os  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote, urlsplit, urlunsplit  # noqa: E402

import psycopg  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402

from shared.kit.config import load_component_config  # noqa: E402
from shared.kit.migrate import migrate_component  # noqa: E402
from tests import tally  # noqa: E402

DATABASE_URL = os.environ.get("CRM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/crm_test")
AMQP_BASE = os.environ.get("CRM_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
RABBIT_API = os.environ.get("CRM_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")


def pytest_configure(config):
    """Check tests/workers.py's guess: patched exactly where tests run (not in an xdist controller)."""
    distributing = config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None))
    controller = distributing and not workers.worker_id()
    runs_tests = not controller and not config.getoption("collectonly")
    if (controller and workers.is_patched()) or (runs_tests and not workers.is_patched()):
        raise pytest.UsageError(
            "tests/workers.py misjudged whether this pytest is an xdist controller: give -n/--dist on the"
            " command line (or in PYTEST_ADDOPTS), not in an ini file")
    if controller:  # it runs no test: nameko's warning that it is not patched is no news
        config.option.suppress_eventlet_notification = True


def pytest_terminal_summary(terminalreporter):
    """CRM_TEST_TALLY=FILE: this run's counts as JSON, for scripts/test.sh's sum of its runs (tests/tally.py)."""
    path = os.environ.get("CRM_TEST_TALLY")
    if path and not workers.worker_id():
        with open(path, "w") as out:
            json.dump(tally.counts(terminalreporter.stats), out)


def pytest_collection_modifyitems(items):
    """Outage tests (they restart the broker, cut the database off) run last; under
    pytest-xdist the longest work comes first (tests/workers.py)."""
    if workers.worker_id():
        items.sort(key=lambda item: workers.first_rank(item.nodeid))
    items.sort(key=lambda item: item.get_closest_marker("outage") is not None)
    path = os.environ.get("CRM_TEST_OUTAGE_FILES")
    if path and workers.worker_id() in (None, "gw0"):  # before -m deselects them: scripts/test.sh runs these alone
        files = sorted({item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("outage")})
        with open(path + ".tmp", "w") as out:
            out.write("".join(f"{name}\n" for name in files))
        os.replace(path + ".tmp", path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``: each test file on one worker, the console's files all on one (tests/workers.py)."""
    if config.getvalue("dist") == "loadfile":
        return workers.make_scheduler(config, log)
    return None


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


def _worker_database_url(url, worker):
    """The database of one pytest-xdist worker: the test database's name plus the worker's (crm_test_gw0)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{worker}"))


def _drop_database(url):
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url():
    """The test database; under pytest-xdist each worker has one of its own
    (created afresh, dropped at the end), so workers never share a schema."""
    worker = workers.worker_id()
    if not worker:
        _ensure_database(DATABASE_URL)
        yield DATABASE_URL
        return
    url = _worker_database_url(DATABASE_URL, worker)
    _drop_database(url)  # left over by an interrupted run
    _ensure_database(url)
    yield url
    _drop_database(url)


@pytest.fixture(scope="session")
def test_env(database_url, amqp_uri):
    """Environment that points a component's config at the test servers.  Small
    connection pools: two test processes side by side, each with its services,
    stay well inside PostgreSQL's max_connections (100 by default)."""
    return {**os.environ, "DATABASE_URL": database_url, "AMQP_URI": amqp_uri,
            "OUTBOX_POLL_SECONDS": "0.2", "LOG_LEVEL": "INFO", "OPS_PORT": "0", "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "6"}


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
