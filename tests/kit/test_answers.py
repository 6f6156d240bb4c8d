"""Recorded answers: an RPC carrying an idempotency key runs once; a repeat
gets the first answer, even while the first is still running."""

import uuid

import eventlet
import pytest

from shared.kit.rpc_client import RemoteError, RpcClient
from tests.kit.conftest import unique
from tests.kit.sample_service import KitSample


@pytest.fixture
def client(kit_config):
    rpc = RpcClient(kit_config["AMQP_URI"], timeout=10, size=4)
    yield rpc
    rpc.close()


def keyed(key):
    return {"idempotency_key": key}


def test_a_repeat_gets_the_first_answer_and_writes_nothing(start_service, client, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body, key = unique(), str(uuid.uuid4())
    first = client.call("kitsample", "write_note", body, context=keyed(key))
    again = client.call("kitsample", "write_note", body, context=keyed(key))
    assert again == first
    assert kit_db.scalar("SELECT count(*) FROM notes WHERE body = %s", (body,)) == 1
    assert kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (key,)) == 1
    assert len(kit_db.outbox_rows([body])) == 1  # and one event
    other = client.call("kitsample", "write_note", body, context=keyed(str(uuid.uuid4())))
    assert other["id"] != first["id"]


def test_concurrent_repeats_run_once(start_service, client, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body, key = unique(), str(uuid.uuid4())
    pool = eventlet.GreenPool(5)
    answers = list(pool.imap(lambda _: client.call("kitsample", "write_note", body, context=keyed(key)), range(5)))
    assert len({answer["id"] for answer in answers}) == 1
    assert kit_db.scalar("SELECT count(*) FROM notes WHERE body = %s", (body,)) == 1


def test_a_failed_call_records_no_answer_and_rolls_back(start_service, client, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body, key = unique(), str(uuid.uuid4())
    with pytest.raises(RemoteError):
        client.call("kitsample", "write_note", body, True, context=keyed(key))
    assert kit_db.scalar("SELECT count(*) FROM notes WHERE body = %s", (body,)) == 0
    assert kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (key,)) == 0
    note = client.call("kitsample", "write_note", body, context=keyed(key))  # the retry runs for real
    assert note["body"] == body


def test_the_last_of_several_transactions_carries_the_answer(start_service, client, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    body, key = unique(), str(uuid.uuid4())
    first = client.call("kitsample", "write_in_two_steps", body, context=keyed(key))
    assert client.call("kitsample", "write_in_two_steps", body, context=keyed(key)) == first
    assert client.call("kitsample", "count_notes", body) == 1
    assert client.call("kitsample", "count_notes", body + "-first") == 1


def test_a_failure_after_the_writes_keeps_them_as_without_a_key(start_service, client, kit_db):
    """Keyed or not, a method's transactions commit when their blocks end; an
    error raised afterwards leaves them, and records no answer."""
    start_service(KitSample, OUTBOX_RELAY=False)
    body, key = unique(), str(uuid.uuid4())
    with pytest.raises(RemoteError):
        client.call("kitsample", "write_in_two_steps", body, True, context=keyed(key))
    assert client.call("kitsample", "count_notes", body) == 1
    assert kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (key,)) == 0


def test_reads_record_nothing(start_service, client, kit_db):
    start_service(KitSample, OUTBOX_RELAY=False)
    key = str(uuid.uuid4())
    assert client.call("kitsample", "count_notes", "nothing", context=keyed(key)) == 0
    assert kit_db.scalar("SELECT count(*) FROM rpc_answers WHERE key = %s", (key,)) == 0
