"""SQL for the accounts projection, its catch-up state and the exchange
rates: plain functions over a connection already in a transaction."""

from shared.kit.rows import LOCKS

# The tables whose rows belong to an account (``account_id``): a merge moves them.
DOCUMENT_TABLES = ("quotes", "orders", "invoices", "credit_notes", "returns")
# A chain of merges longer than this is not followed (it cannot happen: sales
# keeps ``merged_into`` one hop; this only bounds a damaged projection).
MAX_MERGE_HOPS = 20

_UPSERT = """
INSERT INTO accounts AS a (id, name, type, country, merged_into, source_version)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::char(2)[], %s::uuid[], %s::integer[])
ON CONFLICT (id) DO UPDATE
   SET name = EXCLUDED.name, type = EXCLUDED.type, country = EXCLUDED.country,
       merged_into = coalesce(EXCLUDED.merged_into, a.merged_into),
       source_version = EXCLUDED.source_version, updated_at = now()
 WHERE a.source_version < EXCLUDED.source_version
RETURNING id
"""


def find_account(conn, account_id, lock=None):
    """The projection row or None; ``lock``: None, "update" or "share"."""
    return conn.execute(f"SELECT * FROM accounts WHERE id = %s{LOCKS[lock]}", (account_id,)).fetchone()


def upsert_accounts(conn, accounts):
    """Insert or update projection rows (dicts with id, name, type, country,
    merged_into, source_version); a row whose stored version is the same or
    newer is left alone.  ``merged_into`` is never cleared (sales never
    un-merges; an older snapshot may predate the merge).  Returns the ids
    written."""
    if not accounts:
        return []
    columns = [[account[key] for account in accounts]
               for key in ("id", "name", "type", "country", "merged_into", "source_version")]
    return [str(row["id"]) for row in conn.execute(_UPSERT, columns).fetchall()]


def final_survivor(conn, account_id):
    """The live account ``account_id`` ends in when its ``merged_into`` chain
    is followed (itself when it is live or unknown)."""
    current = str(account_id)
    for _ in range(MAX_MERGE_HOPS):
        row = conn.execute("SELECT merged_into FROM accounts WHERE id = %s", (current,)).fetchone()
        if row is None or row["merged_into"] is None or str(row["merged_into"]) == current:
            return current
        current = str(row["merged_into"])
    return current


def mark_merged(conn, merged_id, survivor_id):
    """Mark ``merged_id`` merged into ``survivor_id`` (locking its row), and
    repoint accounts merged into it before, so ``merged_into`` names a live
    account in one hop as at sales.  An account the projection does not know
    yet gets a placeholder row (version 0: its own snapshot fills it in later)."""
    conn.execute(
        "INSERT INTO accounts AS a (id, name, type, merged_into, source_version) VALUES (%s, '', 'prospect', %s, 0)"
        " ON CONFLICT (id) DO UPDATE SET merged_into = EXCLUDED.merged_into, updated_at = now()",
        (merged_id, survivor_id))
    conn.execute("UPDATE accounts SET merged_into = %s, updated_at = now() WHERE merged_into = %s AND id <> %s",
                 (survivor_id, merged_id, survivor_id))


def move_documents(conn, from_id, to_id):
    """Give every document of account ``from_id`` to ``to_id`` (a new version
    of each: a client holding the old one's ETag reads it again); returns
    ``{table: rows moved}``."""
    return {table: conn.execute(f"UPDATE {table} SET account_id = %s, version = version + 1, updated_at = now()"
                                " WHERE account_id = %s", (to_id, from_id)).rowcount
            for table in DOCUMENT_TABLES}


# Catch-up state ---------------------------------------------------------------

def sync_state(conn, lock=False):
    return conn.execute(f"SELECT * FROM customers_sync{LOCKS[lock]}").fetchone()


def save_sync_page(conn, cursor, accounts, done):
    """Record one page read: where the next starts, and whether it was the last."""
    return conn.execute(
        "UPDATE customers_sync SET cursor = %s, pages = pages + 1, accounts = accounts + %s,"
        " started_at = coalesce(started_at, now()), done_at = CASE WHEN %s THEN now() END, updated_at = now()"
        " RETURNING *", (cursor, accounts, done)).fetchone()


