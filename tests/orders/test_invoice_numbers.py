"""Invoice numbers are sequential without gaps per series and year: 16
concurrent issuers get exactly 1..N, a rolled-back issue gives its number
back, and invoices and credit notes count apart."""

import datetime
import uuid

import psycopg
from psycopg.rows import dict_row

from services.orders.invoicing import numbering
from shared.kit.testing import GreenPool
from tests.orders.invoicing_support import make_order

ISSUERS = 16
INVOICES = 80


def new_series():
    return "G" + uuid.uuid4().hex[:7].upper()


def test_sixteen_concurrent_issuers_get_exactly_one_to_n(orders, db, rpc_proxy):
    series = new_series()
    drafts = []
    for _ in range(INVOICES):
        order_id, _ = make_order(db)
        drafts.append(orders.create_invoice({"order_id": order_id, "series": series}, "fiona")["id"])
    batches = [drafts[index::ISSUERS] for index in range(ISSUERS)]

    def issue(batch):
        with rpc_proxy() as cluster:
            return [cluster.orders.issue_invoice(invoice_id, f"issuer-{len(batch)}")["number"] for invoice_id in batch]

    pool = GreenPool(ISSUERS)
    numbers = [number for batch in pool.imap(issue, batches) for number in batch]

    year = datetime.date.today().year
    assert sorted(numbers) == [f"{series}-{year}-{n:06d}" for n in range(1, INVOICES + 1)]
    rows = db.all("SELECT sequence, issue_date FROM invoices WHERE series = %s ORDER BY sequence", (series,))
    assert [row["sequence"] for row in rows] == list(range(1, INVOICES + 1))
    assert db.scalar("SELECT next FROM invoice_series WHERE document = 'invoice' AND series = %s AND year = %s",
                     (series, year)) == INVOICES + 1


def test_a_rolled_back_issue_gives_its_number_back(orders_database_url, db):
    series, year = new_series(), 2031
    with psycopg.connect(orders_database_url, row_factory=dict_row, options="-c search_path=orders") as conn:
        with conn.transaction():
            assert numbering.take_number(conn, numbering.INVOICE, series, year) == (f"{series}-2031-000001", 1)
        try:
            with conn.transaction():
                assert numbering.take_number(conn, numbering.INVOICE, series, year)[1] == 2
                raise RuntimeError("the issue failed after taking its number")
        except RuntimeError:
            pass
        with conn.transaction():
            assert numbering.take_number(conn, numbering.INVOICE, series, year) == (f"{series}-2031-000002", 2)
            # Credit notes have their own count, and so has every year.
            assert numbering.take_number(conn, numbering.CREDIT_NOTE, series, year)[1] == 1
            assert numbering.take_number(conn, numbering.INVOICE, series, year + 1)[1] == 1
