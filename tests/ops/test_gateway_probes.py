"""The gateway's probes: liveness without dependencies; readiness with its
database and the broker, never a service (each service has its own probes)."""

import socket
import time

from tests.gateway.conftest import assert_problem

NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"
NO_BROKER = "amqp://guest:guest@127.0.0.1:1/"


def test_health_needs_neither_database_nor_broker(make_gateway):
    app = make_gateway(DATABASE_URL=NO_DATABASE, AMQP_URI=NO_BROKER)
    response = app.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_ready_when_database_and_broker_answer(make_gateway):
    app = make_gateway()
    response = app.test_client().get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert app.extensions["gateway"].rpc.calls == [], "readiness must not ask the services"


def test_not_ready_without_the_broker(make_gateway):
    started = time.monotonic()
    response = make_gateway(AMQP_URI=NO_BROKER).test_client().get("/ready")
    body = assert_problem(response, 503)
    assert body["checks"] == {"database": "ok", "broker": "failed (OperationalError)"}
    assert response.headers["Retry-After"] == "5"
    assert time.monotonic() - started < 3, "a refused connection is reported at once"


def test_a_broker_that_never_answers_is_reported_within_the_probe_timeout(make_gateway):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        response = make_gateway(AMQP_URI=f"amqp://guest:guest@127.0.0.1:{port}/").test_client().get("/ready")
        elapsed = time.monotonic() - started
    assert assert_problem(response, 503)["checks"]["broker"].startswith("failed")
    assert elapsed < 4, f"/ready took {elapsed:.1f} s; the probe gives it 5"


def test_not_ready_with_a_broker_that_refuses_the_vhost(make_gateway, amqp_uri):
    response = make_gateway(AMQP_URI=amqp_uri + "-missing").test_client().get("/ready")
    assert assert_problem(response, 503)["checks"]["broker"] == "failed (NotAllowed)"


def test_not_ready_without_the_database(make_gateway):
    response = make_gateway(DATABASE_URL=NO_DATABASE).test_client().get("/ready")
    body = assert_problem(response, 503)
    assert body["checks"]["database"].startswith("failed") and body["checks"]["broker"] == "ok"
    assert response.headers["Retry-After"]


def test_requests_without_the_database_are_503_not_500(make_gateway):
    app = make_gateway(DATABASE_URL=NO_DATABASE, DB_WAIT_SECONDS=0.5)
    # A well-formed token: checking it needs the database.
    response = app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer crm_" + "A" * 40})
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
