"""The history of every change of a rule set (scoring, assignment): written
in the transaction that replaces the rules, read newest first."""

from psycopg.types.json import Jsonb

from shared.kit.pagination import KeysetOrder, keyset_page

NEWEST_FIRST = KeysetOrder(("id", "bigint"), descending=True)


def record(conn, kind, state):
    """Keep ``state`` (a rule set read with its state: rules, version,
    changed_by, changed_at) as the change that made it."""
    conn.execute(
        "INSERT INTO rules_changes (kind, version, changed_by, changed_at, rules) VALUES (%s, %s, %s, %s, %s)",
        (kind, state["version"], state["changed_by"], state["changed_at"], Jsonb(state["rules"])),
    )


def page(conn, kind, cursor=None, limit=50):
    """``{"items": [{version, changed_by, changed_at, rules}], "next_cursor"}``, newest first."""
    rows, next_cursor = keyset_page(conn, "SELECT id, version, changed_by, changed_at, rules FROM rules_changes",
                                    ["kind = %s"], [kind], NEWEST_FIRST, cursor, limit)
    items = [{"version": row["version"], "changed_by": row["changed_by"],
              "changed_at": row["changed_at"].isoformat(), "rules": row["rules"]} for row in rows]
    return {"items": items, "next_cursor": next_cursor}
