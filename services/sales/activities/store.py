"""SQL for activities and the account timeline.  Plain functions over a
psycopg connection that is already in a transaction."""

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

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
    row = conn.execute(
        "SELECT * FROM activities WHERE id = %s" + (" FOR UPDATE" if lock else ""), (activity_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No activity with id {activity_id}.")
    return row


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


def list_activities(conn, query):
    """(rows, next_cursor) of the activities matching ActivityQuerySchema's filters."""
    where, params = [], []
    for field in EQUAL_FILTERS:
        if query.get(field) is not None:
            where.append(f"{field} = %s")
            params.append(query[field])
    for field in ANY_FILTERS:
        if query.get(field):
            where.append(f"{field} = ANY(%s)")
            params.append(list(query[field]))
    if query.get("due_before") is not None:
        where.append("due_at < %s")
        params.append(query["due_before"])
    return _page(conn, where, params, query)


def account_timeline(conn, account_id, query):
    """(rows, next_cursor): the account's activities, its contacts' and its
    opportunities' (account_id is filled from them), newest first."""
    where, params = ["account_id = %s"], [account_id]
    if query.get("kind"):
        where.append("kind = ANY(%s)")
        params.append(list(query["kind"]))
    return _page(conn, where, params, query)
