"""A service built on the kit's Service base: its ops port (liveness,
readiness, metrics), its janitor (inbox and answer retention) and background
loops that survive their own bugs."""

import contextlib
import re
import socket
import uuid
from urllib.parse import quote

import psycopg
import pytest
import requests
from prometheus_client import REGISTRY, generate_latest

from shared.kit.config import ConfigError
from shared.kit.consumers import consumers_of
from shared.kit.janitor import retention_settings
from shared.kit.migrate import migrate
from shared.kit.rpc_client import RpcClient, RpcUnavailable
from tests.helpers import wait_for
from tests.kit.conftest import MIGRATIONS, SCHEMA, unique
from tests.kit.sample_service import KitFull
from tests.services import scratch_database


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def full_config(kit_config):
    return {**kit_config, "SERVICE_NAME": "kitfull", "OPS_PORT": free_port(), "OPS_HOST": "127.0.0.1",
            "JANITOR_INTERVAL_SECONDS": 0.3, "DB_WAIT_SECONDS": 1}


@pytest.fixture
def client(kit_config):
    rpc = RpcClient(kit_config["AMQP_URI"], timeout=10)
    yield rpc
    rpc.close()


def ops(config, path):
    return requests.get(f"http://127.0.0.1:{config['OPS_PORT']}{path}", timeout=5)


def test_liveness_readiness_and_metrics(start_service, full_config, client):
    start_service(KitFull, **full_config)
    assert ops(full_config, "/livez").json() == {"status": "ok", "service": "kitfull"}
    ready = ops(full_config, "/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "consumers": "ok"}

    client.call("kitfull", "write_note", unique())
    with pytest.raises(Exception, match="refused on purpose"):
        client.call("kitfull", "refuse")
    metrics = ops(full_config, "/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.text
    assert 'crm_worker_calls_total{entrypoint="write_note",kind="rpc",outcome="ok",service="kitfull"}' in text
    assert 'crm_worker_calls_total{entrypoint="refuse",kind="rpc",outcome="refused",service="kitfull"}' in text
    assert 'crm_worker_seconds_bucket{entrypoint="write_note"' in text
    for gauge in ("crm_outbox_pending", "crm_outbox_oldest_seconds", "crm_dead_lettered_messages"):
        assert f'{gauge}{{service="kitfull"}}' in text, gauge
    assert ops(full_config, "/nope").status_code == 404


def test_readiness_follows_the_database_and_liveness_does_not(start_service, full_config, database_url):
    with scratch_database(database_url, "ops") as url:
        migrate(url, SCHEMA, MIGRATIONS)
        config = {**full_config, "DATABASE_URL": url, "OUTBOX_RELAY": False}
        start_service(KitFull, **config)
        assert ops(config, "/readyz").status_code == 200
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            try:
                answer = ops(config, "/readyz")
                assert answer.status_code == 503
                assert answer.json()["status"] == "unavailable"
                assert answer.json()["checks"]["database"].startswith("failed")
                assert answer.json()["checks"]["broker"] == "ok"
                assert ops(config, "/livez").status_code == 200
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        wait_for(lambda: ops(config, "/readyz").status_code == 200, 10, message="not ready again")


def test_readiness_waits_for_the_consumers_and_they_come_back_within_seconds(start_service, full_config, client,
                                                                            rabbit_admin, vhost):
    container = start_service(KitFull, **full_config)
    consumers = consumers_of(container)
    assert consumers and all(consumer.consuming for consumer in consumers)

    # A process whose consumers are away is not ready, though the broker answers a fresh connection.
    consumers[0].consuming = False
    answer = ops(full_config, "/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"] == "ok"
    assert answer.json()["checks"]["consumers"].startswith("failed (ConnectionError: not consuming yet")
    consumers[0].consuming = True

    # The broker drops every connection of the service: its consumers reconnect at once (kombu's own
    # schedule would wait 2, 4, 6 ... s between attempts once the first one failed).
    connected = {consumer: consumer.connections for consumer in consumers}

    def reconnected():
        # The management API lists a new connection within its statistics interval (seconds).
        for connection in rabbit_admin.call("GET", f"vhosts/{quote(vhost, safe='')}/connections"):
            with contextlib.suppress(requests.HTTPError):  # gone already
                rabbit_admin.call("DELETE", f"connections/{quote(connection['name'], safe='')}")
        return all(consumer.connections > connected[consumer] for consumer in consumers)

    wait_for(reconnected, 20, 0.5, "the consumers did not reconnect")
    wait_for(lambda: ops(full_config, "/readyz").status_code == 200, 5, 0.1, "not ready again within 5 s")
    assert all(consumer.consuming for consumer in consumers)

    def answers():
        try:
            return client.call("kitfull", "loop_state") is not None
        except RpcUnavailable:  # the client's own connection was closed too: it reconnects on the next call
            return False

    wait_for(answers, 10, 0.2, "the service did not answer")


def failures_counted(text):
    pattern = r'crm_background_failures_total\{error="KeyError",loop="flaky-loop",service="kitfull"\} ([0-9.]+)'
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def test_a_background_loop_survives_its_bugs(start_service, full_config, client):
    before = failures_counted(generate_latest(REGISTRY).decode())  # counters are per process
    container = start_service(KitFull, **full_config)
    wait_for(lambda: client.call("kitfull", "loop_state")["served"] > 0, 10, message="the loop never recovered")
    assert client.call("kitfull", "loop_state")["rounds"] == 3
    assert not container._died.ready()
    assert failures_counted(ops(full_config, "/metrics").text) == before + 2


def test_the_janitor_keeps_inbox_and_answers_to_their_retention(start_service, full_config, kit_db):
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    kit_db.all("INSERT INTO inbox (consumer, event_id, event_type, received_at) VALUES"
               " ('kitfull.old', %s, 'note.written', now() - interval '15 days'),"
               " ('kitfull.recent', %s, 'note.written', now() - interval '13 days') RETURNING event_id",
               (old, recent))
    kit_db.all("INSERT INTO rpc_answers (key, method, answer, answered_at) VALUES"
               " (%s, 'kitfull.write_note', '{}', now() - interval '25 hours'),"
               " (%s, 'kitfull.write_note', '{}', now() - interval '23 hours') RETURNING key", (old, recent))
    start_service(KitFull, **full_config)
    wait_for(lambda: kit_db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (old,)) == 0, 10,
             message="the janitor did not purge the old inbox row")
    wait_for(lambda: kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (old,)) == 0, 10,
             message="the janitor did not purge the old answer")
    assert kit_db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s", (recent,)) == 1
    assert kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (recent,)) == 1


def test_the_inbox_must_outlive_the_replay_window():
    assert retention_settings({"INBOX_RETENTION_DAYS": 14, "OUTBOX_RETENTION_DAYS": 7}) == (14, 24)
    with pytest.raises(ConfigError, match="INBOX_RETENTION_DAYS"):
        retention_settings({"INBOX_RETENTION_DAYS": 7, "OUTBOX_RETENTION_DAYS": 7})
