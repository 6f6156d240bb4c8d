"""SQL for escalation rules and the escalations applied: plain functions over
a connection already in a transaction."""

import uuid

from psycopg.types.json import Jsonb

from shared.kit.rows import get_row, insert_row, update_row

RULE_COLUMNS = ("id", "name", "position", "on_event", "metric", "priorities", "team_ids", "notify_owner",
                "notify_team_lead", "move_to_team_id", "raise_priority", "active", "created_by")


def list_rules(conn):
    return conn.execute("SELECT * FROM escalation_rules ORDER BY position, id").fetchall()


def matching_rules(conn, kind, metric, priority, team_id):
    """The active rules for this moment and case, in position order."""
    return conn.execute(
        "SELECT * FROM escalation_rules WHERE active AND on_event = %s"
        " AND (metric IS NULL OR metric = %s)"
        " AND (cardinality(priorities) = 0 OR %s = ANY(priorities))"
        " AND (cardinality(team_ids) = 0 OR %s::uuid = ANY(team_ids))"
        " ORDER BY position, id",
        (kind, metric, priority, team_id)).fetchall()


def get_rule(conn, rule_id, lock=None):
    return get_row(conn, "escalation_rules", rule_id, "escalation rule", lock)


def insert_rule(conn, values):
    return insert_row(conn, "escalation_rules",
                      {column: values[column] for column in RULE_COLUMNS if column in values})


def update_rule(conn, rule_id, values):
    return update_row(conn, "escalation_rules", rule_id, values)


def delete_rule(conn, rule_id):
    return conn.execute("DELETE FROM escalation_rules WHERE id = %s", (rule_id,)).rowcount


def claim(conn, case_id, clock_key, metric, kind, rule):
    """Record that ``rule`` is applied to this clock's moment; None when it
    was already (a concurrent caller waits here for the first to end)."""
    return conn.execute(
        "INSERT INTO escalations (id, case_id, clock_key, metric, kind, rule_id, rule_name)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (case_id, clock_key, kind, rule_id) DO NOTHING RETURNING *",
        (str(uuid.uuid4()), case_id, clock_key, metric, kind, rule["id"], rule["name"])).fetchone()


def record_actions(conn, escalation_id, actions):
    return conn.execute("UPDATE escalations SET actions = %s WHERE id = %s RETURNING *",
                        (Jsonb(actions), escalation_id)).fetchone()


def escalations_of(conn, case_id):
    return conn.execute("SELECT * FROM escalations WHERE case_id = %s ORDER BY created_at, id",
                        (case_id,)).fetchall()
