"""SQL for returns (RMA) and their lines: plain functions over a connection
already in a transaction."""

import uuid

from shared.kit.filters import Where, escape_like
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

# Returns as read: with their order's number.
SELECT_RETURNS = ("SELECT returns.*, (SELECT number FROM orders WHERE orders.id = returns.order_id) AS order_number"
                  " FROM returns")
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("number", "number_seq", "bigint"),
}


def insert_return(conn, values):
    seq = conn.execute("SELECT nextval('return_numbers') AS n").fetchone()["n"]
    row = insert_row(conn, "returns", {"id": str(uuid.uuid4()), "number_seq": seq, "number": f"RMA-{seq:06d}",
                                       **values})
    return get_return(conn, row["id"])


def insert_return_lines(conn, return_id, quantities):
    """``quantities``: [(order_line_id, Decimal)]."""
    for order_line_id, quantity in quantities:
        conn.execute("INSERT INTO return_lines (id, return_id, order_line_id, quantity) VALUES (%s, %s, %s, %s)",
                     (str(uuid.uuid4()), return_id, order_line_id, quantity))


def get_return(conn, return_id, lock=None):
    """The return (with ``order_number``) or NotFound; ``lock``: FOR UPDATE of the return row."""
    suffix = " FOR UPDATE OF returns" if lock else ""
    row = conn.execute(f"{SELECT_RETURNS} WHERE returns.id = %s{suffix}", (return_id,)).fetchone()
    if row is None:
        raise NotFound(f"No return with id {return_id}.")
    return row


def update_return(conn, return_id, values):
    update_row(conn, "returns", return_id, values)
    return get_return(conn, return_id)


def return_lines(conn, return_ids):
    """The lines of these returns (with their order line's position, SKU and name), by return."""
    rows = conn.execute(
        "SELECT r.*, l.position, l.sku, l.name FROM return_lines r JOIN order_lines l ON l.id = r.order_line_id"
        " WHERE r.return_id = ANY(%s::uuid[]) ORDER BY l.position",
        ([str(return_id) for return_id in return_ids],),
    ).fetchall()
    by_return = {}
    for row in rows:
        by_return.setdefault(str(row["return_id"]), []).append(row)
    return by_return


def list_returns(conn, query):
    where = Where(query)
    where.equal("order_id", "account_id").any_of("status")
    if where.given("q"):
        where.add("number ILIKE %s", f"%{escape_like(query['q'])}%")
    return keyset_page(conn, SELECT_RETURNS, where.clauses, where.params, SORTS[query.get("sort") or "-created_at"],
                       query.get("cursor"), int(query.get("limit") or 50))
