"""Suppression lists: addresses never mailed (hard bounces, complaints, imports)."""


def is_suppressed(conn, email_norm):
    """Whether this (lower-cased) address is on any suppression list."""
    return False


def suppress(conn, email_norm, reason, source=None):
    """Put this address on the suppression list for ``reason`` (``hard_bounce``,
    ``complaint``, ``manual``, ``import``); idempotent."""
