"""SQL for the account merges leads has recorded (``account_merges``) and
the leads converted into a merged account."""

from shared.kit.db import advisory_lock

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


def lock_leads_converted_into(conn, account_id):
    """The leads converted into ``account_id``, locked in id order."""
    return conn.execute("SELECT * FROM leads WHERE converted_account_id = %s ORDER BY id FOR UPDATE",
                        (account_id,)).fetchall()
