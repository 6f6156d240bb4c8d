"""Outbox relay: publishes committed outbox rows to ``<service>.events``.

One relay per service is active at a time (a session advisory lock elects
it; other replicas wait as standbys), so events leave in commit order.  It
publishes a batch with publisher confirms streamed (all messages first, then
the acks), marks the batch sent in one UPDATE, and sleeps on LISTEN until the
next insert (or ``OUTBOX_POLL_SECONDS``), keeping its broker connection's
heartbeats going while it waits.  A crash between publishing and
marking re-publishes that batch: delivery is at least once and consumers
dedupe on the event id.
"""

import argparse
import logging
import sys
import time
from datetime import datetime

import amqp
import psycopg

from shared.kit import amqp_connection, metrics
from shared.kit.background import RETRYABLE, BackgroundLoop, wait_for_notify
from shared.kit.config import load_component_config

log = logging.getLogger(__name__)
# The relay wakes at least this often to keep its broker connection's
# heartbeats going (they are on: a broker that went away is noticed).
KEEPALIVE_SECONDS = 5


class PublishFailed(Exception):
    pass


class Confirmations:
    """The delivery tags of a channel in confirm mode still awaiting the
    broker's ack.  The broker may confirm out of order: a message routed to a
    quorum queue is confirmed once the queue's log has it, later than one
    routed only to classic queues, and an ack with ``multiple`` may then
    arrive after single acks of higher tags.  So every tag is tracked, never
    a running count."""

    def __init__(self):
        self.pending = set()
        self.nacked = False
        self.settled_upto = 0  # every tag up to this one is settled (multiple acks)

    def expect(self, tag):
        self.pending.add(tag)

    def ack(self, tag, multiple):
        if multiple:
            for settled in range(self.settled_upto + 1, tag + 1):  # each tag visited once overall
                self.pending.discard(settled)
            self.settled_upto = max(self.settled_upto, tag)
        else:
            self.pending.discard(tag)

    def nack(self, tag, multiple):
        self.nacked = True
        self.ack(tag, multiple)

    @property
    def done(self):
        return not self.pending or self.nacked


class ConfirmingPublisher:
    """A channel in confirm mode that publishes a batch and waits for its acks.

    Every message of the batch is published, then the broker's acks are
    drained (streamed confirms), with heartbeats kept going while waiting.
    Only py-amqp's public calls are used: writing a batch's frames in one send
    through its internal frame writer measured no faster under eventlet
    (``python -m bench.publishers``).  A batch not
    confirmed within ``confirm_timeout`` seconds fails; the relay then
    reconnects and publishes it again (its rows are still unpublished, and
    consumers dedupe on the event id), so a stalled broker connection holds
    events back for seconds, not indefinitely."""

    def __init__(self, amqp_uri, exchange, confirm_timeout=10, heartbeat=amqp_connection.DEFAULT_HEARTBEAT):
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self.raw = amqp_connection.connect(amqp_uri, heartbeat=heartbeat, name=f"{exchange}-relay")
        self.channel = self.raw.channel()
        self.channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
        self.channel.confirm_select()
        self.confirmations = Confirmations()
        self.channel.events["basic_ack"].add(self.confirmations.ack)
        self.channel.events["basic_nack"].add(self.confirmations.nack)
        self.sent = 0

    def publish_batch(self, messages):
        """messages: (routing_key, body, headers, message_id) tuples."""
        amqp_connection.keepalive(self.raw)
        for routing_key, body, headers, message_id in messages:
            self.publish(routing_key, body, headers, message_id)
        self.wait_for_confirms(len(messages))

    def publish(self, routing_key, body, headers, message_id):
        message = amqp.Message(
            body,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=message_id,
            application_headers=headers,
        )
        self.channel.basic_publish(message, exchange=self.exchange, routing_key=routing_key)
        self.sent += 1
        self.confirmations.expect(self.sent)

    def wait_for_confirms(self, count):
        deadline = time.monotonic() + self.confirm_timeout
        while not self.confirmations.done:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"no confirm within {self.confirm_timeout}s for"
                                    f" {len(self.confirmations.pending)} of {count} messages")
            try:
                self.raw.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                amqp_connection.keepalive(self.raw)  # a long wait: heartbeats go on
        if self.confirmations.nacked:
            raise PublishFailed("the broker refused (nacked) a message")

    def keepalive(self):
        """Between batches: read what the broker sent and send a heartbeat
        when one is due (a dead broker raises here, and the relay reconnects)."""
        amqp_connection.keepalive(self.raw)

    def close(self):
        amqp_connection.close_quietly(self.raw)


