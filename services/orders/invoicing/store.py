"""SQL for invoices, credit notes and payments (and what they read of
orders and shipments): plain functions over a connection already in a
transaction."""

from services.orders.counts import status_counts
from shared.kit.filters import Where
from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.kit.rows import LOCKS, get_row, insert_row
from shared.schemas.orders.invoicing import INVOICE_STATUSES

INVOICE_JSON = ("tax_lines", "billing_address")
CREDIT_NOTE_JSON = ("tax_lines",)
# An invoice with its order's number and its account's name (from the projection).
INVOICE_SELECT = ("SELECT * FROM (SELECT i.*, o.number AS order_number, a.name AS account_name FROM invoices i"
                  " JOIN orders o ON o.id = i.order_id LEFT JOIN accounts a ON a.id = i.account_id) AS invoices")
CREDIT_NOTE_SELECT = ("SELECT * FROM (SELECT c.*, i.number AS invoice_number FROM credit_notes c"
                      " JOIN invoices i ON i.id = c.invoice_id) AS credit_notes")
PAYMENT_SELECT = ("SELECT * FROM (SELECT p.*, i.number AS invoice_number, i.account_id FROM payments p"
                  " JOIN invoices i ON i.id = p.invoice_id) AS payments")


# Orders and shipments (the orders area's tables, read only) -----------------

def find_order(conn, order_id, lock=None):
    return conn.execute(f"SELECT * FROM orders WHERE id = %s{LOCKS[lock]}", (order_id,)).fetchone()


def order_lines(conn, order_id):
    return conn.execute("SELECT * FROM order_lines WHERE order_id = %s ORDER BY position", (order_id,)).fetchall()


def find_shipment(conn, shipment_id):
    return conn.execute("SELECT * FROM shipments WHERE id = %s", (shipment_id,)).fetchone()


def shipment_quantities(conn, shipment_id):
    """{order line id (str): quantity shipped} of a shipment."""
    rows = conn.execute("SELECT order_line_id, quantity FROM shipment_lines WHERE shipment_id = %s",
                        (shipment_id,)).fetchall()
    return {str(row["order_line_id"]): row["quantity"] for row in rows}


def billed_quantities(conn, order_id):
    """{order line id (str): quantity no longer to invoice}: what the order's
    non-void invoices bill, less what credit notes of returns took back on
    them, plus what was returned for a refund.  So goods returned for a
    refund are never billed again (not even when their credit note voided
    the invoice), while an invoice voided by a correction (a full credit
    without a return) leaves its goods to be invoiced anew."""
    rows = conn.execute(
        "SELECT line_id, sum(quantity) AS quantity FROM ("
        "  SELECT l.source_line_id AS line_id, l.quantity FROM invoice_lines l"
        "    JOIN invoices i ON i.id = l.invoice_id"
        "   WHERE i.order_id = %(order_id)s AND i.status <> 'void'"
        "  UNION ALL"
        "  SELECT il.source_line_id, -cl.quantity FROM credit_note_lines cl"
        "    JOIN credit_notes c ON c.id = cl.credit_note_id"
        "    JOIN invoice_lines il ON il.id = cl.source_line_id"
        "    JOIN invoices i ON i.id = il.invoice_id"
        "   WHERE i.order_id = %(order_id)s AND i.status <> 'void' AND c.return_id IS NOT NULL"
        "  UNION ALL"
        "  SELECT rl.order_line_id, rl.quantity FROM return_lines rl JOIN returns r ON r.id = rl.return_id"
        "   WHERE r.order_id = %(order_id)s AND r.resolution = 'refund'"
        ") billed WHERE line_id IS NOT NULL GROUP BY line_id", {"order_id": order_id}).fetchall()
    return {str(row["line_id"]): row["quantity"] for row in rows}


def shipment_invoice(conn, shipment_id):
    """The non-void invoice of a shipment, or None."""
    return conn.execute("SELECT * FROM invoices WHERE shipment_id = %s AND status <> 'void' LIMIT 1",
                        (shipment_id,)).fetchone()


# Invoices ---------------------------------------------------------------------

def insert_invoice(conn, values):
    return insert_row(conn, "invoices", values, INVOICE_JSON)


def get_invoice(conn, invoice_id, lock=None):
    """The invoice row, or NotFound."""
    return get_row(conn, "invoices", invoice_id, "invoice", lock)


def invoice_view(conn, invoice_id):
    """The invoice with its order number and account name, or None."""
    return conn.execute(f"{INVOICE_SELECT} WHERE id = %s", (invoice_id,)).fetchone()


def update_invoice(conn, invoice_id, values):
    """Write ``values`` (column -> value), bump the version; returns the row."""
    assignments = "".join(f"{column} = %s, " for column in values)
    return conn.execute(
        f"UPDATE invoices SET {assignments}version = version + 1, updated_at = now() WHERE id = %s RETURNING *",
        (*values.values(), invoice_id)).fetchone()


def delete_invoice(conn, invoice_id):
    conn.execute("DELETE FROM invoices WHERE id = %s", (invoice_id,))


def issued_invoices_billing(conn, order_line_ids):
    """The lines of issued, not void invoices that bill these order lines,
    with their invoice's id, oldest invoice first: ``credit_returned_lines``
    credits them in this order."""
    return conn.execute(
        "SELECT l.*, i.issue_date, i.sequence FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
        " WHERE l.source_line_id = ANY(%s::uuid[]) AND i.status IN ('issued', 'partly_paid', 'paid', 'overdue')"
        " ORDER BY i.issue_date, i.issued_at, i.id, l.position",
        ([str(line_id) for line_id in order_line_ids],)).fetchall()


