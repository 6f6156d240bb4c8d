"""Liveness without dependencies; readiness with the database and RPC to the services."""

from gateway.app import create_app
from gateway.rpc import RpcUnavailable
from tests.gateway.conftest import FakeRpc, assert_problem


def test_health_needs_nothing(gateway_config):
    app = create_app({**gateway_config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, rpc_pool=FakeRpc())
    try:
        response = app.test_client().get("/health")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    finally:
        app.extensions["gateway"].close()


def test_ready_when_database_and_services_answer(client, fake_rpc):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "leads": "ok", "sales": "ok"}}
    assert fake_rpc.calls == [("leads", "health", ()), ("sales", "health", ())]


def test_one_service_down_keeps_the_gateway_ready_and_shows_it(client, fake_rpc):
    fake_rpc.answers[("sales", "health")] = RpcUnavailable("timeout")
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "leads": "ok", "sales": "failed (RpcUnavailable)"}


def test_not_ready_when_no_service_answers(client, fake_rpc):
    fake_rpc.answers[("leads", "health")] = RpcUnavailable("timeout")
    fake_rpc.answers[("sales", "health")] = RpcUnavailable("timeout")
    body = assert_problem(client.get("/ready"), 503)
    assert body["checks"] == {"database": "ok", "leads": "failed (RpcUnavailable)",
                              "sales": "failed (RpcUnavailable)"}


def test_not_ready_without_the_database(gateway_config):
    fake = FakeRpc()
    app = create_app({**gateway_config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, rpc_pool=fake)
    try:
        response = app.test_client().get("/ready")
        body = assert_problem(response, 503)
        assert body["checks"]["database"].startswith("failed") and body["checks"]["leads"] == "ok"
        assert response.headers["Retry-After"]
    finally:
        app.extensions["gateway"].close()


def test_requests_without_the_database_are_503_not_500(gateway_config, tokens):
    app = create_app({**gateway_config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                      "DB_WAIT_SECONDS": 0.5}, rpc_pool=FakeRpc())
    try:
        response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['sales']}"})
        assert_problem(response, 503)
        assert response.headers["Retry-After"] == "5"
    finally:
        app.extensions["gateway"].close()
