"""SQL for contacts, and a contact row as JSON: plain functions over a
connection already in a transaction."""

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import insert_row, snapshot, update_row
from shared.schemas.errors import NotFound

CONTACT_FIELDS = (
    "id", "account_id", "first_name", "last_name", "title", "emails", "phones", "role", "do_not_call",
    "do_not_email", "owner", "attributes", "version", "created_by", "created_at", "updated_at",
)
INSERT_COLUMNS = (
    "id", "account_id", "first_name", "last_name", "title", "emails", "email_norm", "phones", "role", "do_not_call",
    "do_not_email", "owner", "attributes", "created_by",
)
JSON_COLUMNS = ("attributes",)
# The expression of the contacts_search trigram index (repeated so it is used).
SEARCH_EXPRESSION = (
    "(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email_norm, ''))"
)


def contact_snapshot(row):
    """A contact as the API and events show it (ContactSchema)."""
    return snapshot(row, CONTACT_FIELDS)


def insert_contact(conn, values):
    return insert_row(conn, "contacts", {column: values[column] for column in INSERT_COLUMNS if column in values},
                      JSON_COLUMNS)


def get_contact(conn, contact_id, lock=False):
    row = conn.execute("SELECT * FROM contacts WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (contact_id,)).fetchone()
    if row is None:
        raise NotFound(f"No contact with id {contact_id}.")
    return row


def by_email_norm(conn, email_norm, exclude_id=None):
    return conn.execute(
        "SELECT * FROM contacts WHERE email_norm = %s AND id IS DISTINCT FROM %s::uuid", (email_norm, exclude_id)
    ).fetchone()


def update_contact(conn, contact_id, values):
    return update_row(conn, "contacts", contact_id, values, JSON_COLUMNS)


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(query):
    where, params = [], []
    if query.get("account_id"):
        where.append("account_id = %s")
        params.append(str(query["account_id"]))
    for column in ("role", "owner"):
        if query.get(column):
            where.append(f"{column} = %s")
            params.append(query[column])
    if query.get("email"):
        # The primary email by its index, or any other of the contact's emails.
        email = query["email"].strip().lower()
        where.append("(email_norm = %s OR EXISTS (SELECT 1 FROM unnest(emails) AS e WHERE lower(e) = %s))")
        params += [email, email]
    if query.get("q"):
        # Every word of q somewhere in the text; the trigram index serves ILIKE.
        for term in query["q"].split():
            where.append(f"{SEARCH_EXPRESSION} ILIKE %s")
            params.append(f"%{_escape_like(term)}%")
    return where, params


NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)


def list_contacts(conn, query):
    """A page, newest first: (created_at, id) descending with a keyset cursor."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM contacts", where, params, NEWEST_FIRST, query.get("cursor"),
                       int(query.get("limit") or 50))
