"""Gapless document numbers: one row per (document kind, series, year) in
``invoice_series``, taken with one upsert inside the issuing transaction.

The upsert locks the row until the transaction ends, so concurrent issuers
of one series queue on it and each gets the next number; an issue that
rolls back releases the row unchanged, so its number goes to the next
issuer.  Numbers are therefore consecutive among committed documents, with
no gap and no duplicate (a database sequence would leave gaps on rollback,
and a ``max() + 1`` would hand one number to two issuers).  Take the number
last, after every check, so the row is held only for the final writes."""

from services.orders.invoicing.states import document_number

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


def take_number(conn, document, series, year):
    """``(number, sequence)`` for the next document of ``series`` in ``year``."""
    sequence = conn.execute(
        "INSERT INTO invoice_series (document, series, year, next) VALUES (%s, %s, %s, 2)"
        " ON CONFLICT (document, series, year) DO UPDATE SET next = invoice_series.next + 1"
        " RETURNING next - 1 AS sequence",
        (document, series, year),
    ).fetchone()["sequence"]
    return document_number(series, year, sequence), sequence
