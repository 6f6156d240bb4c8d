"""Transactional outbox and its relay, on the real broker and database.

Absence ("nothing else was published") is proven with a sentinel: the relay
publishes in outbox order, so once a note written later has arrived, anything
that was going to be published before it has arrived too.
"""

import gc
import uuid
from datetime import datetime
from urllib.parse import quote

import pytest
import yaml
from nameko.exceptions import RemoteError

from shared.kit.relay import ConfirmingPublisher, purge_published
from shared.kit.relay import main as relay_cli
from shared.schemas.envelope import EnvelopeSchema
from tests.kit.conftest import relay_of, unique, wait_for
from tests.kit.sample_service import KitSample


def ids_of(messages):
    return [message.envelope["id"] for message in messages]


def relay_connection_port():
    """The local port of the one open relay publisher in this process."""
    def is_open(publisher):
        try:
            return publisher.raw.connected and publisher.raw.sock is not None
        except ReferenceError:  # a closed publisher's transport is gone
            return False

    publishers = [item for item in gc.get_objects() if type(item) is ConfirmingPublisher and is_open(item)]
    assert len(publishers) == 1, publishers
    return publishers[0].raw.sock.getsockname()[1]


def write_sentinel(cluster, tap):
    sentinel = unique("sentinel")
    cluster.kitsample.write_note(sentinel)
    tap.wait_notes([sentinel])


def test_an_event_arrives_in_nameko_format(start_service, rpc_proxy, event_tap, kit_db):
    tap = event_tap()
    start_service(KitSample)
    body = unique()

    with rpc_proxy() as cluster:
        note = cluster.kitsample.write_note(body)
    [message] = tap.wait_notes([body])

    assert message.routing_key == "note.written"
    envelope = EnvelopeSchema().load(message.envelope)
    assert set(message.envelope) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "data"}
    assert envelope["type"] == "note.written"
    assert envelope["version"] == 1
    assert envelope["producer"] == "kitsample"
    assert envelope["data"] == note
    assert envelope["occurred_at"].tzinfo is not None
    assert isinstance(envelope["id"], uuid.UUID)
    assert message.properties["content_type"] == "application/json"
    assert message.properties["message_id"] == message.envelope["id"]
    assert message.properties["delivery_mode"] == 2
    [row] = kit_db.outbox_rows([body])
    assert str(row["event_id"]) == message.envelope["id"]


def test_published_rows_are_marked(start_service, rpc_proxy, event_tap, kit_db):
    tap = event_tap()
    start_service(KitSample)
    bodies = [unique() for _ in range(3)]

    with rpc_proxy() as cluster:
        for body in bodies:
            cluster.kitsample.write_note(body)
    tap.wait_notes(bodies)

    rows = wait_for(lambda: [row for row in kit_db.outbox_rows(bodies) if row["published_at"] is not None]
                    if all(row["published_at"] for row in kit_db.outbox_rows(bodies)) else None)
    assert len(rows) == 3
    assert all(row["published_at"] >= row["created_at"] for row in rows)


def test_a_rolled_back_write_publishes_nothing(start_service, rpc_proxy, event_tap, kit_db):
    tap = event_tap()
    start_service(KitSample)
    doomed = unique("doomed")

    with rpc_proxy() as cluster:
        with pytest.raises(RemoteError):
            cluster.kitsample.write_note(doomed, fail_after_write=True)
        write_sentinel(cluster, tap)

    assert tap.notes([doomed]) == []
    assert kit_db.outbox_rows([doomed]) == []


def test_two_thousand_events_arrive_in_order_and_once(start_service, rpc_proxy, event_tap):
    tap = event_tap()
    start_service(KitSample)
    bodies = [f"{unique('bulk')}-{index}" for index in range(2000)]

    with rpc_proxy() as cluster:
        ids = cluster.kitsample.write_many(bodies)
        write_sentinel(cluster, tap)

    messages = tap.notes(bodies)
    assert [message.note_body for message in messages] == bodies
    assert ids_of(messages) == ids
    assert len(set(ids)) == 2000


def test_the_relay_publishes_again_after_its_connection_is_killed(
    start_service, rpc_proxy, event_tap, rabbit_admin, vhost, caplog
):
    tap = event_tap()
    container = start_service(KitSample)
    before, after = unique("before"), unique("after")
    with rpc_proxy() as cluster:
        cluster.kitsample.write_note(before)
    tap.wait_notes([before])

    # find the relay's live connection by its local port, wait until the
    # management API lists it, and close it there (as a broker restart would)
    port = relay_connection_port()

    def listed():
        connections = rabbit_admin.call("GET", f"vhosts/{quote(vhost, safe='')}/connections")
        return [c["name"] for c in connections if c.get("peer_port") == port]

    [name] = wait_for(listed, message="the management API does not list the relay's connection")
    rabbit_admin.call("DELETE", f"connections/{quote(name, safe='')}")

    with rpc_proxy() as cluster:
        cluster.kitsample.write_note(after)
    [message] = tap.wait_notes([after], timeout=20)

    assert message.routing_key == "note.written"
    assert len(tap.notes([before])) == 1
    wait_for(lambda: relay_of(container).published >= 2)
    # the relay noticed the kill and reconnected (its retry warning)
    assert any(record.getMessage().startswith("outbox-relay:") for record in caplog.records)


