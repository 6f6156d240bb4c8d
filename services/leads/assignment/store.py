"""SQL for the assignment rules and their round-robin cursors."""

ASSIGNMENT_COLUMNS = ("id", "name", "priority", "kind", "countries", "industries", "sources", "owners", "enabled")


def load_assignment_rules(conn, lock=False):
    """(rules, cursors); ``lock`` holds the rules until commit so that
    concurrent assignments advance the round-robin cursors one at a time."""
    rows = conn.execute(
        f"SELECT {', '.join(ASSIGNMENT_COLUMNS)}, cursor FROM assignment_rules ORDER BY priority, id"
        + (" FOR UPDATE" if lock else "")
    ).fetchall()
    rules = [{column: row[column] for column in ASSIGNMENT_COLUMNS} for row in rows]
    return rules, {row["id"]: row["cursor"] for row in rows}


def save_cursors(conn, before, after):
    for rule_id, cursor in after.items():
        if before.get(rule_id) != cursor:
            conn.execute("UPDATE assignment_rules SET cursor = %s WHERE id = %s", (cursor, rule_id))


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


def replace_assignment_rules(conn, rules, actor):
    """Replace every rule (their round-robin cursors start again); returns
    the new rules version."""
    conn.execute("DELETE FROM assignment_rules")
    for rule in rules:
        conn.execute(
            "INSERT INTO assignment_rules (id, name, priority, kind, countries, industries, sources, owners, enabled)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            tuple(rule.get(column) for column in ASSIGNMENT_COLUMNS),
        )
    return conn.execute(
        "UPDATE assignment_state SET version = version + 1, changed_at = now(), changed_by = %s RETURNING version",
        (actor,),
    ).fetchone()["version"]
