"""SQL of the consent ledger: plain functions over a connection already in
a transaction."""

from shared.kit.rows import insert_row

HISTORY_LIMIT = 500
CURRENT_COLUMNS = ("email_norm", "purpose", "channel", "status", "legal_basis", "source", "form_id",
                   "wording_version", "at", "confirmed_at", "change_id")


def now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


def lock_address(conn, email_norm):
    """Serialise the changes of one address until the transaction ends (two
    first decisions about an address at once: one after the other)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('crm.consent:' || %s, 0))", (email_norm,))


def current(conn, email_norm, purpose, channel, lock=None):
    """The current decision of a key, or None; ``lock``: None, "share" or "update"."""
    suffix = {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    return conn.execute("SELECT * FROM consents WHERE email_norm = %s AND purpose = %s AND channel = %s" + suffix,
                        (email_norm, purpose, channel)).fetchone()


def current_of(conn, email_norm):
    return conn.execute("SELECT * FROM consents WHERE email_norm = %s ORDER BY purpose, channel",
                        (email_norm,)).fetchall()


def history_of(conn, email_norm, limit=HISTORY_LIMIT):
    return conn.execute("SELECT * FROM consent_history WHERE email_norm = %s ORDER BY id DESC LIMIT %s",
                        (email_norm, limit)).fetchall()


def add_change(conn, values):
    """Append a change to the history; returns its row."""
    return insert_row(conn, "consent_history", values)


def set_current(conn, values):
    """Write the current decision (``CURRENT_COLUMNS``) of its key; returns the row."""
    columns = ", ".join(CURRENT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(CURRENT_COLUMNS))
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in CURRENT_COLUMNS[3:])
    return conn.execute(
        f"INSERT INTO consents ({columns}) VALUES ({placeholders})"
        f" ON CONFLICT (email_norm, purpose, channel) DO UPDATE SET {updates},"
        " version = consents.version + 1, updated_at = now() RETURNING *",
        [values.get(column) for column in CURRENT_COLUMNS]).fetchone()


def people_with_email(conn, email_norm):
    """Ids of the people (contacts and leads) with this address."""
    return [row["id"] for row in conn.execute("SELECT id FROM people WHERE email_norm = %s", (email_norm,))]


def person(conn, person_id):
    return conn.execute("SELECT id, email_norm FROM people WHERE id = %s", (person_id,)).fetchone()


# Double opt-in requests -----------------------------------------------------------

def add_request(conn, values):
    return insert_row(conn, "consent_requests", values)


def request(conn, request_id, lock=False):
    return conn.execute("SELECT * FROM consent_requests WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                        (request_id,)).fetchone()


def confirm_request(conn, request_id, at, ip, user_agent):
    return conn.execute(
        "UPDATE consent_requests SET confirmed_at = %s, confirmed_ip = %s, confirmed_user_agent = %s"
        " WHERE id = %s AND confirmed_at IS NULL RETURNING *", (at, ip, user_agent, request_id)).fetchone()
