"""SQL for leads, their history and rules.  Plain functions over a psycopg
connection that is already in a transaction."""


from psycopg.types.json import Jsonb

from shared.kit.db import advisory_lock
from shared.kit.filters import Where
from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import get_row, update_row
from shared.schemas.errors import NotFound

# Columns a lead row is written with, in COPY order.
LEAD_COLUMNS = (
    "id", "first_name", "last_name", "email", "email_norm", "phone", "phone_norm", "company", "company_norm",
    "title", "industry", "country", "company_size", "source", "campaign_id", "notes", "attributes", "status",
    "status_reason", "owner", "score", "scored_with", "engagement", "merged_into", "import_job_id", "version",
    "created_at", "updated_at",
)
# Columns set only when the lead is converted (never by COPY).
CONVERSION_COLUMNS = ("converted_account_id", "converted_contact_id", "converted_opportunity_id", "converted_at")
INTERNAL_COLUMNS = ("email_norm", "phone_norm", "company_norm", "scored_with", "import_job_id")
OPEN_STATUSES = ("new", "working", "qualified")
OPEN_PREDICATE = "merged_into IS NULL AND status IN ('new', 'working', 'qualified')"
SEARCH_EXPRESSION = (
    "(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' '"
    " || coalesce(company, ''))"
)


def _copy_value(lead, column):
    value = lead.get(column)
    return Jsonb(value) if column == "attributes" else value


def copy_leads(conn, leads, table="leads"):
    """COPY new lead rows in; a dedup collision raises UniqueViolation."""
    with conn.cursor().copy(f"COPY {table} ({', '.join(LEAD_COLUMNS)}) FROM STDIN") as copy:
        for lead in leads:
            copy.write_row([_copy_value(lead, column) for column in LEAD_COLUMNS])


def insert_leads_skipping_conflicts(conn, leads):
    """Insert the leads that collide with no open lead; returns their ids."""
    if not leads:
        return set()
    columns = ", ".join(LEAD_COLUMNS)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS lead_stage (LIKE leads INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    copy_leads(conn, leads, "lead_stage")
    rows = conn.execute(
        f"INSERT INTO leads ({columns}) SELECT {columns} FROM lead_stage ON CONFLICT DO NOTHING RETURNING id"
    ).fetchall()
    conn.execute("DELETE FROM lead_stage")
    return {str(row["id"]) for row in rows}


def find_open_duplicates(conn, leads, exclude_id=None):
    """For each lead (by index), the id of an open lead it duplicates and on
    which key: {index: (existing_id, field)}."""
    emails = [lead["email_norm"] for lead in leads if lead.get("email_norm")]
    phones = [lead["phone_norm"] for lead in leads if lead.get("phone_norm") and lead.get("company_norm")]
    if not emails and not phones:
        return {}
    # The predicates repeat the partial unique indexes' own, so both are used.
    rows = conn.execute(
        f"SELECT id, email_norm, phone_norm, company_norm FROM leads WHERE {OPEN_PREDICATE}"
        " AND email_norm = ANY(%s) AND id IS DISTINCT FROM %s"
        f" UNION ALL SELECT id, email_norm, phone_norm, company_norm FROM leads WHERE {OPEN_PREDICATE}"
        " AND phone_norm = ANY(%s) AND company_norm IS NOT NULL AND id IS DISTINCT FROM %s",
        (emails, exclude_id, phones, exclude_id),
    ).fetchall()
    by_email = {row["email_norm"]: str(row["id"]) for row in rows if row["email_norm"]}
    by_phone = {(row["phone_norm"], row["company_norm"]): str(row["id"]) for row in rows if row["phone_norm"]}
    found = {}
    for index, lead in enumerate(leads):
        if lead.get("email_norm") in by_email:
            found[index] = (by_email[lead["email_norm"]], "email")
        elif (lead.get("phone_norm"), lead.get("company_norm")) in by_phone:
            found[index] = (by_phone[(lead["phone_norm"], lead["company_norm"])], "phone")
    return found


def get_lead(conn, lead_id, lock=False):
    return get_row(conn, "leads", lead_id, "lead", lock)


def lock_leads(conn, lead_ids):
    """Lock several leads in id order (no deadlock between two merges)."""
    rows = conn.execute(
        "SELECT * FROM leads WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (list(lead_ids),)
    ).fetchall()
    found = {str(row["id"]): row for row in rows}
    for lead_id in lead_ids:
        if str(lead_id) not in found:
            raise NotFound(f"No lead with id {lead_id}.")
    return [found[str(lead_id)] for lead_id in lead_ids]


def update_lead(conn, lead_id, values):
    """Write ``values`` (column -> value), bump the version; returns the row."""
    return update_row(conn, "leads", lead_id, values, ("attributes",))


def add_history(conn, entries):
    """entries: (lead_id, actor, action, changes) tuples."""
    if entries:
        with conn.cursor().copy("COPY lead_history (lead_id, actor, action, changes) FROM STDIN") as copy:
            for lead_id, actor, action, changes in entries:
                copy.write_row((lead_id, actor, action, Jsonb(changes)))


def conversion_entry(conn, lead_id):
    """The changes recorded by the lead's conversion (its ``converted``
    history row), or None."""
    row = conn.execute(
        "SELECT changes FROM lead_history WHERE lead_id = %s AND action = 'converted' ORDER BY id DESC LIMIT 1",
        (lead_id,),
    ).fetchone()
    return row["changes"] if row else None


def move_history(conn, from_id, to_id):
    conn.execute("UPDATE lead_history SET lead_id = %s WHERE lead_id = %s", (to_id, from_id))


# Writers of account_merges take it exclusively, readers that link a lead to
# an account take it shared: a merge recorded meanwhile is never missed.
ACCOUNT_MERGES_LOCK = "leads:account_merges"


def lock_account_merges(conn, shared=False):
    advisory_lock(conn, ACCOUNT_MERGES_LOCK, shared)


def live_account_id(conn, account_id):
    """The account ``account_id`` now lives on: itself unless it was merged."""
    row = conn.execute("SELECT survivor_id FROM account_merges WHERE merged_id = %s", (account_id,)).fetchone()
    return row["survivor_id"] if row else account_id


def record_account_merge(conn, merged_id, survivor_id):
    """``merged_id`` now lives on ``survivor_id`` (a live account), and so do
    the accounts merged into ``merged_id`` before."""
    conn.execute("INSERT INTO account_merges (merged_id, survivor_id) VALUES (%s, %s)"
                 " ON CONFLICT (merged_id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id",
                 (merged_id, survivor_id))
    conn.execute("UPDATE account_merges SET survivor_id = %s WHERE survivor_id = %s", (survivor_id, merged_id))


def _filters(query):
    where = Where(query, *(() if query.get("include_merged") else ("merged_into IS NULL",)))
    where.any_of("status", "source").equal("owner")
    where.compare(score_min="score >= %s", score_max="score <= %s", created_from="created_at >= %s",
                  created_to="created_at < %s")
    where.search(SEARCH_EXPRESSION)
    return where.clauses, where.params


NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)
HISTORY_NEWEST_FIRST = KeysetOrder(("id", "bigint"), descending=True)


