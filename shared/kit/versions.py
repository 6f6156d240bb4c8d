"""Optimistic concurrency, one way for every service.

A versioned row has a ``version`` column that each write increments.  An
update may carry the ``expected_version`` its caller read (the gateway takes
it from ``If-Match``); the RPC entrypoint loads it with ``expected_version``
and the command, once it holds the row's lock, compares with
``check_version``.
"""

from shared.kit.validation import whole_number
from shared.schemas.errors import PreconditionFailed

__all__ = ["check_version", "expected_version"]


def expected_version(value):
    """The ``expected_version`` RPC argument: None (no check) or a whole number
    of at least 1 (digits in a string do too); anything else is
    ValidationFailed on ``expected_version``."""
    if value is None:
        return None
    return whole_number(value, "expected_version", 1)


def check_version(row, expected_version, what):
    """PreconditionFailed (412, with ``current_version``) when ``expected_version``
    is given and the ``what`` in ``row`` (locked by the caller) has moved on."""
    if expected_version is not None and row["version"] != expected_version:
        raise PreconditionFailed(
            f"The {what} was changed by someone else: it is at version {row['version']} now, not "
            f"{expected_version}. Fetch it again and retry.",
            current_version=row["version"],
        )