def lock_invoices(conn, invoice_ids):
    """Lock invoices in id order (two callers never wait on each other in a cycle)."""
    return conn.execute("SELECT * FROM invoices WHERE id = ANY(%s::uuid[]) ORDER BY id FOR UPDATE",
                        ([str(invoice_id) for invoice_id in invoice_ids],)).fetchall()


def mark_overdue(conn, today, limit):
    """Mark up to ``limit`` unpaid invoices due before ``today`` overdue
    (each once: ``overdue_at``), skipping rows other transactions hold;
    returns the updated rows."""
    return conn.execute(
        "WITH due AS (SELECT id FROM invoices WHERE status IN ('issued', 'partly_paid') AND overdue_at IS NULL"
        "   AND due_date < %s ORDER BY due_date, id LIMIT %s FOR UPDATE SKIP LOCKED)"
        " UPDATE invoices i SET status = 'overdue', overdue_at = now(), version = version + 1, updated_at = now()"
        " FROM due WHERE i.id = due.id RETURNING i.*",
        (today, limit)).fetchall()


def order_numbers(conn, order_ids):
    rows = conn.execute("SELECT id, number FROM orders WHERE id = ANY(%s::uuid[])",
                        ([str(order_id) for order_id in order_ids],)).fetchall()
    return {str(row["id"]): row["number"] for row in rows}


def account_names(conn, account_ids):
    rows = conn.execute("SELECT id, name FROM accounts WHERE id = ANY(%s::uuid[])",
                        ([str(account_id) for account_id in account_ids],)).fetchall()
    return {str(row["id"]): row["name"] for row in rows}


INVOICE_SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("number", "number", "text", nulls_last=True),
    **both_ways("due_date", "due_date", "date", nulls_last=True),
}
OPEN_STATUSES = "('issued', 'partly_paid', 'overdue')"


# The list's overdue=true: unpaid invoices past their due date (one %s: today).
OVERDUE = f"status IN {OPEN_STATUSES} AND due_date < %s"


def _invoice_filters(query, today):
    where = Where(query)
    where.equal("account_id", "order_id").any_of("status")
    if query.get("overdue") is True:
        where.add(OVERDUE, today)
    elif query.get("overdue") is False:
        where.add(f"NOT ({OVERDUE})", today)
    where.search("number")
    return where


def list_invoices(conn, query, today):
    where = _invoice_filters(query, today)
    return keyset_page(conn, INVOICE_SELECT, where.clauses, where.params, INVOICE_SORTS[query["sort"]],
                       query.get("cursor"), int(query.get("limit") or 50))


def count_invoices(conn, query, today):
    """How many invoices of each status the list shows under ``query``'s
    filters, and how many of them ``overdue=true`` would show: one GROUP BY
    (the filters are the invoice's own columns, so no join is needed)."""
    where = _invoice_filters(query, today)
    return status_counts(conn, "invoices", where.clauses, where.params, INVOICE_STATUSES,
                         {"overdue": (OVERDUE, (today,))})


# Credit notes -----------------------------------------------------------------

def insert_credit_note(conn, values):
    return insert_row(conn, "credit_notes", values, CREDIT_NOTE_JSON)


def credit_note_view(conn, credit_note_id):
    return conn.execute(f"{CREDIT_NOTE_SELECT} WHERE id = %s", (credit_note_id,)).fetchone()


def credit_notes_of(conn, invoice_id):
    return conn.execute(f"{CREDIT_NOTE_SELECT} WHERE invoice_id = %s ORDER BY created_at, id",
                        (invoice_id,)).fetchall()


def credited_lines(conn, invoice_id):
    """{invoice line id (str): {"quantity", "net_amount", "tax_amount",
    "discount_total"}}: what the invoice's credit notes credited of each line."""
    rows = conn.execute(
        "SELECT l.source_line_id, sum(l.quantity) AS quantity, sum(l.net_amount) AS net_amount,"
        " sum(l.tax_amount) AS tax_amount, sum(l.discount_total) AS discount_total"
        " FROM credit_note_lines l JOIN credit_notes c ON c.id = l.credit_note_id"
        " WHERE c.invoice_id = %s GROUP BY l.source_line_id", (invoice_id,)).fetchall()
    return {str(row["source_line_id"]): row for row in rows}


CREDIT_NOTE_SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("number", "number", "text"),
}


def list_credit_notes(conn, query):
    where = Where(query)
    where.equal("account_id", "invoice_id", "order_id")
    where.search("number")
    return keyset_page(conn, CREDIT_NOTE_SELECT, where.clauses, where.params, CREDIT_NOTE_SORTS[query["sort"]],
                       query.get("cursor"), int(query.get("limit") or 50))


# Payments ---------------------------------------------------------------------

def insert_payment(conn, values):
    return insert_row(conn, "payments", values)


def payments_of(conn, invoice_id):
    return conn.execute(f"{PAYMENT_SELECT} WHERE invoice_id = %s ORDER BY created_at, id", (invoice_id,)).fetchall()


def payment_view(conn, payment_id):
    return conn.execute(f"{PAYMENT_SELECT} WHERE id = %s", (payment_id,)).fetchone()


PAYMENT_SORTS = {
    **both_ways("created_at", "created_at", "timestamptz"),
    "paid_on": KeysetOrder(("paid_on", "date"), ("id", "uuid"), name="paid_on"),
    "-paid_on": KeysetOrder(("paid_on", "date"), ("id", "uuid"), descending=True, name="-paid_on"),
}


def list_payments(conn, query):
    where = Where(query)
    where.equal("invoice_id", "account_id").any_of("method")
    where.compare(paid_from="paid_on >= %s", paid_to="paid_on <= %s")
    return keyset_page(conn, PAYMENT_SELECT, where.clauses, where.params, PAYMENT_SORTS[query["sort"]],
                       query.get("cursor"), int(query.get("limit") or 50))
