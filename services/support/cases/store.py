"""SQL for cases, their messages and history: plain functions over a
connection already in a transaction."""

import datetime
import uuid

from shared.kit.filters import Where, escape_like
from shared.kit.history import History
from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
CASE_FIELDS = ("subject", "description", "account_id", "contact_id", "contact_email", "contact_name", "order_id",
               "priority", "type", "channel", "status", "owner_id", "team_id", "tags", "related_case_id",
               "merged_into", "first_response_at", "resolved_at", "closed_at", "reopen_count")
HISTORY = History("case_history", "case_id", CASE_FIELDS)
# A case as read: with its account's name and its order's number from the projections.
SELECT_CASES = ("SELECT cases.*, accounts.name AS account_name, orders.number AS order_number FROM cases"
                " LEFT JOIN accounts ON accounts.id = cases.account_id"
                " LEFT JOIN orders ON orders.id = cases.order_id")

# The SLA clocks table of the SLA area (0004_sla.sql): a clock runs while
# ``running_since`` is set; ``due_at`` is the moment its target is reached.
# ``cases.due_at`` (0009_queue.sql) is the earliest of the running clocks', kept
# by triggers on case_sla: the queue (sort ``due``) reads it from the case row.
SLA_FILTERS = {
    "breached": "EXISTS (SELECT 1 FROM case_sla s WHERE s.case_id = c.id AND s.breached_at IS NOT NULL)",
    "due_soon": ("EXISTS (SELECT 1 FROM case_sla s WHERE s.case_id = c.id AND s.running_since IS NOT NULL"
                 " AND s.achieved_at IS NULL AND NOT s.stopped AND s.breached_at IS NULL AND s.warn_at <= now())"),
    "paused": ("EXISTS (SELECT 1 FROM case_sla s WHERE s.case_id = c.id AND s.achieved_at IS NULL AND NOT s.stopped)"
               " AND NOT EXISTS (SELECT 1 FROM case_sla s WHERE s.case_id = c.id AND s.running_since IS NOT NULL"
               " AND s.achieved_at IS NULL AND NOT s.stopped)"),
}
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("number", "number_seq", "bigint"),
    "due": KeysetOrder(("due_at", "timestamptz"), ("id", "uuid"), name="due", nulls_last=True),
}
MESSAGE_ORDER = KeysetOrder(("created_at", "timestamptz"), ("seq", "bigint"))


def next_number(conn):
    """``(seq, "CASE-000123")`` from the case_numbers sequence."""
    seq = conn.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    return seq, f"CASE-{seq:06d}"


def insert_case(conn, values):
    seq, number = next_number(conn)
    row = insert_row(conn, "cases", {"id": str(uuid.uuid4()), "number_seq": seq, "number": number, **values})
    return get_case(conn, row["id"])


def update_case(conn, case_id, values):
    """Write ``values``, bump the version; returns the row as read."""
    update_row(conn, "cases", case_id, values)
    return get_case(conn, case_id)


def get_case(conn, case_id, lock=None):
    """The case row (with ``account_name``, ``order_number``), or NotFound;
    ``lock`` truthy locks the case row FOR UPDATE."""
    suffix = " FOR UPDATE OF cases" if lock else ""
    row = conn.execute(f"{SELECT_CASES} WHERE cases.id = %s{suffix}", (case_id,)).fetchone()
    if row is None:
        raise NotFound(f"No case with id {case_id}.")
    return row


def find_case(conn, case_id):
    return conn.execute(f"{SELECT_CASES} WHERE cases.id = %s", (case_id,)).fetchone()


def find_by_number(conn, number):
    return conn.execute(f"{SELECT_CASES} WHERE cases.number = %s", (number,)).fetchone()


def find_by_message_ids(conn, message_ids):
    """The case one of ``message_ids`` belongs to (a message of it, or the
    email that opened it), the most recent first; None."""
    row = conn.execute(
        "SELECT id FROM (SELECT case_id AS id, created_at FROM case_messages WHERE message_id = ANY(%(ids)s)"
        "                UNION ALL SELECT id, created_at FROM cases WHERE message_id = ANY(%(ids)s)) AS found"
        " ORDER BY created_at DESC LIMIT 1", {"ids": list(message_ids)}).fetchone()
    return find_case(conn, row["id"]) if row else None


def final_target(conn, case_id, hops=20):
    """The case ``case_id`` ends in when its merges are followed."""
    current = str(case_id)
    for _ in range(hops):
        row = conn.execute("SELECT merged_into FROM cases WHERE id = %s", (current,)).fetchone()
        if row is None or row["merged_into"] is None:
            return current
        current = str(row["merged_into"])
    return current


def cases_of_account(conn, account_id, lock=False):
    return conn.execute(f"SELECT id FROM cases WHERE account_id = %s ORDER BY id{' FOR UPDATE' if lock else ''}",
                        (account_id,)).fetchall()


# Lists ---------------------------------------------------------------------------------

def _filters(query):
    where = Where(query)
    where.equal("team_id", "owner_id", "account_id", "contact_id", "order_id")
    where.any_of("status", "priority", "type", "channel")
    if query.get("unassigned") is True:
        where.add("owner_id IS NULL")
    elif query.get("unassigned") is False:
        where.add("owner_id IS NOT NULL")
    if where.given("tag"):
        where.add("tags @> ARRAY[%s]::text[]", query["tag"].strip().lower())
    if where.given("q"):
        where.add("(number || ' ' || subject) ILIKE %s", f"%{escape_like(query['q'])}%")
    if not query.get("include_merged"):
        where.add("merged_into IS NULL")
    if query.get("sla"):
        where.add(SLA_FILTERS[query["sla"]])
    return where


