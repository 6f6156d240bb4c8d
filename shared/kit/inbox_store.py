"""The inbox table: which consumer has handled which event."""


def claim(conn, consumer, event):
    """Record ``event`` as handled by ``consumer`` in the caller's transaction.

    Returns False when it was handled before (a redelivery): skip the effect.
    """
    row = conn.execute(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES (%s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        (consumer, event["id"], event["type"]),
    ).fetchone()
    return row is not None
