"""Would writing a batch's frames in one send make the outbox relay faster?

``shared.kit.relay.ConfirmingPublisher`` publishes with public py-amqp calls
only: one ``channel.basic_publish`` (one socket write) per message, then the
batch's confirms drained, heartbeats on.  :class:`BatchedFramesPublisher` is
the same publisher with the same guarantees, except that it swaps py-amqp's
internal ``frame_writer`` for the length of a batch so that the batch's
frames reach the socket in one write.  It is kept here, not in the kit,
because reaching into a library's internals has to pay for itself, and this
measures whether it would.

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

from amqp.method_framing import frame_writer
from kombu import Connection, Exchange, Queue

from shared.kit.amqp_connection import keepalive
from shared.kit.jsonio import dumps
from shared.kit.relay import ConfirmingPublisher

ROUTING_KEY = "bench.ping"
SINK_EXCHANGE = "bench.publishers"
SINK_QUEUE = "bench.publishers.sink"


class _FrameBuffer:
    """Collects the frames of a batch so they reach the socket in one write."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))  # the writer reuses its buffer: copy

    def take(self):
        data, self.chunks = b"".join(self.chunks), []
        return data


class BatchedFramesPublisher(ConfirmingPublisher):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buffer = _FrameBuffer()
        self.buffered_writer = frame_writer(self.raw, self.buffer)

    def publish_batch(self, messages):
        keepalive(self.raw)
        direct_writer, self.raw.frame_writer = self.raw.frame_writer, self.buffered_writer
        try:
            for message in messages:
                self.publish(*message)
        finally:
            self.raw.frame_writer = direct_writer
        self.raw.transport.write(self.buffer.take())
        self.wait_for_confirms(len(messages))


PUBLISHERS = {"relay": ConfirmingPublisher, "batched_frames": BatchedFramesPublisher}


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
    out["ratio_batched_frames_over_relay"] = round(out["batched_frames"]["events_per_second"]
                                                   / out["relay"]["events_per_second"], 2)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="The relay publisher against one writing each batch in one send.")
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
