"""SQL for quotes: plain functions over a connection already in a transaction."""

from services.orders import lines
from services.orders.counts import status_counts
from shared.kit.filters import Where
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import LOCKS, get_row, insert_row, update_row
from shared.schemas.errors import ValidationFailed
from shared.schemas.orders.quotes import QUOTE_STATUSES

JSON_COLUMNS = ("tax_lines",)
LINES = ("quote_lines", "quote_id")

# QuoteQuerySchema's sorts (QUOTE_SORTS), each both ways; the id breaks ties.
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("number", "number_seq", "bigint"),
    **both_ways("valid_until", "valid_until", "date"),
}


def standard_book_id(conn):
    row = conn.execute("SELECT id FROM price_books WHERE is_standard").fetchone()
    if row is None:
        raise ValidationFailed("There is no standard price book; name a price_book_id.",
                               {"price_book_id": ["Required: no price book is the standard one."]})
    return str(row["id"])


def next_number(conn):
    return conn.execute("SELECT nextval('quote_numbers') AS n").fetchone()["n"]


def insert_quote(conn, values):
    return insert_row(conn, "quotes", values, JSON_COLUMNS)


def get_quote(conn, quote_id, lock=None):
    """The row, or NotFound; ``lock``: None, "update" or "share"."""
    return get_row(conn, "quotes", quote_id, "quote", lock)


def update_quote(conn, quote_id, values):
    """Write ``values``, bump the version; returns the row."""
    return update_row(conn, "quotes", quote_id, values, JSON_COLUMNS)


def lock_opportunity_quotes(conn, opportunity_id):
    """Lock every quote of an opportunity in id order (two acceptances of
    alternatives queue instead of deadlocking); returns them."""
    return conn.execute("SELECT * FROM quotes WHERE opportunity_id = %s ORDER BY id FOR UPDATE",
                        (opportunity_id,)).fetchall()


def quote_lines(conn, quote_id):
    return lines.lines_of(conn, *LINES, quote_id)


def lines_by_quote(conn, quote_ids):
    """{quote id: its lines in position order} for several quotes at once."""
    found = {str(quote_id): [] for quote_id in quote_ids}
    for row in conn.execute("SELECT * FROM quote_lines WHERE quote_id = ANY(%s::uuid[]) ORDER BY quote_id, position",
                            ([str(quote_id) for quote_id in quote_ids],)):
        found[str(row["quote_id"])].append(row)
    return found


def replace_lines(conn, quote_id, rows):
    """The quote's lines are ``rows`` (priced line dicts) from now on."""
    conn.execute("DELETE FROM quote_lines WHERE quote_id = %s", (quote_id,))
    return lines.insert_lines(conn, *LINES, quote_id, rows)


def insert_lines(conn, quote_id, rows):
    return lines.insert_lines(conn, *LINES, quote_id, rows)


def live_siblings(conn, quote):
    """The other quotes of the quote's opportunity that are not superseded."""
    return conn.execute(
        "SELECT * FROM quotes WHERE opportunity_id = %s AND id <> %s AND superseded_by IS NULL ORDER BY id",
        (quote["opportunity_id"], quote["id"])).fetchall()


def revisions(conn, number):
    return conn.execute("SELECT * FROM quotes WHERE number = %s ORDER BY revision", (number,)).fetchall()


def due_for_expiry(conn, today, limit):
    """Up to ``limit`` live sent quotes valid until before ``today``, locked;
    rows another transaction holds are skipped (it is handling them)."""
    return conn.execute(
        "SELECT * FROM quotes WHERE status = 'sent' AND superseded_by IS NULL AND valid_until < %s"
        " ORDER BY valid_until, id LIMIT %s FOR UPDATE SKIP LOCKED", (today, limit)).fetchall()


def account(conn, account_id, lock=None):
    """The projection row of an account, or None."""
    return conn.execute(f"SELECT * FROM accounts WHERE id = %s{LOCKS[lock]}", (account_id,)).fetchone()


# Lists ----------------------------------------------------------------------

def _filters(query):
    where = Where(query, *(() if query.get("include_superseded") else ("superseded_by IS NULL",)))
    where.equal("account_id", "opportunity_id").any_of("status")
    where.search("(number || ' ' || coalesce(title, ''))", every_word=True)
    return where.clauses, where.params


def list_quotes(conn, query):
    """A page in the query's sort (default newest first) with a keyset cursor."""
    where, params = _filters(query)
    return keyset_page(conn, "SELECT * FROM quotes", where, params, SORTS[query.get("sort") or "-created_at"],
                       query.get("cursor"), int(query.get("limit") or 50))


def count_quotes(conn, query):
    """How many quotes of each status the list shows under ``query``'s
    filters (one GROUP BY; by default over live revisions, which the partial
    index quotes_status covers)."""
    where, params = _filters(query)
    return status_counts(conn, "quotes", where, params, QUOTE_STATUSES)
