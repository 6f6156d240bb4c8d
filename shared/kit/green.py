"""Cooperative concurrency for service code, without importing the runtime's
green-thread library directly: ``Timeout(seconds)`` bounds a block (raise
inside, cancel with ``.cancel()``), ``sleep`` yields, ``spawn`` starts a
green thread."""

import eventlet

Timeout = eventlet.Timeout
sleep = eventlet.sleep
spawn = eventlet.spawn

__all__ = ["Timeout", "sleep", "spawn"]
