"""Reading the records other services' events and RPC answers carry, for a
local projection: each reader returns the value in canonical form, or None
when the payload holds nothing usable there (a projection skips or keeps
what it had; it never fails on another service's data)."""

import uuid

__all__ = ["parse_id", "text"]


def parse_id(value):
    """The canonical text of a UUID, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def text(value, limit=500):
    """Stripped text cut to ``limit`` characters; None for blank or non-text."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]
