"""Invoice numbers and their events survive a killed service: the orders
process is SIGKILLed while an invoice is half issued, restarted, and the
issuing finished; the series is still 1..N without a gap or a duplicate,
every invoice was issued once, and each ``invoice.issued`` went out under one
event id however often the relay published it.

The worst moment is made real with a lock, not a test hook: the test's own
session holds the series row, so the dying transaction is provably waiting
for its number when the process is killed."""

import json
import threading
import time
import uuid

import psycopg

from shared.schemas.errors import CrmError
from tests.orders.conftest import wait_for
from tests.orders.invoicing_support import make_order
from tests.sales.conversion_stack import backends, wait_gone

DRAFTS = 40
KILL_AFTER = 12  # issued invoices before the kill


def _series():
    return "K" + uuid.uuid4().hex[:8].upper()


def _issue_all(rpc_proxy, invoice_ids, outcomes, stop):
    """Issue each draft in turn, recording what each call answered."""
    with rpc_proxy(timeout=5) as cluster:
        for invoice_id in invoice_ids:
            if stop.is_set():
                return
            try:
                outcomes[invoice_id] = cluster.orders.issue_invoice(invoice_id, "fiona")["number"]
            except (CrmError, Exception) as exc:  # noqa: BLE001 - a killed service answers in many ways
                outcomes[invoice_id] = exc


def _issued_count(db, series):
    return db.scalar("SELECT count(*) FROM invoices WHERE series = %s AND status <> 'draft'", (series,))


def test_killed_while_issuing_then_finished_keeps_the_series_gapless_and_each_event_once(
        service_process, rpc_proxy, db, events, orders_database_url):
    first = service_process()
    series = _series()
    with rpc_proxy() as cluster:
        drafts = [cluster.orders.create_invoice({"order_id": make_order(db)[0], "series": series}, "fiona")["id"]
                  for _ in range(DRAFTS)]

    outcomes, stop = {}, threading.Event()
    issuer = threading.Thread(target=_issue_all, args=(rpc_proxy, drafts, outcomes, stop), daemon=True)
    issuer.start()
    wait_for(lambda: _issued_count(db, series) >= KILL_AFTER, timeout=60, message="issuing never got going")
    with psycopg.connect(orders_database_url, options="-c search_path=orders") as locker:
        locker.execute("SELECT 1 FROM invoice_series WHERE document = 'invoice' AND series = %s FOR UPDATE",
                       (series,))
        stuck = wait_for(lambda: backends(db, "crm-orders", "INSERT INTO invoice_series"), timeout=20,
                         message="no issuing transaction reached the number series")
        killed_at = _issued_count(db, series)
        first.sigkill()  # an invoice half issued, waiting for its number: the worst point
        stop.set()
        locker.rollback()
    wait_gone(db, stuck)
    issuer.join(30)
    assert not issuer.is_alive()
    assert KILL_AFTER <= killed_at < DRAFTS
    assert _issued_count(db, series) == killed_at  # the killed transaction left nothing
    assert db.scalar("SELECT next FROM invoice_series WHERE document = 'invoice' AND series = %s",
                     (series,)) == killed_at + 1  # and took no number

    service_process()
    # What the restarted service may still take back from its queue, then the rest, once each.
    time.sleep(1)
    with rpc_proxy() as cluster:
        for invoice_id in drafts:
            invoice = cluster.orders.get_invoice(invoice_id)
            if invoice["status"] == "draft":
                cluster.orders.issue_invoice(invoice_id, "fiona")

    rows = db.all("SELECT id, number, status FROM invoices WHERE series = %s ORDER BY number", (series,))
    assert len(rows) == DRAFTS and all(row["status"] == "issued" for row in rows)
    year = time.gmtime().tm_year
    assert [row["number"] for row in rows] == [f"{series}-{year}-{n:06d}" for n in range(1, DRAFTS + 1)]
    assert db.scalar("SELECT next FROM invoice_series WHERE document = 'invoice' AND series = %s",
                     (series,)) == DRAFTS + 1

    # One invoice.issued per invoice in the outbox, and on the exchange one event id per invoice
    # (a relay killed between publishing and marking sends the same event again: same id).
    ids = {str(row["id"]) for row in rows}
    outbox = db.all("SELECT event_id, body FROM outbox WHERE event_type = 'invoice.issued'")
    per_invoice = {}
    for row in outbox:
        invoice_id = json.loads(row["body"])["data"]["invoice"]["id"]
        if invoice_id in ids:
            per_invoice.setdefault(invoice_id, []).append(row["event_id"])
    assert set(per_invoice) == ids and all(len(found) == 1 for found in per_invoice.values())
    events.wait(lambda: ids <= {event.data["invoice"]["id"] for event in events.of("invoice.issued")},
                timeout=30, message="not every invoice.issued reached the exchange")
    seen = {}
    for event in events.of("invoice.issued"):
        if event.data["invoice"]["id"] in ids:
            seen.setdefault(event.data["invoice"]["id"], set()).add(event.id)
    assert all(len(event_ids) == 1 for event_ids in seen.values())
