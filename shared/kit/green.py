"""Cooperative concurrency for service code, without importing the runtime's
green-thread library directly: ``Timeout(seconds)`` bounds a block (raise
inside, cancel with ``.cancel()``), ``sleep`` yields, ``spawn`` starts a
green thread."""

import eventlet

Timeout = eventlet.Timeout
sleep = eventlet.sleep
spawn = eventlet.spawn

__all__ = ["Timeout", "cooperative", "sleep", "spawn"]


def cooperative(items, every=100):
    """``items``, yielding to the other green threads every ``every`` items:
    a loop over a big batch (an import) must not hold the service's event
    loop for long, or its RPCs wait behind it."""
    for count, item in enumerate(items, 1):
        if count % every == 0:
            sleep(0)
        yield item