def list_leads(conn, query):
    """A page in (created_at, id) descending order; the cursor is keyset-based,
    so pages stay stable while leads are added."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM leads", where, params, NEWEST_FIRST, query.get("cursor"),
                       int(query.get("limit") or 50))


def count_leads(conn, query):
    where, params = _filters(query)
    sql = "SELECT status, source, count(*) AS n FROM leads"
    sql += (" WHERE " + " AND ".join(where) if where else "") + " GROUP BY status, source"
    by_status, by_source, total = {}, {}, 0
    for row in conn.execute(sql, params):
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_source[row["source"]] = by_source.get(row["source"], 0) + row["n"]
        total += row["n"]
    return {"total": total, "by_status": by_status, "by_source": by_source}


def history_page(conn, lead_id, cursor=None, limit=50):
    get_lead(conn, lead_id)
    rows, next_cursor = keyset_page(conn, "SELECT id, at, actor, action, changes FROM lead_history",
                                    ["lead_id = %s"], [lead_id], HISTORY_NEWEST_FIRST, cursor, limit)
    items = [{"at": row["at"].isoformat(), "actor": row["actor"], "action": row["action"],
              "changes": row["changes"]} for row in rows]
    return {"items": items, "next_cursor": next_cursor}


# Scoring rules --------------------------------------------------------------

RULE_COLUMNS = ("id", "name", "field", "operator", "value", "points", "enabled")


def load_scoring_rules(conn):
    rows = conn.execute(f"SELECT {', '.join(RULE_COLUMNS)} FROM scoring_rules ORDER BY position").fetchall()
    return [dict(row) for row in rows]


def scoring_version(conn):
    return conn.execute("SELECT version FROM scoring_state").fetchone()["version"]


def replace_scoring_rules(conn, rules, actor):
    """Replace every rule; returns the new rules version."""
    conn.execute("DELETE FROM scoring_rules")
    for position, rule in enumerate(rules):
        conn.execute(
            "INSERT INTO scoring_rules (id, position, name, field, operator, value, points, enabled)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (rule["id"], position, rule["name"], rule["field"], rule["operator"], Jsonb(rule.get("value")),
             rule["points"], rule.get("enabled", True)),
        )
    return conn.execute(
        "UPDATE scoring_state SET version = version + 1, changed_at = now(), changed_by = %s RETURNING version",
        (actor,),
    ).fetchone()["version"]


def stale_leads(conn, version, limit):
    """Open leads scored with older rules, locked, skipping ones others hold."""
    return conn.execute(
        "SELECT * FROM leads WHERE scored_with < %s AND merged_into IS NULL"
        " ORDER BY scored_with LIMIT %s FOR UPDATE SKIP LOCKED",
        (version, limit),
    ).fetchall()


# Assignment rules -----------------------------------------------------------

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


def replace_assignment_rules(conn, rules):
    conn.execute("DELETE FROM assignment_rules")
    for rule in rules:
        conn.execute(
            "INSERT INTO assignment_rules (id, name, priority, kind, countries, industries, sources, owners, enabled)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            tuple(rule.get(column) for column in ASSIGNMENT_COLUMNS),
        )
