"""Events per second end to end: outbox -> relay -> broker -> a consumer,
beside nameko's own event dispatcher (a confirm per message) in the same run;
and the relay's publisher alone (``shared.kit.relay.ConfirmingPublisher``,
which writes a batch's frames in one socket write through py-amqp
internals) against the same publisher made of public calls
(``bench.publishers.PublicApiPublisher``): see bench/publishers.py."""

import contextlib
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
from kombu import Connection, Exchange, Queue
from marshmallow import Schema, fields
from nameko.standalone.events import event_dispatcher

from shared.kit import outbox
from shared.schemas.events import EVENTS, register_event

ROOT = Path(__file__).resolve().parents[1]

EVENT_TYPE = "bench.ping"


class PingSchema(Schema):
    n = fields.Integer(required=True)
    run = fields.String(required=True)


if EVENT_TYPE not in EVENTS:
    register_event(EVENT_TYPE, PingSchema, "leads", "Benchmark traffic only.")


class Counter:
    """Consumes ``bench.ping`` from ``leads.events`` and notes when the
    expected number of a run has arrived."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"bench-{uuid.uuid4().hex[:6]}", Exchange("leads.events", type="topic", durable=True),
                           routing_key=EVENT_TYPE, exclusive=True)
        self.count = 0
        self.done = threading.Event()
        self.expected = None
        self.finished_at = None
        self.stop = False
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._consume, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def expect(self, count):
        self.count, self.expected, self.finished_at = 0, count, None
        self.done.clear()

    def _on_message(self, body, message):
        self.count += 1
        if self.expected and self.count >= self.expected and not self.done.is_set():
            self.finished_at = time.perf_counter()
            self.done.set()

    def _consume(self):
        with self.connection as conn, conn.Consumer(self.queue, callbacks=[self._on_message], no_ack=True,
                                                     accept=["json"]):
            self.ready.set()
            while not self.stop:
                with contextlib.suppress(TimeoutError):
                    conn.drain_events(timeout=0.5)

    def close(self):
        self.stop = True
        self.thread.join(5)


def through_outbox(database_url, counter, count):
    run = uuid.uuid4().hex[:8]
    counter.expect(count)
    with psycopg.connect(database_url, options="-c search_path=leads") as conn:
        started = time.perf_counter()
        for chunk in range(0, count, 1000):
            with conn.transaction():
                batch = range(chunk, min(count, chunk + 1000))
                outbox.add_many(conn, [(EVENT_TYPE, {"n": n, "run": run}) for n in batch])
    if not counter.done.wait(300):
        raise RuntimeError(f"only {counter.count} of {count} outbox events arrived")
    return count / (counter.finished_at - started)


def through_dispatcher(config, counter, count):
    run = uuid.uuid4().hex[:8]
    counter.expect(count)
    dispatch = event_dispatcher(config)
    started = time.perf_counter()
    for n in range(count):
        dispatch("leads", EVENT_TYPE, {"n": n, "run": run})
    if not counter.done.wait(300):
        raise RuntimeError(f"only {counter.count} of {count} dispatched events arrived")
    return count / (counter.finished_at - started)


def relay_publishers(amqp_uri, batch_size, events=10_000, rounds=3):
    """bench.publishers in a process of its own, as the relay runs: under
    eventlet (green sockets, as in a service), then with plain threads."""
    out = {}
    for mode in ("eventlet", "threads"):
        result = subprocess.run(
            [sys.executable, "-m", "bench.publishers", "--amqp-uri", amqp_uri, "--batch-size", str(batch_size),
             "--events", str(events), "--rounds", str(rounds), *(["--plain"] if mode == "threads" else [])],
            cwd=ROOT, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"bench.publishers ({mode}) failed: {result.stderr[-2000:]}")
        out[mode] = json.loads(result.stdout)
    return out


def run(stack, outbox_events=20000, dispatcher_events=3000, publisher_events=10_000, publisher_rounds=3):
    counter = Counter(stack.amqp_uri)
    try:
        config = stack.config("leads")
        outbox_rate = through_outbox(stack.database_url, counter, outbox_events)
        dispatcher_rate = through_dispatcher(config, counter, dispatcher_events)
    finally:
        counter.close()
    batch_size = int(config.get("OUTBOX_BATCH", 500))
    return {
        "outbox_relay": {"events": outbox_events, "events_per_second": round(outbox_rate)},
        "nameko_event_dispatcher": {"events": dispatcher_events, "events_per_second": round(dispatcher_rate)},
        "ratio": round(outbox_rate / dispatcher_rate, 1),
        "relay_publishers": relay_publishers(stack.amqp_uri, batch_size, publisher_events, publisher_rounds),
    }
