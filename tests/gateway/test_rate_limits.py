"""Fixed-window rate limits in the database: shared by every process."""

import random
import time

import pytest

from gateway.app import create_app
from tests.gateway.conftest import FakeRpc, assert_problem

FORM = {"last_name": "Lovelace", "email": "ada@example.com"}


def random_ip():
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def away_from_a_window_edge(gdb):
    """Counts must not straddle two windows (the database clock decides)."""
    left = 60 - gdb.scalar("SELECT mod(extract(epoch FROM now()), 60)::float")
    if left < 3:
        time.sleep(left + 0.1)


@pytest.fixture
def limited_apps(gateway_config, gdb):
    """Two apps (as two gunicorn workers or replicas) with low limits."""
    away_from_a_window_edge(gdb)
    config = {**gateway_config, "WEB_FORM_RATE_LIMIT": 3, "LOGIN_RATE_LIMIT": 2}
    apps = [create_app(dict(config), rpc_pool=FakeRpc()) for _ in range(2)]
    for app in apps:
        app.extensions["gateway"].rpc.answers[("leads", "capture_web_form")] = {"status": "received"}
    yield apps
    for app in apps:
        app.extensions["gateway"].close()


def test_web_form_is_limited_per_client_across_processes(limited_apps):
    ip, other_ip = random_ip(), random_ip()
    one, two = (app.test_client() for app in limited_apps)
    statuses = [client.post("/api/v1/public/web-form", json=FORM, environ_base={"REMOTE_ADDR": ip}).status_code
                for client in (one, two, one)]
    assert statuses == [202, 202, 202]
    response = two.post("/api/v1/public/web-form", json=FORM, environ_base={"REMOTE_ADDR": ip})
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # another client is not affected
    assert one.post("/api/v1/public/web-form", json=FORM, environ_base={"REMOTE_ADDR": other_ip}).status_code == 202
    # the refused one never reached the service
    calls = sum(len(app.extensions["gateway"].rpc.calls) for app in limited_apps)
    assert calls == 4


def test_a_form_post_is_accepted(limited_apps):
    client = limited_apps[0].test_client()
    response = client.post("/api/v1/public/web-form", data={**FORM, "message": "Call me"},
                           environ_base={"REMOTE_ADDR": random_ip()})
    assert response.status_code == 202 and response.get_json() == {"status": "received"}
    _, method, (data,) = limited_apps[0].extensions["gateway"].rpc.calls[0]
    assert method == "capture_web_form" and data["message"] == "Call me" and data["last_name"] == "Lovelace"


def test_login_attempts_are_limited(limited_apps):
    ip = random_ip()
    client = limited_apps[0].test_client()
    attempts = [client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong password"},
                            environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(3)]
    assert attempts == [401, 401, 429]


def test_forwarded_for_counts_only_behind_trusted_proxies(gateway_config):
    app = create_app({**gateway_config, "WEB_FORM_RATE_LIMIT": 1, "TRUSTED_PROXY_HOPS": 1}, rpc_pool=FakeRpc())
    try:
        client = app.test_client()
        proxy = random_ip()
        for _ in range(2):  # two different clients behind the same ingress
            response = client.post("/api/v1/public/web-form", json=FORM, environ_base={"REMOTE_ADDR": proxy},
                                   headers={"X-Forwarded-For": random_ip()})
            assert response.status_code == 202
    finally:
        app.extensions["gateway"].close()
