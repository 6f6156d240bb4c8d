"""The orders service's timers as they run: a service process with a short
SWEEP_SECONDS expires a sent quote past its validity and marks an issued
invoice past its due date overdue by itself, each once (one event each),
however many rounds the loop makes."""

import time

from tests import dates
from tests.helpers import wait_for
from tests.orders.invoicing_support import issued_invoice
from tests.orders.quote_support import sent_quote


def _past_due(db, invoice_id):
    """Move an issued invoice's due date to yesterday, as if its terms had run
    out (the guard that keeps issued invoices unchanged is lifted for this
    one statement only)."""
    with db.conn.transaction():
        db.conn.execute("ALTER TABLE invoices DISABLE TRIGGER invoices_guard")
        db.conn.execute("UPDATE invoices SET due_date = %s WHERE id = %s", (dates.days_from_today(-1), invoice_id))
        db.conn.execute("ALTER TABLE invoices ENABLE TRIGGER invoices_guard")


def test_the_running_sweeper_expires_quotes_and_marks_invoices_overdue_once(service_process, rpc_proxy, db):
    service_process(SWEEP_SECONDS="0.2")
    with rpc_proxy() as cluster:
        quote = sent_quote(cluster.orders, db)
        invoice = issued_invoice(cluster.orders, db)
    db.conn.execute("UPDATE quotes SET valid_until = %s WHERE id = %s", (dates.days_from_today(-1), quote["id"]))
    _past_due(db, invoice["id"])

    wait_for(lambda: db.scalar("SELECT status FROM quotes WHERE id = %s", (quote["id"],)) == "expired",
             timeout=20, message="the sweeper did not expire the quote")
    wait_for(lambda: db.scalar("SELECT status FROM invoices WHERE id = %s", (invoice["id"],)) == "overdue",
             timeout=20, message="the sweeper did not mark the invoice overdue")
    time.sleep(1)  # several more rounds of the loop

    assert [row["event_type"] for row in db.outbox_rows([quote["id"]])].count("quote.expired") == 1
    assert [row["event_type"] for row in db.outbox_rows([invoice["id"]])].count("invoice.overdue") == 1
    with rpc_proxy() as cluster:
        assert cluster.orders.get_invoice(invoice["id"])["overdue"] is True
