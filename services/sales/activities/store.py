"""SQL for activities and the account timeline.  Plain functions over a
psycopg connection that is already in a transaction."""

from shared.kit.filters import Where
from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import get_row, insert_row, update_row

FIELDS = (
    "id", "kind", "subject", "body", "account_id", "contact_id", "opportunity_id", "lead_id", "status", "due_at",
    "occurred_at", "completed_at", "owner", "version", "created_by", "created_at", "updated_at",
)
INSERTED = tuple(field for field in FIELDS if field not in ("version", "created_at", "updated_at"))
# The list and the timeline: newest first, the id breaks ties.
NEWEST_FIRST = KeysetOrder(("occurred_at", "timestamptz"), ("id", "uuid"), descending=True)


def insert_activity(conn, values):
    return insert_row(conn, "activities", {field: values.get(field) for field in INSERTED})


def get_activity(conn, activity_id, lock=False):
    return get_row(conn, "activities", activity_id, "activity", lock)


def update_activity(conn, activity_id, values):
    """Write ``values`` (column -> value), bump the version; returns the row."""
    return update_row(conn, "activities", activity_id, values)


# What an activity links to -------------------------------------------------

LINKED_TABLES = {"contact": "contacts", "opportunity": "opportunities"}


def linked_record(conn, what, record_id, lock=False):
    """The contact's or opportunity's id and account (or None); ``lock``
    keeps its account from changing until the activity is written."""
    return conn.execute(
        f"SELECT id, account_id FROM {LINKED_TABLES[what]} WHERE id = %s" + (" FOR SHARE" if lock else ""),
        (record_id,),
    ).fetchone()


def linked_account(conn, account_id):
    """The account's id and merged_into, locked so a merge waits for this
    transaction (and then moves what it wrote) or this one sees the merge."""
    return conn.execute("SELECT id, merged_into FROM accounts WHERE id = %s FOR SHARE", (account_id,)).fetchone()


# Lists ------------------------------------------------------------------------

def _page(conn, where, params, query):
    return keyset_page(conn, "SELECT * FROM activities", where, params, NEWEST_FIRST, query.get("cursor"),
                       query["limit"])


EQUAL_FILTERS = ("account_id", "contact_id", "opportunity_id", "lead_id", "owner")
ANY_FILTERS = ("kind", "status")
# Soonest due first: due_at as microseconds since 1970 (no due time: last), then the id.
DUE_ORDER = KeysetOrder(("due_order", "bigint"), ("id", "uuid"))
DUE_ORDER_SELECT = (
    "SELECT * FROM (SELECT *, coalesce((extract(epoch FROM due_at) * 1000000)::bigint, 9223372036854775807)"
    " AS due_order FROM activities) AS activities"
)


def list_activities(conn, query):
    """(rows, next_cursor) of the activities matching ActivityQuerySchema's
    filters, in its sort: newest first (by occurred_at), or soonest due first."""
    where = Where(query).equal(*EQUAL_FILTERS).any_of(*ANY_FILTERS)
    where.compare(due_before="due_at < %s", due_after="due_at >= %s")
    if query.get("sort") == "due_at":
        return keyset_page(conn, DUE_ORDER_SELECT, where.clauses, where.params, DUE_ORDER, query.get("cursor"),
                           query["limit"])
    return _page(conn, where.clauses, where.params, query)


def account_timeline(conn, account_id, query):
    """(rows, next_cursor): the account's activities, its contacts' and its
    opportunities' (account_id is filled from them), newest first."""
    where, params = ["account_id = %s"], [account_id]
    if query.get("kind"):
        where.append("kind = ANY(%s)")
        params.append(list(query["kind"]))
    return _page(conn, where, params, query)
