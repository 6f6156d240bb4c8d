"""PostgreSQL provider: cooperative queries, one transaction per block, pool lifecycle."""

import eventlet
import eventlet.event
import psycopg
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.utils import get_extension

from shared.kit.db import Database, Db, advisory_lock, make_pool
from shared.schemas.errors import Conflict
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


def test_a_deadlock_is_a_conflict_to_retry_and_saves_nothing(database_url, kit_schema, kit_db):
    first, second = unique(), unique()
    kit_db.all("INSERT INTO notes (body) VALUES (%s), (%s) RETURNING id", (first, second))
    both_locked_one = eventlet.event.Event()
    locked = []

    def lock_in_order(db, bodies):
        with db.transaction() as conn:
            conn.execute("SELECT 1 FROM notes WHERE body = %s FOR UPDATE", (bodies[0],))
            locked.append(bodies[0])
            if len(locked) == 2:
                both_locked_one.send()
            both_locked_one.wait()
            conn.execute("UPDATE notes SET body = body || '-changed' WHERE body = %s", (bodies[1],))

    with make_pool(database_url, kit_schema, max_size=2) as pool:
        db = Db(pool)
        pool_ = eventlet.GreenPool(2)
        threads = [pool_.spawn(lock_in_order, db, order) for order in ((first, second), (second, first))]
        outcomes = []
        for thread in threads:
            try:
                outcomes.append(thread.wait())
            except Conflict as exc:
                outcomes.append(exc)

    [conflict] = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    assert conflict.status == 409 and "retry" in conflict.detail and conflict.extra == {"retry": True}
    changed = kit_db.all("SELECT body FROM notes WHERE body LIKE %s", ("%-changed",))
    assert len([row for row in changed if row["body"].split("-changed")[0] in (first, second)]) == 1


def test_advisory_lock_shared_holders_overlap_and_the_exclusive_one_waits(database_url):
    key = unique("lock")
    with psycopg.connect(database_url) as first, psycopg.connect(database_url) as second, \
            psycopg.connect(database_url) as third:
        for conn in (second, third):
            conn.execute("SET lock_timeout = '500ms'")
        advisory_lock(first, key, shared=True)
        advisory_lock(second, key, shared=True)  # LockNotAvailable if shared holders excluded each other
        with pytest.raises(psycopg.errors.LockNotAvailable):
            advisory_lock(third, key)
        third.rollback()
        first.rollback()
        second.rollback()  # the transactions end: the locks are gone
        advisory_lock(third, key)
