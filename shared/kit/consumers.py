"""The queue consumer behind every entrypoint of a service (RPC and inbox):
nameko's, with two changes that matter when the broker goes away.

- **It reconnects within seconds.**  kombu's default waits 2, 4, 6, ... up to
  30 s between attempts, so a consumer could stay away for most of that after
  the broker was back (seen: 10 s after a 20-s broker restart, while every
  call to the service timed out).  Here it waits ``RECONNECT_START`` seconds,
  growing by as much per attempt up to ``RECONNECT_MAX``.
- **It says whether it consumes** (``consuming``), which the service's
  ``/readyz`` reports: a process whose consumers are away is not ready, even
  though a fresh connection to the broker would succeed.
"""

from contextlib import contextmanager

from nameko.messaging import QueueConsumer

RECONNECT_START = 0.5
RECONNECT_MAX = 2.0


class KitQueueConsumer(QueueConsumer):
    consuming = False
    connections = 0  # how often it started consuming: 1 + its reconnections

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as conn:
            conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                   interval_start=RECONNECT_START, interval_step=RECONNECT_START,
                                   interval_max=RECONNECT_MAX)
            yield conn

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.consuming = True
        self.connections += 1
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def consume(self, *args, **kwargs):
        try:
            yield from super().consume(*args, **kwargs)
        finally:
            self.consuming = False  # the connection broke (kombu reconnects) or the consumer stops


def consumers_of(container):
    """The kit's queue consumers of a service container (one per kind of entrypoint)."""
    return [extension for extension in container.extensions if isinstance(extension, KitQueueConsumer)]
