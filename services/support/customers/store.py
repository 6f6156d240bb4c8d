"""SQL for support's projections of accounts, contacts (sales) and orders
(orders), and the catch-up state: plain functions over a connection already
in a transaction."""

from shared.kit.rows import LOCKS

# A chain of merges longer than this is not followed (sales keeps merged_into
# one hop; this only bounds a damaged projection).
MAX_MERGE_HOPS = 20

ACCOUNT_COLUMNS = ("id", "name", "type", "tier", "industry", "country", "owner", "merged_into", "source_version")
CONTACT_COLUMNS = ("id", "account_id", "first_name", "last_name", "email", "phone", "source_version")
ORDER_COLUMNS = ("id", "number", "account_id", "status", "placed_at", "source_version")

_UPSERT_ACCOUNTS = """
INSERT INTO accounts AS a (id, name, type, tier, industry, country, owner, merged_into, source_version)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::char(2)[], %s::text[],
                     %s::uuid[], %s::integer[])
ON CONFLICT (id) DO UPDATE
   SET name = EXCLUDED.name, type = EXCLUDED.type, tier = EXCLUDED.tier, industry = EXCLUDED.industry,
       country = EXCLUDED.country, owner = EXCLUDED.owner,
       merged_into = coalesce(EXCLUDED.merged_into, a.merged_into),
       source_version = EXCLUDED.source_version, updated_at = now()
 WHERE a.source_version < EXCLUDED.source_version
RETURNING id
"""

_UPSERT_CONTACTS = """
INSERT INTO contacts AS c (id, account_id, first_name, last_name, email, phone, source_version)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::integer[])
ON CONFLICT (id) DO UPDATE
   SET account_id = EXCLUDED.account_id, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
       email = EXCLUDED.email, phone = EXCLUDED.phone, source_version = EXCLUDED.source_version,
       updated_at = now()
 WHERE c.source_version < EXCLUDED.source_version
RETURNING id
"""

_UPSERT_ORDER = """
INSERT INTO orders AS o (id, number, account_id, status, placed_at, source_version)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE
   SET number = EXCLUDED.number, account_id = EXCLUDED.account_id, status = EXCLUDED.status,
       placed_at = coalesce(EXCLUDED.placed_at, o.placed_at), source_version = EXCLUDED.source_version,
       updated_at = now()
 WHERE o.source_version < EXCLUDED.source_version
RETURNING id
"""


def _columns(rows, names):
    return [[row[name] for row in rows] for name in names]


# Accounts ------------------------------------------------------------------------

def find_account(conn, account_id, lock=None):
    """The projection row or None; ``lock``: None, "update" or "share"."""
    return conn.execute(f"SELECT * FROM accounts WHERE id = %s{LOCKS[lock]}", (account_id,)).fetchone()


def upsert_accounts(conn, accounts):
    """Insert or update account rows (dicts of ACCOUNT_COLUMNS), each only
    over an older version; ``merged_into`` is never cleared.  Returns the ids
    written."""
    if not accounts:
        return []
    return [str(row["id"]) for row in conn.execute(_UPSERT_ACCOUNTS, _columns(accounts, ACCOUNT_COLUMNS))]


def final_survivor(conn, account_id):
    """The live account ``account_id`` ends in when its ``merged_into`` chain
    is followed (itself when live or unknown)."""
    current = str(account_id)
    for _ in range(MAX_MERGE_HOPS):
        row = conn.execute("SELECT merged_into FROM accounts WHERE id = %s", (current,)).fetchone()
        if row is None or row["merged_into"] is None or str(row["merged_into"]) == current:
            return current
        current = str(row["merged_into"])
    return current


def mark_merged(conn, merged_id, survivor_id):
    """Mark ``merged_id`` merged into ``survivor_id`` (locking its row) and
    repoint accounts merged into it before.  An account the projection does
    not know yet gets a placeholder row (version 0: its snapshot fills it in)."""
    conn.execute(
        "INSERT INTO accounts AS a (id, name, type, merged_into, source_version) VALUES (%s, '', 'prospect', %s, 0)"
        " ON CONFLICT (id) DO UPDATE SET merged_into = EXCLUDED.merged_into, updated_at = now()",
        (merged_id, survivor_id))
    conn.execute("UPDATE accounts SET merged_into = %s, updated_at = now() WHERE merged_into = %s AND id <> %s",
                 (survivor_id, merged_id, survivor_id))


def move_contacts(conn, from_id, to_id):
    """The merged account's contacts belong to the survivor (sales moves them
    too and says so in contact.updated; this keeps support right meanwhile)."""
    return conn.execute("UPDATE contacts SET account_id = %s, updated_at = now() WHERE account_id = %s",
                        (to_id, from_id)).rowcount


def move_orders(conn, from_id, to_id):
    return conn.execute("UPDATE orders SET account_id = %s, updated_at = now() WHERE account_id = %s",
                        (to_id, from_id)).rowcount


# Contacts --------------------------------------------------------------------------

def find_contact(conn, contact_id):
    return conn.execute("SELECT * FROM contacts WHERE id = %s", (contact_id,)).fetchone()


def upsert_contacts(conn, contacts):
    if not contacts:
        return []
    return [str(row["id"]) for row in conn.execute(_UPSERT_CONTACTS, _columns(contacts, CONTACT_COLUMNS))]


def contact_by_email(conn, email):
    """The contact whose primary email is ``email`` (any letter case), the
    most recently changed when two claim it; None when none does."""
    if not isinstance(email, str) or not email.strip():
        return None
    return conn.execute("SELECT * FROM contacts WHERE email = %s ORDER BY updated_at DESC, id LIMIT 1",
                        (email.strip().lower(),)).fetchone()


# Orders ------------------------------------------------------------------------------

def find_order(conn, order_id):
    return conn.execute("SELECT * FROM orders WHERE id = %s", (order_id,)).fetchone()


def upsert_order(conn, order):
    row = conn.execute(_UPSERT_ORDER, [order[name] for name in ORDER_COLUMNS]).fetchone()
    return str(row["id"]) if row else None


# Catch-up state ------------------------------------------------------------------------

def sync_state(conn, kind, lock=False):
    return conn.execute(f"SELECT * FROM customers_sync WHERE kind = %s{LOCKS[lock]}", (kind,)).fetchone()


def all_sync_states(conn):
    return conn.execute("SELECT * FROM customers_sync ORDER BY kind").fetchall()


def save_sync_page(conn, kind, cursor, items, done):
    """Record one page read: where the next starts, and whether it was the last."""
    return conn.execute(
        "UPDATE customers_sync SET cursor = %s, pages = pages + 1, items = items + %s,"
        " started_at = coalesce(started_at, now()), done_at = CASE WHEN %s THEN now() END, updated_at = now()"
        " WHERE kind = %s RETURNING *", (cursor, items, done, kind)).fetchone()
