"""SQL for contacts, and a contact row as JSON: plain functions over a
connection already in a transaction."""

from shared.kit.filters import Where
from shared.kit.history import History
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, snapshot, update_row

CONTACT_FIELDS = (
    "id", "account_id", "first_name", "last_name", "title", "emails", "phones", "phones_text", "role", "do_not_call",
    "do_not_email", "owner", "attributes", "version", "created_by", "created_at", "updated_at",
)
INSERT_COLUMNS = (
    "id", "account_id", "first_name", "last_name", "title", "emails", "email_norm", "phones", "phones_text", "role",
    "do_not_call", "do_not_email", "owner", "attributes", "created_by",
)
JSON_COLUMNS = ("attributes",)
# Every change of a contact, by the command that makes it (see shared.kit.history).
HISTORY = History("contact_history", "contact_id", CONTACT_FIELDS)
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
    return get_row(conn, "contacts", contact_id, "contact", lock)


def by_email_norm(conn, email_norm, exclude_id=None):
    return conn.execute(
        "SELECT * FROM contacts WHERE email_norm = %s AND id IS DISTINCT FROM %s::uuid", (email_norm, exclude_id)
    ).fetchone()


def update_contact(conn, contact_id, values):
    return update_row(conn, "contacts", contact_id, values, JSON_COLUMNS)


def _filters(query):
    where = Where(query).equal("account_id", "role", "owner")
    if where.given("email"):
        # The primary email by its index, or any other of the contact's emails.
        email = query["email"].strip().lower()
        where.add("(email_norm = %s OR EXISTS (SELECT 1 FROM unnest(emails) AS e WHERE lower(e) = %s))", email, email)
    where.search(SEARCH_EXPRESSION, every_word=True)  # the trigram index serves ILIKE
    return where.clauses, where.params


# ContactQuerySchema's sorts (CONTACT_SORTS), each both ways; the id breaks ties.
# sort_name (migration 0006): last name, then first name, in lower case.
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("name", "sort_name", "text"),
}


def list_contacts(conn, query):
    """A page in the query's sort (default: newest first, (created_at, id)
    descending) with a keyset cursor."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM contacts", where, params, SORTS[query.get("sort") or "-created_at"],
                       query.get("cursor"), int(query.get("limit") or 50))
