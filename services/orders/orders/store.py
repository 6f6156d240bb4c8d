"""SQL for orders, their lines and shipments: plain functions over a
connection already in a transaction."""

import uuid

from services.orders.counts import status_counts
from shared.kit.filters import Where, escape_like
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row
from shared.schemas.errors import NotFound
from shared.schemas.orders.orders import ORDER_STATUSES

JSON_COLUMNS = ("shipping_address", "billing_address", "tax_lines")
# Orders as read: with the account's name from orders' projection of accounts.
SELECT_ORDERS = ("SELECT orders.*, (SELECT name FROM accounts WHERE accounts.id = orders.account_id) AS account_name"
                 " FROM orders")
SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
    **both_ways("number", "number_seq", "bigint"),
}


def next_number(conn, sequence, prefix):
    """``(seq, "SO-000123")`` from a sequence: numbers may skip on a rollback
    (orders and returns need no gapless series; invoices do)."""
    seq = conn.execute(f"SELECT nextval('{sequence}') AS n").fetchone()["n"]
    return seq, f"{prefix}-{seq:06d}"


def insert_order(conn, values):
    seq, number = next_number(conn, "order_numbers", "SO")
    return insert_row(conn, "orders", {"id": str(uuid.uuid4()), "number_seq": seq, "number": number, **values},
                      JSON_COLUMNS)


def update_order(conn, order_id, values):
    """Write ``values``, bump the version; returns the row."""
    return update_row(conn, "orders", order_id, values, JSON_COLUMNS)


def get_order(conn, order_id, lock=None):
    """The order row (with ``account_name``), or NotFound; ``lock``: "update" locks the order row."""
    suffix = " FOR UPDATE OF orders" if lock else ""
    row = conn.execute(f"{SELECT_ORDERS} WHERE orders.id = %s{suffix}", (order_id,)).fetchone()
    if row is None:
        raise NotFound(f"No order with id {order_id}.")
    return row


def order_for_quote(conn, quote_id):
    return conn.execute(f"{SELECT_ORDERS} WHERE quote_id = %s", (quote_id,)).fetchone()


def _filters(query):
    where = Where(query)
    where.equal("account_id", "quote_id").any_of("status")
    if where.given("q"):
        pattern = f"%{escape_like(query['q'])}%"
        where.add("(number ILIKE %s OR customer_reference ILIKE %s)", pattern, pattern)
    return where


def list_orders(conn, query):
    where = _filters(query)
    return keyset_page(conn, SELECT_ORDERS, where.clauses, where.params, SORTS[query.get("sort") or "-created_at"],
                       query.get("cursor"), int(query.get("limit") or 50))


def count_orders(conn, query):
    """How many orders of each status the list shows under ``query``'s
    filters (one GROUP BY over the index orders_status)."""
    where = _filters(query)
    return status_counts(conn, "orders", where.clauses, where.params, ORDER_STATUSES)


def live_invoice(conn, order_id):
    """An invoice of the order that is not void (a draft too), or None."""
    return conn.execute("SELECT id, number, status FROM invoices WHERE order_id = %s AND status <> 'void'"
                        " ORDER BY created_at LIMIT 1", (order_id,)).fetchone()


# Lines -----------------------------------------------------------------------------

def order_lines(conn, order_id):
    return conn.execute("SELECT * FROM order_lines WHERE order_id = %s ORDER BY position", (order_id,)).fetchall()


def delete_lines(conn, order_id):
    conn.execute("DELETE FROM order_lines WHERE order_id = %s", (order_id,))


def add_to_line(conn, line_id, column, quantity):
    """``column`` (shipped, delivered or returned quantity) of a line grows by ``quantity``."""
    assert column in ("shipped_quantity", "delivered_quantity", "returned_quantity")
    return conn.execute(f"UPDATE order_lines SET {column} = {column} + %s WHERE id = %s RETURNING *",
                        (quantity, line_id)).fetchone()


# Shipments -------------------------------------------------------------------------

def insert_shipment(conn, order, values):
    count = conn.execute("SELECT count(*) AS n FROM shipments WHERE order_id = %s", (order["id"],)).fetchone()["n"]
    return insert_row(conn, "shipments", {"id": str(uuid.uuid4()), "order_id": order["id"],
                                          "number": f"{order['number']}-{count + 1}", **values})


def insert_shipment_lines(conn, shipment_id, quantities):
    """``quantities``: [(order_line_id, Decimal)]."""
    for order_line_id, quantity in quantities:
        conn.execute("INSERT INTO shipment_lines (id, shipment_id, order_line_id, quantity) VALUES (%s, %s, %s, %s)",
                     (str(uuid.uuid4()), shipment_id, order_line_id, quantity))


def get_shipment(conn, shipment_id, lock=None):
    return get_row(conn, "shipments", shipment_id, "shipment", lock)


def update_shipment(conn, shipment_id, values):
    return update_row(conn, "shipments", shipment_id, values)


def shipments_of(conn, order_id):
    return conn.execute("SELECT * FROM shipments WHERE order_id = %s ORDER BY created_at, number",
                        (order_id,)).fetchall()


def shipment_lines(conn, shipment_ids):
    """The lines of these shipments (with their order line's position, SKU and name), by shipment."""
    rows = conn.execute(
        "SELECT s.*, l.position, l.sku, l.name FROM shipment_lines s JOIN order_lines l ON l.id = s.order_line_id"
        " WHERE s.shipment_id = ANY(%s::uuid[]) ORDER BY l.position",
        ([str(shipment_id) for shipment_id in shipment_ids],),
    ).fetchall()
    by_shipment = {}
    for row in rows:
        by_shipment.setdefault(str(row["shipment_id"]), []).append(row)
    return by_shipment
