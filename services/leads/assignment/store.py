"""SQL for the assignment rules, their version and their round-robin
cursors.

A turn of a round-robin rule is taken by one UPDATE of the rule's row that
moves its cursor on and answers the owner at the old position: concurrent
takers queue on that row for the statement only, and each gets its own
turn.  Nothing else locks the rules while leads are created."""

from services.leads import rule_changes

ASSIGNMENT_COLUMNS = ("id", "name", "priority", "kind", "countries", "industries", "sources", "owners", "enabled")


def rules_version(conn):
    return conn.execute("SELECT version FROM assignment_state").fetchone()["version"]


def load_rules_state(conn):
    """The rules in force, in match order, with their version and who changed
    them when, read by one statement (so they agree with each other):
    ``{"rules", "version", "changed_by", "changed_at"}``."""
    rule = ", ".join(f"'{column}', r.{column}" for column in ASSIGNMENT_COLUMNS)
    return conn.execute(
        f"SELECT s.version, s.changed_by, s.changed_at, coalesce(json_agg(json_build_object({rule})"
        " ORDER BY r.priority, r.id) FILTER (WHERE r.id IS NOT NULL), '[]') AS rules"
        " FROM assignment_state s LEFT JOIN assignment_rules r ON true GROUP BY s.version, s.changed_by, s.changed_at"
    ).fetchone()


def take_turn(conn, rule_id):
    """Deal the next turn of rule ``rule_id`` on its own, outside any
    transaction (``conn`` in autocommit): the owner whose turn it is, or
    None when the rule is gone (the rules were replaced meanwhile).

    The statement commits without waiting for its WAL to be flushed
    (``synchronous_commit`` off for this one statement), so the rule's row is
    held for the UPDATE only, not for a disk flush.  The lead that takes the
    turn commits later, synchronously, which flushes this change too: a
    crash can only undo a turn whose lead was never stored."""
    row = conn.execute(
        "WITH quick_commit AS (SELECT set_config('synchronous_commit', 'off', true))"
        " UPDATE assignment_rules SET cursor = (cursor %% cardinality(owners) + 1) %% cardinality(owners)"
        " WHERE id = %s AND enabled AND EXISTS (SELECT FROM quick_commit)"
        " RETURNING owners[(cursor + cardinality(owners) - 1) %% cardinality(owners) + 1] AS owner",
        (rule_id,),
    ).fetchone()
    return row["owner"] if row else None


def take_turns(conn, counts):
    """Take ``counts[rule_id]`` consecutive turns of each rule, inside the
    caller's transaction (the rules' rows stay locked until it ends, so a
    rolled-back batch gives its turns back); rules in id order, so two
    batches never deadlock.  Returns ``{rule_id: cursor of the first turn}``
    for the rules that still exist."""
    first = {}
    for rule_id in sorted(counts):
        row = conn.execute(
            "UPDATE assignment_rules SET cursor = (cursor %% cardinality(owners) + %s) %% cardinality(owners)"
            " WHERE id = %s AND enabled RETURNING cursor, cardinality(owners) AS size",
            (counts[rule_id], rule_id),
        ).fetchone()
        if row is not None:
            first[rule_id] = (row["cursor"] - counts[rule_id]) % row["size"]
    return first


def replace_assignment_rules(conn, rules, actor):
    """Replace every rule (their round-robin cursors start again); returns
    the new state (as ``load_rules_state``), which is kept in the rules' history."""
    conn.execute("DELETE FROM assignment_rules")
    for rule in rules:
        conn.execute(
            "INSERT INTO assignment_rules (id, name, priority, kind, countries, industries, sources, owners, enabled)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            tuple(rule.get(column) for column in ASSIGNMENT_COLUMNS),
        )
    conn.execute("UPDATE assignment_state SET version = version + 1, changed_at = now(), changed_by = %s", (actor,))
    state = load_rules_state(conn)
    rule_changes.record(conn, "assignment", state)
    return state
