"""The quote as a document a customer reads, in HTML and PDF (the shared
pieces are in ``services.orders.documents``).  Both show the same content:
seller, customer, number and revision, dates, lines, tax lines, totals,
notes and terms, and a notice when the quote is not (or no longer) an offer
to accept (a draft, superseded, expired, rejected, accepted).

Amounts are the stored ones as text with the currency's decimals, grouped
by thousands (``12,500.00``); nothing is computed here.  In the PDF, letters
without a Windows-1252 form are reduced to their base letter (``ł`` ->
``l``) or shown as ``?``; the HTML shows every character."""

import functools
from pathlib import Path

from services.orders import documents, money

TEMPLATES = Path(__file__).parent / "templates"
# Letters NFKD does not reduce to a base letter, and dashes, as the core font can show them.
PDF_LOOKALIKES = documents.PDF_LOOKALIKES
NOTICES = {
    "draft": "Draft: this quote has not been sent yet and is not an offer.",
    "accepted": "Accepted on {accepted_on}.",
    "rejected": "This quote was declined and is no longer an offer.",
    "expired": "This quote expired on {expired_on} and is no longer an offer.",
}
NOTICE_COLOR = (150, 90, 0)
LABEL_COLOR = 90


def _amount(value, currency):
    """An amount with the currency's decimals, grouped by thousands."""
    return documents.grouped(money.money_text(value, currency))


def _price(value, currency):
    return documents.grouped(money.price_text(value, currency))


def _date(value):
    return value.isoformat() if value is not None else ""


def _notice(quote):
    if quote["superseded_by"] is not None:
        return "Replaced by a newer revision of this quote; this one is no longer an offer."
    text = NOTICES.get(quote["status"])
    if text is None:
        return None
    return text.format(accepted_on=_date(quote["accepted_at"] and quote["accepted_at"].date()),
                       expired_on=_date(quote["valid_until"]))


def context(quote, line_rows, account, config):
    """What both formats show, as text."""
    currency = quote["currency"]
    issued = quote["sent_at"] or quote["created_at"]
    amount = functools.partial(_amount, currency=currency)
    customer = account["name"] if account else str(quote["account_id"])
    if account and account["country"]:
        customer += f" ({account['country']})"
    return {
        "heading": f"Quote {quote['number']}" + (f" (revision {quote['revision']})" if quote["revision"] > 1 else ""),
        "title": quote["title"], "notice": _notice(quote), "seller": documents.seller(config),
        "facts": [("Customer", customer), ("Quote", f"{quote['number']}, revision {quote['revision']}"),
                  ("Date", _date(issued.date())), ("Valid until", _date(quote["valid_until"])),
                  ("Currency", currency), ("Prices", documents.price_basis(quote["prices_include_tax"]))],
        "notes": quote["notes"], "terms": quote["terms"],
        "lines": [documents.document_line(row, quote["prices_include_tax"], number=money.decimal_text,
                                          price=functools.partial(_price, currency=currency), amount=amount)
                  for row in line_rows],
        "totals": documents.total_rows(net=quote["net_total"], tax_lines=quote["tax_lines"] or [],
                                       gross=quote["gross_total"], currency=currency, amount=amount,
                                       discount=quote["discount_total"]),
    }


def html(values):
    return documents.html(TEMPLATES, "quote.html", values)


def pdf_text(text):
    """``text`` in the characters the PDF core font has (Windows-1252)."""
    return documents.pdf_text(text, PDF_LOOKALIKES)


def pdf(values):
    """The PDF's bytes."""
    document = documents.DocumentPdf(PDF_LOOKALIKES, footer_text=f"{values['seller']['name']} - {values['heading']}")
    document.start(values)
    if values["title"]:
        document.write_text(values["title"])
    document.notice(values["notice"], color=NOTICE_COLOR)
    document.body(values, label_color=LABEL_COLOR)
    if values["terms"]:
        document.ln(6)
        document.set_font("helvetica", "B", 11)
        document.write_text("Terms")
        document.set_font("helvetica", size=9)
        document.write_text(values["terms"])
    return document.finish()


def render(quote, line_rows, account, config, format):
    """``{"content_type", "filename", "body"}``: HTML text, or the PDF in base64."""
    return documents.render(context(quote, line_rows, account, config), format,
                            f"{quote['number']}-r{quote['revision']}", html, pdf)
