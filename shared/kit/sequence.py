"""Applying only the newest of numbered changes, whatever order their events
arrive in.

Some events carry a number that only grows per source (the campaigns consent
ledger's ``change_id``).  Two of them about one key (an address) may be
handled out of order: by two workers at once, or when one is redelivered
after a later one.  ``newer`` records the number for the key in the
caller's transaction and says whether the change is newer than every one
applied before; the row lock it takes orders concurrent handlers of one key,
so the second waits for the first to commit and then sees its number.

Table ``applied_numbers`` (kit migration 0003), in every service's schema."""

__all__ = ["newer"]


def newer(conn, stream, key, number):
    """True when ``number`` is newer than every number applied for
    (``stream``, ``key``) (it is recorded as the newest); False when a newer
    or the same one was applied already (nothing to do)."""
    row = conn.execute(
        "INSERT INTO applied_numbers (stream, key, number) VALUES (%s, %s, %s)"
        " ON CONFLICT (stream, key) DO UPDATE SET number = EXCLUDED.number, applied_at = now()"
        " WHERE applied_numbers.number < EXCLUDED.number RETURNING number",
        (stream, key, int(number))).fetchone()
    return row is not None
