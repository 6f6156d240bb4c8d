"""Does the outbox relay's private frame batching pay?

``shared.kit.relay.ConfirmingPublisher`` swaps py-amqp's internal
``frame_writer`` so that a batch's frames reach the socket in one write, and
runs with broker heartbeats off.  :class:`PublicApiPublisher` is the same
publisher made of public py-amqp calls only, with the same guarantees: a
channel in confirm mode, every delivery tag tracked until the broker acks it
(``shared.kit.relay.Confirmations``), the whole batch published before its
acks are drained (streamed confirms), a batch failing when not confirmed
within ``confirm_timeout``.  The differences: each message goes out with
``channel.basic_publish`` (one socket write per message), and heartbeats are
on (checked once per batch and while waiting for acks).

    python -m bench.publishers --amqp-uri URI [--batch-size 500] [--events 10000] [--rounds 3] [--plain]

publishes the same relay-shaped messages (an envelope body, nameko headers,
persistent) through both, in batches of ``--batch-size``, to one durable
quorum queue (as the services' inbox queues are; purged between rounds, no
consumer), the two taking turns for ``--rounds`` rounds, and prints JSON:
events/s and the publisher's CPU per event (medians and each round).  It runs
under eventlet's monkey patching (green sockets, as the relay runs inside a
service) unless ``--plain``.  ``bench/events.py`` runs it in both ways.
"""

import sys

if __name__ == "__main__" and "--plain" not in sys.argv:
    import eventlet

    eventlet.monkey_patch()

import argparse
import contextlib
import json
import statistics
import time
import uuid
from datetime import UTC, datetime

import amqp
from kombu import Connection, Exchange, Queue

from shared.kit.jsonio import dumps
from shared.kit.relay import Confirmations, ConfirmingPublisher, PublishFailed

ROUTING_KEY = "bench.ping"
SINK_EXCHANGE = "bench.publishers"
SINK_QUEUE = "bench.publishers.sink"


class PublicApiPublisher:
    def __init__(self, amqp_uri, exchange, confirm_timeout=10, heartbeat=60):
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self.connection = Connection(amqp_uri, heartbeat=heartbeat)
        self.connection.connect()
        self.raw = self.connection.connection
        self.channel = self.raw.channel()
        self.channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
        self.channel.confirm_select()
        self.confirmations = Confirmations()
        self.channel.events["basic_ack"].add(self.confirmations.ack)
        self.channel.events["basic_nack"].add(self.confirmations.nack)
        self.sent = 0

    def publish_batch(self, messages):
        """messages: (routing_key, body, headers, message_id) tuples."""
        self.connection.heartbeat_check()
        for routing_key, body, headers, message_id in messages:
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
        deadline = time.monotonic() + self.confirm_timeout
        while not self.confirmations.done:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"no confirm within {self.confirm_timeout}s for"
                                    f" {len(self.confirmations.pending)} of {len(messages)} messages")
            try:
                self.raw.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                self.connection.heartbeat_check()
        if self.confirmations.nacked:
            raise PublishFailed("the broker refused (nacked) a message")

    def close(self):
        with contextlib.suppress(Exception):  # closing a broken connection
            self.connection.release()


PUBLISHERS = {"relay": ConfirmingPublisher, "public_api": PublicApiPublisher}


def relay_messages(count):
    """(routing key, body, headers, message id) shaped as the relay reads them from the outbox."""
    run = uuid.uuid4().hex[:8]
    messages = []
    for n in range(count):
        event_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        body = {"id": event_id, "type": ROUTING_KEY, "version": 1, "occurred_at": datetime.now(UTC).isoformat(),
                "producer": "leads", "correlation_id": correlation_id, "data": {"n": n, "run": run}}
        headers = {"nameko.correlation_id": correlation_id,
                   "nameko.traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"}
        messages.append((ROUTING_KEY, dumps(body), headers, event_id))
    return messages


def sink_queue():
    return Queue(SINK_QUEUE, Exchange(SINK_EXCHANGE, type="topic", durable=True), routing_key=ROUTING_KEY,
                 durable=True, queue_arguments={"x-queue-type": "quorum"})


def compare(amqp_uri, batch_size=500, events=10_000, rounds=3):
    messages = relay_messages(events)
    batches = [messages[start:start + batch_size] for start in range(0, events, batch_size)]
    figures = {name: [] for name in PUBLISHERS}
    with Connection(amqp_uri) as conn:
        sink = sink_queue()(conn.default_channel)
        sink.declare()
        made = {name: cls(amqp_uri, SINK_EXCHANGE) for name, cls in PUBLISHERS.items()}
        try:
            for round_number in range(rounds):
                names = list(PUBLISHERS) if round_number % 2 == 0 else list(reversed(PUBLISHERS))
                for name in names:
                    sink.purge()
                    started, cpu_started = time.perf_counter(), time.thread_time()
                    for batch in batches:
                        made[name].publish_batch(batch)
                    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
                    figures[name].append({"events_per_second": round(events / elapsed),
                                          "publisher_cpu_us_per_event": round(cpu * 1e6 / events, 1)})
        finally:
            for publisher in made.values():
                publisher.close()
            with contextlib.suppress(Exception):
                sink.delete()
    out = {"events_per_round": events, "rounds": rounds, "batch_size": batch_size,
           "sink": "one durable quorum queue, no consumer, purged between rounds"}
    for name, runs in figures.items():
        out[name] = {
            "events_per_second": round(statistics.median(run["events_per_second"] for run in runs)),
            "publisher_cpu_us_per_event": round(statistics.median(run["publisher_cpu_us_per_event"] for run in runs),
                                                1),
            "rounds": runs,
        }
    out["ratio_relay_over_public_api"] = round(out["relay"]["events_per_second"]
                                               / out["public_api"]["events_per_second"], 2)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Relay publisher against the same publisher on public py-amqp.")
    parser.add_argument("--amqp-uri", required=True)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plain", action="store_true", help="without eventlet's monkey patching")
    args = parser.parse_args(argv)
    result = compare(args.amqp_uri, args.batch_size, args.events, args.rounds)
    result["runtime"] = "plain threads" if args.plain else "eventlet (monkey patched, as in a service)"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
