"""The order of a list of rules (routing rules, escalation rules): positions
1..n without gaps, changed under one lock per list so two admins moving
rules at once cannot leave two rules at one position."""

from shared.kit.locks import advisory_lock
from shared.schemas.errors import Conflict

TABLES = ("routing_rules", "escalation_rules")


def lock(conn, table):
    assert table in TABLES
    advisory_lock(conn, f"support-positions:{table}")


def ordered_ids(conn, table):
    return [str(row["id"]) for row in conn.execute(f"SELECT id FROM {table} ORDER BY position, id").fetchall()]


def _write(conn, table, ids):
    conn.execute(f"UPDATE {table} t SET position = o.position FROM"
                 " unnest(%s::uuid[]) WITH ORDINALITY AS o(id, position)"
                 " WHERE t.id = o.id AND t.position <> o.position", (ids,))


def place(conn, table, rule_id, position=None):
    """Put ``rule_id`` (already stored) at ``position`` (1: first; None or
    past the end: last), the others keeping their order around it."""
    ids = [other for other in ordered_ids(conn, table) if other != str(rule_id)]
    index = len(ids) if position is None else min(max(position, 1) - 1, len(ids))
    ids.insert(index, str(rule_id))
    _write(conn, table, ids)


def compact(conn, table):
    """Close the gap a deleted rule left."""
    _write(conn, table, ordered_ids(conn, table))


def next_position(conn, table):
    return conn.execute(f"SELECT coalesce(max(position), 0) + 1 AS n FROM {table}").fetchone()["n"]


def reorder(conn, table, ids, what):
    """Give the rules the order of ``ids``, which must name every rule once
    (409 with the current order otherwise: the rules changed, or the list
    was not complete)."""
    current = ordered_ids(conn, table)
    wanted = [str(rule_id) for rule_id in ids]
    missing, unknown = set(current) - set(wanted), set(wanted) - set(current)
    if missing or unknown:
        errors = []
        if missing:
            errors.append(f"Missing: {', '.join(sorted(missing))}.")
        if unknown:
            errors.append(f"No {what} with id {', '.join(sorted(unknown))}.")
        raise Conflict(f"Give every {what}'s id once, in the new order. " + " ".join(errors),
                       {"ids": errors}, current_ids=current)
    _write(conn, table, wanted)
