"""PostgreSQL provider: cooperative queries, one transaction per block, pool lifecycle."""

import pytest
from nameko.exceptions import RemoteError
from nameko.testing.utils import get_extension

from shared.kit.db import Database, Db, make_pool
from tests.kit.conftest import SCHEMA, unique, wait_for
from tests.kit.sample_service import KitSample


def test_concurrent_queries_overlap_under_eventlet(start_service, rpc_proxy):
    start_service(KitSample, OUTBOX_RELAY=False)

    with rpc_proxy() as cluster:
        pending = [cluster.kitsample.sleep_in_db.call_async(0.3) for _ in range(5)]
        results = [reply.result() for reply in pending]

    # every query started before any of them ended: they ran at the same time
    assert max(row["started"] for row in results) < min(row["ended"] for row in results)


def test_a_failing_worker_rolls_back_its_transaction(start_service, rpc_proxy, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body = unique()

    with rpc_proxy() as cluster:
        with pytest.raises(RemoteError) as raised:
            cluster.kitsample.write_note(body, fail_after_write=True)
        assert raised.value.exc_type == "ValueError"

    assert kit_db.all("SELECT * FROM notes WHERE body = %s", (body,)) == []
    assert kit_db.outbox_rows([body]) == []


def test_a_successful_worker_commits_the_note_and_its_event_together(start_service, rpc_proxy, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body = unique()

    with rpc_proxy() as cluster:
        note = cluster.kitsample.write_note(body)

    assert kit_db.one("SELECT id, body FROM notes WHERE body = %s", (body,)) == note
    [row] = kit_db.outbox_rows([body])
    assert row["event_type"] == "note.written"
    assert row["published_at"] is None


def test_the_pool_closes_when_the_container_stops(start_service, kit_db):
    container = start_service(KitSample, OUTBOX_RELAY=False)
    pool = get_extension(container, Database).pool
    with pool.connection() as conn:
        backend_pid = conn.info.backend_pid
    assert kit_db.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend_pid,)) == 1

    container.stop()

    assert pool.closed
    wait_for(
        lambda: kit_db.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend_pid,)) == 0,
        message="the pool's connection is still open after the container stopped",
    )


def test_pool_connections_see_the_schema_and_return_dicts(database_url, kit_schema):
    with make_pool(database_url, kit_schema, max_size=2) as pool:
        db = Db(pool)
        assert db.ping() is True
        with db.transaction() as conn:
            row = conn.execute("SELECT current_schema() AS schema, current_setting('application_name') AS app")
            assert row.fetchone() == {"schema": SCHEMA, "app": f"crm-{SCHEMA}"}


def test_transaction_commits_at_the_end_of_the_block(database_url, kit_schema, kit_db):
    body = unique()
    with make_pool(database_url, kit_schema, max_size=2) as pool:
        db = Db(pool)
        with pytest.raises(RuntimeError):
            with db.transaction() as conn:
                conn.execute("INSERT INTO notes (body) VALUES (%s)", (body + "-rolled-back",))
                raise RuntimeError("boom")
        with db.transaction() as conn:
            conn.execute("INSERT INTO notes (body) VALUES (%s)", (body,))

    assert [row["body"] for row in kit_db.all("SELECT body FROM notes WHERE body LIKE %s", (body + "%",))] == [body]