def relay_once(conn, publisher, batch_size):
    """Publish up to ``batch_size`` pending rows; returns how many."""
    rows = conn.execute(
        "SELECT id, event_id, event_type, body, headers FROM outbox"
        " WHERE published_at IS NULL ORDER BY id LIMIT %s",
        (batch_size,),
    ).fetchall()
    if not rows:
        return 0
    publisher.publish_batch(
        [(row["event_type"], row["body"], row["headers"], str(row["event_id"])) for row in rows]
    )
    conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY(%s)", ([row["id"] for row in rows],))
    return len(rows)


def purge_published(conn, retention_days):
    """Drop rows published longer ago than the retention (kept for replay)."""
    return conn.execute(
        "DELETE FROM outbox WHERE published_at < now() - make_interval(days => %s)", (retention_days,)
    ).rowcount


def replay(conn, since):
    """Mark rows published since ``since`` as pending again, so the relay
    publishes them once more (consumers dedupe on the event id)."""
    count = conn.execute("UPDATE outbox SET published_at = NULL WHERE published_at >= %s", (since,)).rowcount
    conn.execute("SELECT pg_notify(current_schema() || '_outbox', '')")
    return count


class OutboxRelay(BackgroundLoop):
    """Runs the relay inside the service process as a managed green thread."""

    identifier = "outbox-relay"
    retry_on = (*RETRYABLE, PublishFailed)

    def setup(self):
        super().setup()
        config = self.container.config
        self.database_url = config["DATABASE_URL"]
        self.schema = config["DB_SCHEMA"]
        self.amqp_uri = config["AMQP_URI"]
        self.exchange = f"{self.container.service_name}.events"
        self.batch_size = int(config.get("OUTBOX_BATCH", 500))
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.retention_days = int(config.get("OUTBOX_RETENTION_DAYS", 7))
        self.published = 0

    @property
    def enabled(self):
        return bool(self.container.config.get("OUTBOX_RELAY", True))

    def serve(self):
        with psycopg.connect(self.database_url, autocommit=True,
                             options=f"-c search_path={self.schema}",
                             row_factory=psycopg.rows.dict_row) as conn:
            lock_key = f"crm-outbox:{self.schema}"
            while self.running and not conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s)) AS ok", (lock_key,)
            ).fetchone()["ok"]:
                self.sleep(5)
            if not self.running:
                return
            conn.execute(f'LISTEN "{self.schema}_outbox"')
            publisher = ConfirmingPublisher(self.amqp_uri, self.exchange)
            log.info("outbox relay for %s is active", self.schema)
            last_purge = float("-inf")
            try:
                while self.running:
                    with conn.transaction():
                        sent = relay_once(conn, publisher, self.batch_size)
                    self.published += sent
                    if sent:
                        metrics.RELAY_PUBLISHED.labels(self.container.service_name).inc(sent)
                    if sent == self.batch_size:
                        continue
                    if time.monotonic() - last_purge > 3600:
                        purge_published(conn, self.retention_days)
                        last_purge = time.monotonic()
                    publisher.keepalive()
                    wait_for_notify(conn, min(self.poll_seconds, KEEPALIVE_SECONDS))
            finally:
                publisher.close()


def main(argv=None):
    """``python -m shared.kit.relay leads --replay-since 2026-11-23T00:00:00Z``:
    publish again every event the service published since then (same ids);
    its running relay picks them up."""
    parser = argparse.ArgumentParser(description="Replay a service's published events from its outbox.")
    parser.add_argument("service")
    parser.add_argument("--replay-since", required=True, type=datetime.fromisoformat,
                        help="ISO 8601 time with a zone, e.g. 2026-11-23T00:00:00+00:00")
    args = parser.parse_args(argv)
    if args.replay_since.tzinfo is None:
        parser.error("--replay-since needs a time zone (e.g. +00:00 or Z)")
    config = load_component_config(args.service)
    with psycopg.connect(config["DATABASE_URL"], options=f"-c search_path={config['DB_SCHEMA']}") as conn:
        count = replay(conn, args.replay_since)
    print(f"{args.service}: {count} event(s) queued to be published again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
