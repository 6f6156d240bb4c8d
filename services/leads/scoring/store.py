"""SQL for the scoring rules, their version, and the leads scored with an
older version."""

from psycopg.types.json import Jsonb

from services.leads import rule_changes

RULE_COLUMNS = ("id", "name", "field", "operator", "value", "points", "enabled")


def load_scoring_rules(conn):
    rows = conn.execute(f"SELECT {', '.join(RULE_COLUMNS)} FROM scoring_rules ORDER BY position").fetchall()
    return [dict(row) for row in rows]


def load_rules_state(conn):
    """The rules in force with their version and who changed them when, read
    by one statement (so they agree with each other): ``{"rules", "version",
    "changed_by", "changed_at"}``."""
    rule = ", ".join(f"'{column}', r.{column}" for column in RULE_COLUMNS)
    return conn.execute(
        f"SELECT s.version, s.changed_by, s.changed_at, coalesce(json_agg(json_build_object({rule})"
        " ORDER BY r.position) FILTER (WHERE r.id IS NOT NULL), '[]') AS rules"
        " FROM scoring_state s LEFT JOIN scoring_rules r ON true GROUP BY s.version, s.changed_by, s.changed_at"
    ).fetchone()


def scoring_version(conn):
    return conn.execute("SELECT version FROM scoring_state").fetchone()["version"]


def replace_scoring_rules(conn, rules, actor):
    """Replace every rule; returns the new state (as
    ``load_rules_state``), which is kept in the rules' history."""
    conn.execute("DELETE FROM scoring_rules")
    for position, rule in enumerate(rules):
        conn.execute(
            "INSERT INTO scoring_rules (id, position, name, field, operator, value, points, enabled)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (rule["id"], position, rule["name"], rule["field"], rule["operator"], Jsonb(rule.get("value")),
             rule["points"], rule.get("enabled", True)),
        )
    conn.execute("UPDATE scoring_state SET version = version + 1, changed_at = now(), changed_by = %s", (actor,))
    state = load_rules_state(conn)
    rule_changes.record(conn, "scoring", state)
    return state


def lock_seeded(conn):
    """Whether the default rules were installed, locking the state row until commit."""
    return conn.execute("SELECT seeded FROM scoring_state FOR UPDATE").fetchone()["seeded"]


def mark_seeded(conn):
    conn.execute("UPDATE scoring_state SET seeded = true")


def stale_leads(conn, version, limit):
    """Open leads scored with older rules, locked, skipping ones others hold."""
    return conn.execute(
        "SELECT * FROM leads WHERE scored_with < %s AND merged_into IS NULL"
        " ORDER BY scored_with LIMIT %s FOR UPDATE SKIP LOCKED",
        (version, limit),
    ).fetchall()


def mark_scored_with(conn, version, lead_ids):
    """Leads whose score stays: only their rules version moves on."""
    conn.execute("UPDATE leads SET scored_with = %s WHERE id = ANY(%s)", (version, lead_ids))
