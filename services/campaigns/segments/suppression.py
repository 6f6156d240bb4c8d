"""Suppression lists: addresses never mailed (hard bounces, complaints, imports).

One address, one entry: the first reason it was suppressed for is kept
(suppressing again changes nothing), so a bounce delivered twice is one
entry.  Addresses are compared lower-cased and trimmed (``email_norm``)."""

from services.campaigns.segments import store
from shared.schemas.errors import ValidationFailed

REASONS = ("hard_bounce", "complaint", "manual", "import", "unsubscribe")


def normalize(email):
    """The key of an address: trimmed and lower-cased ('' for none)."""
    return (email or "").strip().lower()


def is_suppressed(conn, email_norm):
    """Whether this (lower-cased) address is on any suppression list."""
    email_norm = normalize(email_norm)
    return bool(email_norm) and store.is_suppressed(conn, email_norm)


def suppress(conn, email_norm, reason, source=None, actor=None):
    """Put this address on the suppression list for ``reason`` (``hard_bounce``,
    ``complaint``, ``manual``, ``import``, ``unsubscribe``); idempotent.
    Returns True when it was not suppressed before."""
    email_norm = normalize(email_norm)
    if reason not in REASONS:
        raise ValidationFailed(f"A suppression's reason is one of {', '.join(REASONS)}.",
                               {"reason": [f"One of {', '.join(REASONS)}."]})
    if not email_norm or "@" not in email_norm or len(email_norm) > 254:
        raise ValidationFailed("Only an email address can be suppressed.", {"email": ["Not an email address."]})
    source = None if source is None else str(source)[:200]
    return bool(store.insert_suppressions(conn, [(email_norm, reason, source, actor)]))
