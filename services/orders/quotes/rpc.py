"""Quotes RPC entrypoints: thin shells over services.orders.quotes."""

from services.orders.quotes import commands, document, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.errors import ValidationFailed
from shared.schemas.orders.quotes import (
    DOCUMENT_FORMATS,
    QuoteCountQuerySchema,
    QuoteCreateSchema,
    QuoteQuerySchema,
    QuoteRejectSchema,
    QuoteUpdateSchema,
)


def load_quote_id(value):
    return load_uuid(value, "quote id")


def _answer(result, on_day):
    row, line_rows = result
    return commands.quote_answer(row, line_rows, on_day)


class QuotesRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_quote(self, data, actor=None):
        data = load(QuoteCreateSchema(), data)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.create_quote(conn, data, actor, on_day), on_day)

    @rpc
    def get_quote(self, quote_id):
        quote_id = load_quote_id(quote_id)
        with self.db.transaction() as conn:
            row = store.get_quote(conn, quote_id)
            return commands.quote_answer(row, store.quote_lines(conn, quote_id))

    @rpc
    def list_quotes(self, query=None):
        query = load(QuoteQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_quotes(conn, query)
        on_day = commands.today()
        return {"items": [commands.list_item(row, on_day) for row in rows], "next_cursor": next_cursor}

    @rpc
    def count_quotes(self, query=None):
        """How many quotes of each status the list shows under its filters (but status)."""
        query = load(QuoteCountQuerySchema(), query or {})
        with self.db.read() as conn:
            return store.count_quotes(conn, query)

    @rpc
    def update_quote(self, quote_id, changes, actor=None, expected_version=None):
        quote_id = load_quote_id(quote_id)
        changes = load(QuoteUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.update_quote(conn, quote_id, changes, actor, expected_version, on_day), on_day)

    @rpc
    def send_quote(self, quote_id, actor=None, expected_version=None):
        quote_id = load_quote_id(quote_id)
        expected_version = versions.expected_version(expected_version)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.send_quote(conn, quote_id, actor, expected_version, on_day), on_day)

    @rpc
    def accept_quote(self, quote_id, actor=None, expected_version=None):
        quote_id = load_quote_id(quote_id)
        expected_version = versions.expected_version(expected_version)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.accept_quote(conn, quote_id, actor, expected_version, on_day), on_day)

    @rpc
    def reject_quote(self, quote_id, reason=None, actor=None, expected_version=None):
        quote_id = load_quote_id(quote_id)
        reason = load(QuoteRejectSchema(), {"reason": reason})["reason"]
        expected_version = versions.expected_version(expected_version)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.reject_quote(conn, quote_id, reason, actor, expected_version, on_day), on_day)

    @rpc
    def revise_quote(self, quote_id, actor=None):
        quote_id = load_quote_id(quote_id)
        on_day = commands.today()
        with self.db.transaction() as conn:
            return _answer(commands.revise_quote(conn, quote_id, actor, on_day), on_day)

    @rpc
    def quote_revisions(self, quote_id):
        """Every revision of the quote's number, the first first."""
        quote_id = load_quote_id(quote_id)
        with self.db.transaction() as conn:
            rows = store.revisions(conn, store.get_quote(conn, quote_id)["number"])
        on_day = commands.today()
        return {"items": [commands.list_item(row, on_day) for row in rows]}

    @rpc
    def quote_document(self, quote_id, format="html"):
        """The quote as a document for the customer: ``{"content_type",
        "filename", "body"}`` (HTML text, or a PDF in base64)."""
        quote_id = load_quote_id(quote_id)
        if format not in DOCUMENT_FORMATS:
            raise ValidationFailed(f"Unknown document format {str(format)[:20]!r}; use html or pdf.",
                                   {"format": ["One of: html, pdf."]})
        with self.db.transaction() as conn:
            row = store.get_quote(conn, quote_id)
            line_rows = store.quote_lines(conn, quote_id)
            account = store.account(conn, row["account_id"])
        return document.render(row, line_rows, account, self.config, format)