def test_the_relay_keeps_broker_heartbeats_on(start_service, rpc_proxy, event_tap, rabbit_admin, vhost):
    tap = event_tap()
    start_service(KitSample)
    body = unique()
    with rpc_proxy() as cluster:
        cluster.kitsample.write_note(body)
    tap.wait_notes([body])
    port = relay_connection_port()

    def relay_connection():
        connections = rabbit_admin.call("GET", f"vhosts/{quote(vhost, safe='')}/connections")
        return next((c for c in connections if c.get("peer_port") == port), None)

    connection = wait_for(relay_connection, message="the management API does not list the relay's connection")
    assert connection["timeout"] > 0  # the negotiated heartbeat, in seconds


def test_a_disabled_relay_leaves_a_backlog_published_once_later(
    start_service, rpc_proxy, event_tap, kit_db
):
    tap = event_tap()
    quiet = start_service(KitSample, OUTBOX_RELAY=False)
    backlog = [unique("backlog") for _ in range(5)]
    with rpc_proxy() as cluster:
        for body in backlog:
            cluster.kitsample.write_note(body)

    assert relay_of(quiet).thread is None
    quiet.stop()
    assert [row["published_at"] for row in kit_db.outbox_rows(backlog)] == [None] * 5
    tap.drain()
    assert tap.notes(backlog) == []

    start_service(KitSample)
    with rpc_proxy() as cluster:
        write_sentinel(cluster, tap)

    messages = tap.notes(backlog)
    assert sorted(message.note_body for message in messages) == sorted(backlog)
    assert len(set(ids_of(messages))) == 5
    assert all(row["published_at"] is not None for row in kit_db.outbox_rows(backlog))


def test_two_relays_never_both_publish(start_service, rpc_proxy, event_tap, kit_db):
    tap = event_tap()
    first, second = start_service(KitSample), start_service(KitSample)
    bodies = [unique("pair") for _ in range(20)]
    bulk = [f"{unique('pair-bulk')}-{index}" for index in range(300)]

    with rpc_proxy() as cluster:
        pending = [cluster.kitsample.write_note.call_async(body) for body in bodies]
        pending += [cluster.kitsample.write_many.call_async(bulk[index:index + 100]) for index in (0, 100, 200)]
        for reply in pending:
            reply.result()
        write_sentinel(cluster, tap)

    messages = tap.notes(bodies + bulk)
    assert sorted(message.note_body for message in messages) == sorted(bodies + bulk)
    assert len(set(ids_of(messages))) == len(messages)
    # the leader counts a batch once its confirms are in, just after the tap sees it
    wait_for(lambda: relay_of(first).published + relay_of(second).published >= 321)
    assert 0 in (relay_of(first).published, relay_of(second).published)
    assert kit_db.relay_lock_holders() == 1

    # the standby takes over when the leader goes away
    leader = first if relay_of(first).published else second
    survivor = second if leader is first else first
    leader.stop()
    late = unique("late")
    with rpc_proxy() as cluster:
        cluster.kitsample.write_note(late)
    tap.wait_notes([late], timeout=20)
    wait_for(lambda: relay_of(survivor).published >= 1)


def test_replay_publishes_again_with_the_same_ids(start_service, rpc_proxy, event_tap, kit_db, kit_config,
                                                  tmp_path, monkeypatch, capsys):
    tap = event_tap()
    start_service(KitSample)
    bodies = [unique("replay") for _ in range(3)]
    with rpc_proxy() as cluster:
        for body in bodies:
            cluster.kitsample.write_note(body)
    first_round = tap.wait_notes(bodies)
    wait_for(lambda: all(row["published_at"] for row in kit_db.outbox_rows(bodies)))
    since = min(row["published_at"] for row in kit_db.outbox_rows(bodies))
    assert isinstance(since, datetime)

    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(kit_config))
    monkeypatch.setenv("CRM_CONFIG", str(config_file))
    assert relay_cli(["leads", "--replay-since", since.isoformat()]) == 0
    assert "queued to be published again" in capsys.readouterr().out

    both_rounds = tap.wait_notes(bodies, count=6)
    second_round = both_rounds[3:]
    assert sorted(ids_of(second_round)) == sorted(ids_of(first_round))
    assert [m.properties["message_id"] for m in second_round] == ids_of(second_round)
    wait_for(lambda: all(row["published_at"] for row in kit_db.outbox_rows(bodies)))


def test_purge_drops_only_rows_published_before_the_retention(kit_db):
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    for event_id, published in ((old, "now() - interval '8 days'"), (recent, "now() - interval '6 days'")):
        kit_db.all(
            "INSERT INTO outbox (event_id, event_type, body, published_at)"
            f" VALUES (%s, 'note.written', '{{}}', {published}) RETURNING id", (event_id,)
        )
    with kit_db.conn.transaction():
        purged = purge_published(kit_db.conn, 7)

    assert purged >= 1
    remaining = kit_db.all("SELECT event_id::text AS id FROM outbox WHERE event_id = ANY(%s::uuid[])",
                           ([old, recent],))
    assert {row["id"] for row in remaining} == {recent}
