"""SQL for leads and their history, and a lead as the API and events show it
(``snapshot``).  Plain functions over a psycopg connection that is already in
a transaction."""

import uuid
from datetime import datetime

from psycopg.types.json import Jsonb

from shared.kit.filters import Where
from shared.kit.history import History
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, update_row
from shared.schemas.errors import NotFound

# Columns a lead row is written with, in COPY order.
LEAD_COLUMNS = (
    "id", "first_name", "last_name", "email", "email_norm", "phone", "phone_text", "phone_norm", "company",
    "company_norm", "title", "industry", "country", "company_size", "source", "campaign_id", "notes", "attributes",
    "status", "status_reason", "owner", "score", "scored_with", "engagement", "merged_into", "import_job_id",
    "version", "created_at", "updated_at",
)
# Columns set only when the lead is converted (never by COPY).
CONVERSION_COLUMNS = ("converted_account_id", "converted_contact_id", "converted_opportunity_id", "converted_at")
# Flags other services' decisions set (never by COPY: new leads take the default).
FLAG_COLUMNS = ("do_not_email",)
INTERNAL_COLUMNS = ("email_norm", "phone_norm", "company_norm", "scored_with", "import_job_id")
OPEN_STATUSES = ("new", "working", "qualified")
OPEN_PREDICATE = "merged_into IS NULL AND status IN ('new', 'working', 'qualified')"
SEARCH_EXPRESSION = (
    "(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' '"
    " || coalesce(company, ''))"
)
SNAPSHOT_FIELDS = tuple(column for column in (*LEAD_COLUMNS, *CONVERSION_COLUMNS, *FLAG_COLUMNS)
                        if column not in INTERNAL_COLUMNS)


def json_value(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def snapshot(lead):
    """A lead as the API and events show it (LeadSchema), from a row or a
    prepared dict."""
    return {field: json_value(lead.get(field)) for field in SNAPSHOT_FIELDS}


def _copy_value(lead, column):
    value = lead.get(column)
    return Jsonb(value) if column == "attributes" else value


def copy_leads(conn, leads, table="leads"):
    """COPY new lead rows in; a dedup collision raises UniqueViolation."""
    with conn.cursor().copy(f"COPY {table} ({', '.join(LEAD_COLUMNS)}) FROM STDIN") as copy:
        for lead in leads:
            copy.write_row([_copy_value(lead, column) for column in LEAD_COLUMNS])


def create_look_up(conn, lead):
    """The one read before a lead is created: the versions of the scoring
    and assignment rules, and an open lead holding the new lead's email
    (``same_email``) or its phone at its company (``same_phone``), each an
    id or None."""
    return conn.execute(
        "SELECT (SELECT version FROM scoring_state) AS scoring_version,"
        " (SELECT version FROM assignment_state) AS assignment_version,"
        f" (SELECT id FROM leads WHERE {OPEN_PREDICATE} AND email_norm = %s LIMIT 1) AS same_email,"
        f" (SELECT id FROM leads WHERE {OPEN_PREDICATE} AND phone_norm = %s AND company_norm = %s LIMIT 1)"
        " AS same_phone",
        (lead["email_norm"], lead["phone_norm"], lead["company_norm"]),
    ).fetchone()


def insert_lead(conn, lead, actor=None):
    """INSERT one new lead row, and its ``created`` history row when ``actor``
    is given, in one statement; a dedup collision raises UniqueViolation."""
    columns = ", ".join(LEAD_COLUMNS)
    values = ", ".join(["%s"] * len(LEAD_COLUMNS))
    params = [_copy_value(lead, column) for column in LEAD_COLUMNS]
    if not actor:
        conn.execute(f"INSERT INTO leads ({columns}) VALUES ({values})", params)
        return
    conn.execute(f"WITH lead AS (INSERT INTO leads ({columns}) VALUES ({values}) RETURNING id)"
                 " INSERT INTO lead_history (lead_id, actor, action) SELECT id, %s, 'created' FROM lead",
                 (*params, actor))


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


def move_history(conn, from_id, to_id):
    conn.execute("UPDATE lead_history SET lead_id = %s WHERE lead_id = %s", (to_id, from_id))


def _filters(query):
    where = Where(query, *(() if query.get("include_merged") else ("merged_into IS NULL",)))
    where.any_of("status", "source").equal("owner")
    where.compare(score_min="score >= %s", score_max="score <= %s", created_from="created_at >= %s",
                  created_to="created_at < %s")
    where.search(SEARCH_EXPRESSION)
    return where.clauses, where.params


HISTORY = History("lead_history", "lead_id")


# LeadQuerySchema's sorts (LEAD_SORTS), each both ways; the id breaks ties.  sort_name
# and sort_company (migration 0009) are NULL when blank: those leads come last.
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("score", "score", "integer"),
    **both_ways("name", "sort_name", "text", nulls_last=True),
    **both_ways("company", "sort_company", "text", nulls_last=True),
}


def list_leads(conn, query):
    """A page in the query's sort (default: newest first, by (created_at,
    id)); the cursor is keyset-based, so pages stay stable while leads are
    added.  The rows hold the sort columns too (``snapshot`` leaves them out)."""
    where, params = _filters(query)
    order = SORTS[query.get("sort") or "-created_at"]
    return keyset_page(conn, "SELECT * FROM leads", where, params, order, query.get("cursor"),
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
    return HISTORY.page(conn, lead_id, cursor, limit)
