"""SQL for accounts: plain functions over a connection already in a transaction."""

from shared.kit.db import advisory_lock
from shared.kit.filters import Where
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row
from shared.schemas.errors import NotFound

# Columns written on insert (id first); version and timestamps come from defaults.
INSERT_COLUMNS = (
    "id", "name", "name_norm", "domain", "industry", "size", "country", "addresses", "type", "parent_id", "owner",
    "attributes", "created_by",
)
JSON_COLUMNS = ("addresses", "attributes")
# The expression of the accounts_search trigram index (repeated so it is used).
SEARCH_EXPRESSION = "(name || ' ' || coalesce(domain, ''))"
# A hierarchy deeper than this is refused (and bounds the recursive queries).
MAX_DEPTH = 50
# Changes of the account hierarchy (parents, merges) take this transaction
# lock first, so two of them never create a cycle together.
HIERARCHY_LOCK = "crm-sales:account-hierarchy"


def insert_account(conn, values):
    """Insert a row (``values`` keyed by INSERT_COLUMNS); a dedup collision
    raises UniqueViolation (the caller wraps it in a savepoint)."""
    return insert_row(conn, "accounts", {column: values[column] for column in INSERT_COLUMNS if column in values},
                      JSON_COLUMNS)


def get_account(conn, account_id, lock=None):
    """The row, or NotFound; ``lock``: None, "update" or "share"."""
    return get_row(conn, "accounts", account_id, "account", lock)


def find_account(conn, account_id, lock=None):
    """The row or None."""
    suffix = {None: "", "update": " FOR UPDATE", "share": " FOR SHARE"}[lock]
    return conn.execute("SELECT * FROM accounts WHERE id = %s" + suffix, (account_id,)).fetchone()


def lock_accounts(conn, account_ids):
    """Lock several accounts in id order (no deadlock between two merges);
    returns the rows in the order asked, NotFound for a missing one."""
    rows = conn.execute(
        "SELECT * FROM accounts WHERE id = ANY(%s) ORDER BY id FOR UPDATE", ([str(i) for i in account_ids],)
    ).fetchall()
    found = {str(row["id"]): row for row in rows}
    for account_id in account_ids:
        if str(account_id) not in found:
            raise NotFound(f"No account with id {account_id}.")
    return [found[str(account_id)] for account_id in account_ids]


def update_account(conn, account_id, values):
    """Write ``values`` (column -> value), bump the version; returns the row."""
    return update_row(conn, "accounts", account_id, values, JSON_COLUMNS)


def live_by_domain(conn, domain, exclude_ids=()):
    return conn.execute(
        "SELECT * FROM accounts WHERE domain = %s AND merged_into IS NULL AND NOT id = ANY(%s::uuid[])",
        (domain, [str(i) for i in exclude_ids]),
    ).fetchone()


def live_by_name(conn, name_norm, country, exclude_ids=()):
    """The live account with this name key in this country (None: no country)."""
    return conn.execute(
        "SELECT * FROM accounts WHERE name_norm = %s AND coalesce(country, '') = coalesce(%s::char(2), '')"
        " AND merged_into IS NULL AND NOT id = ANY(%s::uuid[])",
        (name_norm, country, [str(i) for i in exclude_ids]),
    ).fetchone()


def lock_hierarchy(conn):
    advisory_lock(conn, HIERARCHY_LOCK)


def ancestors(conn, account_id):
    """The ancestors of an account, its parent first and the root last."""
    return conn.execute(
        "WITH RECURSIVE up AS ("
        "  SELECT a.*, 1 AS depth FROM accounts a"
        "   WHERE a.id = (SELECT parent_id FROM accounts WHERE id = %s)"
        "  UNION ALL"
        "  SELECT a.*, up.depth + 1 FROM accounts a JOIN up ON a.id = up.parent_id WHERE up.depth < %s"
        ") SELECT * FROM up ORDER BY depth",
        (account_id, MAX_DEPTH),
    ).fetchall()


def depth_below(conn, account_id):
    """How many levels of live descendants an account has (0: none)."""
    return conn.execute(
        "WITH RECURSIVE down AS ("
        "  SELECT id, 1 AS depth FROM accounts WHERE parent_id = %s AND merged_into IS NULL"
        "  UNION ALL"
        "  SELECT a.id, down.depth + 1 FROM accounts a JOIN down ON a.parent_id = down.id"
        "   WHERE a.merged_into IS NULL AND down.depth <= %s"
        ") SELECT coalesce(max(depth), 0) AS depth FROM down",
        (account_id, MAX_DEPTH),
    ).fetchone()["depth"]


def children(conn, account_id):
    """The live direct children, by name."""
    return conn.execute(
        "SELECT * FROM accounts WHERE parent_id = %s AND merged_into IS NULL ORDER BY name_norm, id", (account_id,)
    ).fetchall()


# Lists ----------------------------------------------------------------------

def _filters(query):
    where = Where(query, *(() if query.get("include_merged") else ("merged_into IS NULL",)))
    where.any_of("type").equal("owner", "industry", "parent_id").compare(country="country = %s::char(2)")
    where.search(SEARCH_EXPRESSION, every_word=True)  # the trigram index serves ILIKE
    return where.clauses, where.params


# AccountQuerySchema's sorts (ACCOUNT_SORTS), each both ways; the id breaks ties.
# sort_name (migration 0006): name_norm, cut to 100 characters.
SORTS = {
    **both_ways("name", "sort_name", "text"),
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
}


def list_accounts(conn, query):
    """A page in the query's sort (default: by name, (sort_name, id)) with a
    keyset cursor."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM accounts", where, params, SORTS[query.get("sort") or "name"],
                       query.get("cursor"), int(query.get("limit") or 50))


# Merge: moving what refers to the duplicate ---------------------------------

def mark_merged(conn, duplicate_id, survivor_id):
    """Mark the duplicate merged, and repoint accounts merged into it before,
    so ``merged_into`` always names a live account (one hop)."""
    conn.execute("UPDATE accounts SET merged_into = %s, version = version + 1, updated_at = now() WHERE id = %s",
                 (survivor_id, duplicate_id))
    conn.execute("UPDATE accounts SET merged_into = %s WHERE merged_into = %s AND id <> %s",
                 (survivor_id, duplicate_id, survivor_id))


def move_children(conn, from_id, to_id):
    """Re-parent the live children; returns their updated rows."""
    return conn.execute(
        "UPDATE accounts SET parent_id = %s, version = version + 1, updated_at = now()"
        " WHERE parent_id = %s AND merged_into IS NULL RETURNING *",
        (to_id, from_id),
    ).fetchall()


def move_contacts(conn, from_id, to_id):
    return conn.execute(
        "UPDATE contacts SET account_id = %s, version = version + 1, updated_at = now()"
        " WHERE account_id = %s RETURNING *",
        (to_id, from_id),
    ).fetchall()


def move_opportunities(conn, from_id, to_id):
    """Move the opportunities to the other account; returns their ids."""
    return conn.execute(
        "UPDATE opportunities SET account_id = %s, version = version + 1, updated_at = now() WHERE account_id = %s"
        " RETURNING id",
        (to_id, from_id),
    ).fetchall()


def move_activities(conn, from_id, to_id):
    return conn.execute(
        "UPDATE activities SET account_id = %s, version = version + 1, updated_at = now() WHERE account_id = %s",
        (to_id, from_id),
    ).rowcount


def repoint_conversions(conn, from_id, to_id):
    return conn.execute(
        "UPDATE lead_conversions SET account_id = %s WHERE account_id = %s", (to_id, from_id)
    ).rowcount
