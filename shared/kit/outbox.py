"""Transactional outbox: write events in the caller's transaction.

``add(conn, event_type, data)`` inserts the enveloped event next to the
business change, so both commit or neither does.  The relay
(:mod:`shared.kit.relay`) publishes committed rows.
"""

import uuid
from datetime import UTC, datetime

from shared.kit.context import current_correlation_id, outgoing_headers
from shared.kit.jsonio import dumps
from shared.schemas.events import contract

HEADER_PREFIX = "nameko."


def envelope(event_type, data, correlation_id=None, event_id=None, occurred_at=None):
    spec = contract(event_type)
    return {
        "id": str(event_id or uuid.uuid4()),
        "type": event_type,
        "version": spec.version,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "producer": spec.producer,
        "correlation_id": correlation_id,
        "data": data,
    }


def _row(event_type, data, headers, correlation_id):
    body = envelope(event_type, data, correlation_id)
    return body["id"], event_type, dumps(body), headers


def _headers():
    return dumps({HEADER_PREFIX + key: value for key, value in outgoing_headers().items()})


def add(conn, event_type, data):
    """Queue one event (``data`` already dumped to JSON types); returns its id."""
    row = _row(event_type, data, _headers(), current_correlation_id())
    conn.execute(
        "INSERT INTO outbox (event_id, event_type, body, headers) VALUES (%s, %s, %s, %s)", row
    )
    return row[0]


def add_many(conn, events):
    """Queue many ``(event_type, data)`` pairs with one COPY; returns their ids."""
    headers, correlation_id = _headers(), current_correlation_id()
    rows = [_row(event_type, data, headers, correlation_id) for event_type, data in events]
    with conn.cursor().copy("COPY outbox (event_id, event_type, body, headers) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return [row[0] for row in rows]


def backlog(conn):
    """What the relay has yet to publish: ``{"pending": rows, "oldest_seconds":
    how long the oldest has waited (None when nothing waits)}``."""
    row = conn.execute("SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest"
                       " FROM outbox WHERE published_at IS NULL").fetchone()
    oldest = row["oldest"]
    return {"pending": row["pending"], "oldest_seconds": None if oldest is None else round(max(oldest, 0.0), 1)}