# Exchange rates -----------------------------------------------------------------

def replace_rates(conn, base_currency, items):
    """Replace the stored rates by ``items`` (``(currency, valid_from, rate)``)
    of sales' reporting currency ``base_currency``."""
    conn.execute("DELETE FROM exchange_rates")
    if items:
        conn.execute("INSERT INTO exchange_rates (currency, valid_from, rate)"
                     " SELECT * FROM unnest(%s::char(3)[], %s::date[], %s::numeric[])",
                     [list(column) for column in zip(*items, strict=True)])
    conn.execute("UPDATE exchange_rates_source SET base_currency = %s, refreshed_at = now()", (base_currency,))


def rates_in_force(conn, as_of):
    """``(base currency or None, {currency: rate})``: for each currency the
    rate with the latest ``valid_from`` on or before ``as_of``, else its
    earliest (as sales chooses)."""
    source = conn.execute("SELECT base_currency FROM exchange_rates_source").fetchone()
    rows = conn.execute(
        "SELECT DISTINCT ON (currency) currency, rate FROM exchange_rates"
        " ORDER BY currency, valid_from > %(as_of)s,"
        "          CASE WHEN valid_from <= %(as_of)s THEN valid_from END DESC NULLS LAST, valid_from",
        {"as_of": as_of}).fetchall()
    base = source["base_currency"] if source else None
    return (base.strip() if base else None), {row["currency"].strip(): row["rate"] for row in rows}


# Customer value -------------------------------------------------------------------

# An order counts once placed (submitted) and not cancelled; it is open from then until delivered.
PLACED = "placed_at IS NOT NULL AND status <> 'cancelled'"
OPEN_ORDER_STATUSES = ("submitted", "partly_shipped", "shipped")
UNPAID_INVOICE_STATUSES = ("issued", "partly_paid", "overdue")


def orders_by_currency(conn, account_id):
    """Per currency: placed orders (count, net, first and last placed_at) and
    open ones (count, net)."""
    return conn.execute(
        f"SELECT currency, count(*) FILTER (WHERE {PLACED}) AS order_count,"
        f"       coalesce(sum(net_total) FILTER (WHERE {PLACED}), 0) AS orders_net,"
        f"       min(placed_at) FILTER (WHERE {PLACED}) AS first_order_at,"
        f"       max(placed_at) FILTER (WHERE {PLACED}) AS last_order_at,"
        "       count(*) FILTER (WHERE status = ANY(%(open)s)) AS open_count,"
        "       coalesce(sum(net_total) FILTER (WHERE status = ANY(%(open)s)), 0) AS open_net"
        "  FROM orders WHERE account_id = %(account_id)s GROUP BY currency",
        {"account_id": account_id, "open": list(OPEN_ORDER_STATUSES)}).fetchall()


def invoices_by_currency(conn, account_id, today):
    """Per currency: net of issued invoices (void ones too: their credit
    notes count against them), unpaid balance and overdue balance."""
    return conn.execute(
        "SELECT currency, coalesce(sum(net_total) FILTER (WHERE status <> 'draft'), 0) AS invoiced_net,"
        "       coalesce(sum(balance) FILTER (WHERE status = ANY(%(unpaid)s)), 0) AS unpaid,"
        "       coalesce(sum(balance) FILTER (WHERE status = ANY(%(unpaid)s)"
        "                                     AND (status = 'overdue' OR due_date < %(today)s)), 0) AS overdue"
        "  FROM invoices WHERE account_id = %(account_id)s GROUP BY currency",
        {"account_id": account_id, "unpaid": list(UNPAID_INVOICE_STATUSES), "today": today}).fetchall()


def credit_notes_by_currency(conn, account_id):
    return conn.execute("SELECT currency, sum(net_total) AS credited_net FROM credit_notes WHERE account_id = %s"
                        " GROUP BY currency", (account_id,)).fetchall()