def list_cases(conn, query):
    """``(rows, next_cursor)`` of the cases under ``query`` (CaseQuerySchema)."""
    where = _filters(query)
    sort = query.get("sort") or "-created_at"
    select = ("SELECT * FROM (SELECT cases.*, accounts.name AS account_name, orders.number AS order_number"
              " FROM cases LEFT JOIN accounts ON accounts.id = cases.account_id"
              " LEFT JOIN orders ON orders.id = cases.order_id) AS c")
    order, cursor, limit = SORTS[sort], query.get("cursor"), int(query.get("limit") or 50)
    statuses = [status for status in STATUSES if status in set(query.get("status") or ())]
    if sort == "due" and statuses:
        return _merged_by_status(conn, select, where, statuses, order, cursor, limit)
    return keyset_page(conn, select, where.clauses, where.params, order, cursor, limit)


def _merged_by_status(conn, select, where, statuses, order, cursor, limit):
    """The queue of some statuses: a page of each status (each an ordered
    range of the (status, due_at, id) index of 0009_queue.sql, which a
    ``status = ANY(...)`` is not, even of one status) merged in the queue's
    order, so a page reads at most a page per status, not every case of them."""
    rows, more = [], False
    for status in statuses:
        part, next_cursor = keyset_page(conn, select, [*where.clauses, "status = %s"], [*where.params, status], order,
                                        cursor, limit)
        rows += part
        more = more or next_cursor is not None
    # The queue's order: a due moment first (earliest first), then none; the id breaks ties
    # (uuid.UUID orders as PostgreSQL's uuid does: by its bytes).
    rows.sort(key=lambda row: (row["due_at"] is None, row["due_at"] or _NEVER, _uuid(row["id"])))
    if len(rows) > limit or (more and rows):
        rows = rows[:limit]
        return rows, order.cursor(rows[-1])
    return rows, None


_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def count_cases(conn, query):
    """``{"by_status": {status: n}, "total": n}`` under the list's filters."""
    where = _filters(query)
    sql = "SELECT status, count(*) AS n FROM cases AS c" + (" WHERE " + " AND ".join(where.clauses)
                                                            if where.clauses else "") + " GROUP BY status"
    by_status = dict.fromkeys(STATUSES, 0)
    for row in conn.execute(sql, where.params):
        by_status[row["status"]] = row["n"]
    return {"by_status": by_status, "total": sum(by_status.values())}


def stale_resolved(conn, before, batch):
    """Up to ``batch`` cases resolved before ``before``, locked, skipping
    those another transaction holds."""
    return conn.execute("SELECT id FROM cases WHERE status = 'resolved' AND resolved_at < %s"
                        " ORDER BY resolved_at LIMIT %s FOR UPDATE SKIP LOCKED", (before, batch)).fetchall()


# Messages ---------------------------------------------------------------------------------

def insert_message(conn, values):
    return insert_row(conn, "case_messages", {"id": str(uuid.uuid4()), **values})


def message_by_message_id(conn, message_id):
    return conn.execute("SELECT * FROM case_messages WHERE message_id = %s", (message_id,)).fetchone()


def set_message_id(conn, message_row_id, message_id):
    return conn.execute("UPDATE case_messages SET message_id = %s WHERE id = %s RETURNING *",
                        (message_id, message_row_id)).fetchone()


# The case and every case merged into it, transitively.
_THREAD = """
WITH RECURSIVE thread(id) AS (
    SELECT %s::uuid
    UNION SELECT cases.id FROM cases JOIN thread ON cases.merged_into = thread.id
)"""


def messages_of(conn, case_id, kinds=None, cursor=None, limit=50):
    """A page of the conversation of a case, oldest first: its own messages
    and those of the cases merged into it."""
    where, params = ["case_id IN (SELECT id FROM thread)"], []
    if kinds:
        where.append("kind = ANY(%s)")
        params.append(list(kinds))
    conditions = [*where]
    steps = MESSAGE_ORDER.steps(cursor)
    rows = []
    for step_conditions, values in steps:
        sql = (f"{_THREAD} SELECT * FROM case_messages WHERE " + " AND ".join([*conditions, *step_conditions])
               + f" ORDER BY {MESSAGE_ORDER.order_by} LIMIT %s")
        rows += conn.execute(sql, (case_id, *params, *values, limit + 1)).fetchall()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, MESSAGE_ORDER.cursor(rows[-1])
    return rows, None


def thread_message_ids(conn, case_id):
    """The Message-IDs of a case's thread (its opening email, then its
    messages in order), for the References header of a reply."""
    rows = conn.execute(
        f"{_THREAD} SELECT message_id FROM (SELECT message_id, created_at, 0 AS seq FROM cases"
        "  WHERE id IN (SELECT id FROM thread) AND message_id IS NOT NULL"
        " UNION ALL SELECT message_id, created_at, seq FROM case_messages"
        "  WHERE case_id IN (SELECT id FROM thread) AND message_id IS NOT NULL) AS m ORDER BY created_at, seq",
        (case_id,)).fetchall()
    return [row["message_id"] for row in rows]


def agent_exists(conn, user_id):
    """Whether ``user_id`` is an agent of support (TEAMS' agents table)."""
    return conn.execute("SELECT 1 FROM agents WHERE user_id = %s", (user_id,)).fetchone() is not None


def team_exists(conn, team_id):
    return conn.execute("SELECT 1 FROM teams WHERE id = %s", (team_id,)).fetchone() is not None
