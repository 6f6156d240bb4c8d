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
- ``rate_limited_app``: ``rate_limited_app(answers, KB_VOTE_RATE_LIMIT=2)``,
  an app on a fake RPC pool with small limits, made early in a rate window.
- ``assert_safe_html``: the checks every server-rendered public page passes;
  ``random_ip()``: a client address of its own (a rate limit's key).
"""

import base64
import hashlib
import io
import random
import re
import time
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


@pytest.fixture
def rate_limited_app(gateway_config, gdb):
    """``rate_limited_app(answers, **config)``: an app with these config
    overrides (small rate limits) on a FakeRpc answering ``answers``, made at
    least 3 s before the next minute's window so that counts do not straddle two."""
    made = []

    def make(answers, **config):
        left = 60 - gdb.scalar("SELECT mod(extract(epoch FROM now()), 60)::float")
        if left < 3:
            time.sleep(left + 0.1)
        application = create_app({**gateway_config, **config}, rpc_pool=FakeRpc())
        application.extensions["gateway"].rpc.answers.update(answers)
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["gateway"].close()


def random_ip():
    """A client address of its own (what the public routes' rate limits count by)."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def _style_hash(html):
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()


def assert_safe_html(response, status):
    """A server-rendered page (help centre, survey) with this status that
    needs no script: a strict Content-Security-Policy allowing only its inline
    style (by hash), no script or inline handler, a mobile viewport; returns the HTML."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert f"'sha256-{_style_hash(html)}'" in csp, "the inline style is allowed by its hash, nothing else is"
    assert "form-action 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "<script" not in html.lower() and "javascript:" not in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "no inline event handlers"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    return html


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
