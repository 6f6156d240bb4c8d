"""Invoicing RPC entrypoints: thin shells over services.orders.invoicing."""

from services.orders.invoicing import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.orders.invoicing import (
    CreditNoteCreateSchema,
    CreditNoteQuerySchema,
    DocumentFormatSchema,
    InvoiceCountQuerySchema,
    InvoiceCreateSchema,
    InvoiceQuerySchema,
    PaymentCreateSchema,
    PaymentQuerySchema,
)


class InvoicingRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_invoice(self, data, actor=None):
        """A draft invoice for what is left to invoice of an order, or for one of its shipments."""
        data = load(InvoiceCreateSchema(), data)
        terms = int(self.config.get("PAYMENT_TERMS_DAYS", 30))
        with self.db.transaction() as conn:
            invoice_id = commands.create_invoice(conn, data, actor, terms)
            return commands.invoice_detail(conn, invoice_id)

    @rpc
    def get_invoice(self, invoice_id):
        invoice_id = load_uuid(invoice_id, "invoice id")
        with self.db.transaction() as conn:
            return commands.invoice_detail(conn, invoice_id)

    @rpc
    def list_invoices(self, query=None):
        query = load(InvoiceQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_invoices(conn, query, commands.today())
        return {"items": [commands.invoice_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def count_invoices(self, query=None):
        """How many invoices of each status the list shows under its filters (but status), and
        how many of them are overdue."""
        query = load(InvoiceCountQuerySchema(), query or {})
        with self.db.read() as conn:
            return store.count_invoices(conn, query, commands.today())

    @rpc
    def issue_invoice(self, invoice_id, actor=None, expected_version=None):
        """Give a draft its number, issue and due dates; it never changes afterwards."""
        invoice_id = load_uuid(invoice_id, "invoice id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            commands.issue_invoice(conn, invoice_id, actor, expected_version)
            return commands.invoice_detail(conn, invoice_id)

    @rpc
    def delete_draft_invoice(self, invoice_id, actor=None, expected_version=None):
        """Delete a draft (an issued invoice is never deleted: credit it)."""
        invoice_id = load_uuid(invoice_id, "invoice id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.delete_draft_invoice(conn, invoice_id, expected_version)

    @rpc
    def record_payment(self, invoice_id, data, actor=None):
        """A payment of an issued invoice, at most its balance: ``{"payment", "invoice"}``."""
        invoice_id = load_uuid(invoice_id, "invoice id")
        data = load(PaymentCreateSchema(), data)
        with self.db.transaction() as conn:
            payment, invoice = commands.record_payment(conn, invoice_id, data, actor)
            return {"payment": commands.payment_snapshot(payment), "invoice": commands.invoice_snapshot(invoice)}

    @rpc
    def list_payments(self, query=None):
        query = load(PaymentQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_payments(conn, query)
        return {"items": [commands.payment_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def issue_credit_note(self, invoice_id, data, actor=None):
        """A credit note for the whole invoice or some of its lines and quantities."""
        invoice_id = load_uuid(invoice_id, "invoice id")
        data = load(CreditNoteCreateSchema(), data)
        with self.db.transaction() as conn:
            note = commands.issue_credit_note(conn, invoice_id, data, actor)
            return commands.credit_note_detail(conn, note["id"])

    @rpc
    def get_credit_note(self, credit_note_id):
        credit_note_id = load_uuid(credit_note_id, "credit note id")
        with self.db.transaction() as conn:
            return commands.credit_note_detail(conn, credit_note_id)

    @rpc
    def list_credit_notes(self, query=None):
        query = load(CreditNoteQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_credit_notes(conn, query)
        return {"items": [commands.credit_note_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def invoice_document(self, invoice_id, format="html"):
        """The invoice as a customer reads it: ``{"content_type", "filename", "body"}`` (PDF: base64)."""
        from services.orders.invoicing import document

        invoice_id = load_uuid(invoice_id, "invoice id")
        format = load(DocumentFormatSchema(), {"format": format})["format"]
        with self.db.transaction() as conn:
            detail = commands.invoice_detail(conn, invoice_id)
        return document.render(detail, format, self.config)
