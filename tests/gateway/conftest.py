"""Fixtures of the gateway's tests.

- ``gateway_config``: the gateway's config on the test database (schema
  ``gateway``, migrated once) and the session's vhost.
- ``fake_rpc`` / ``app`` / ``client``: the app with a stand-in for the RPC pool
  that records calls and answers from a table; used only for the gateway's
  own mechanics (auth, problems, OpenAPI, idempotency, rate limits, bad input
  that must never reach a service).
- ``tokens``: one user and API token per role; ``owners``: the users the
  tests name as owners (ann, bob).
- ``gdb``: direct SQL on the gateway schema.
"""

import io
import uuid

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway import users
from gateway.app import create_app
from shared.kit.tracing import setup_tracing
from tests.helpers import SchemaDb

ROLES = ("admin", "sales", "support", "marketing", "finance", "readonly")


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:12]}"


class FakeRpc:
    """Records ``call(service, method, *args)``; answers from ``answers``
    (a value, an exception to raise, or a function of the arguments)."""

    size = 1

    def __init__(self):
        self.calls = []
        self.answers = {}
        self.closed = False

    def call(self, service, method, *args, timeout=None, **kwargs):
        self.calls.append((service, method, args))
        answer = self.answers.get((service, method), {})
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(*args)
        return answer

    def call_pipelined(self, service, method, calls, in_flight=2, timeout=None):
        return [self.call(service, method, *args) for args in calls]

    def methods(self):
        return [method for _, method, _ in self.calls]

    def close(self):
        self.closed = True


@pytest.fixture(scope="session")
def gateway_config(component_config):
    """Rate limits high enough for the whole suite (their tests lower them)."""
    return component_config("gateway", LOGIN_RATE_LIMIT=10_000, WEB_FORM_RATE_LIMIT=10_000)


class GatewayDb(SchemaDb):
    def __init__(self, database_url, schema="gateway"):
        super().__init__(database_url, schema)

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def make_user(self, role, username=None, password=None, expires_in=None):
        """(user row, token) for a new user of ``role``."""
        user = users.create_user(self.conn, username or unique(role), role, password=password)
        _, token = users.create_token(self.conn, user["id"], "tests", expires_in)
        return user, token


@pytest.fixture(scope="session")
def gdb(gateway_config):
    db = GatewayDb(gateway_config["DATABASE_URL"])
    yield db
    db.close()


# Users the tests name as owners: an owner must be an active user of the suite.
OWNERS = ("ann", "bob")


@pytest.fixture(scope="session", autouse=True)
def owners(gdb):
    for name in OWNERS:
        gdb.execute("INSERT INTO users (username, role) VALUES (%s, 'sales') ON CONFLICT (username) DO NOTHING",
                    (name,))
    return OWNERS


@pytest.fixture(scope="session")
def tokens(gdb):
    """role -> token of a user with that role (made once per session)."""
    return {role: gdb.make_user(role)[1] for role in ROLES}


@pytest.fixture(scope="session")
def spans():
    """Every span finished in this process (filter by trace id)."""
    exporter = InMemorySpanExporter()
    setup_tracing("gateway-tests", extra_processor=SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def fake_rpc():
    return FakeRpc()


@pytest.fixture
def app(gateway_config, fake_rpc):
    application = create_app(dict(gateway_config), rpc_pool=fake_rpc)
    application.testing = False  # errors go through the handlers, as in production
    yield application
    application.extensions["gateway"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status, *fields):
    """The answer is an RFC 9457 problem with ``status``, naming ``fields`` in ``errors``."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and isinstance(body["title"], str)
    assert body["type"]
    assert body["instance"] == response.request.path
    assert response.headers["X-Request-ID"] == body["correlation_id"]
    for field in fields:
        assert field in body.get("errors", {}), (field, body)
    if status in (400, 422) and fields:
        assert isinstance(body["errors"], dict)
    return body


class WatchedBody(io.RawIOBase):
    """A request body (for ``input_stream``) that counts the bytes the gateway
    read of it and, when given ``cut``, calls it once ``at`` bytes are read."""

    def __init__(self, data, at=None, cut=None):
        self.data = io.BytesIO(data)
        self.read_bytes = 0
        self.at, self.cut = at, cut

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self.data.seek(offset, whence)

    def tell(self):
        return self.data.tell()

    def readinto(self, buffer):
        if self.cut is not None and self.data.tell() >= self.at:
            cut, self.cut = self.cut, None
            cut()
        size = self.data.readinto(buffer)
        self.read_bytes += size
        return size


# The real leads and sales services behind the real gateway, for the modules that ask for them.
from tests.gateway.live_services import live_api, live_services  # noqa: E402, F401
