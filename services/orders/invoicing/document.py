"""The invoice as a document a customer reads, in HTML and PDF (the shared
pieces are in ``services.orders.documents``), with the same content:
seller, customer, number, issue and due dates, lines, tax lines, totals,
what was paid and credited and what is left to pay.

Amounts are the stored ones as text with the currency's decimals, grouped
by thousands; nothing is computed here.  In the PDF, characters without a
Windows-1252 form are shown as the nearest letter or as ``?``."""

from decimal import Decimal
from pathlib import Path

from services.orders import documents

TEMPLATES = Path(__file__).parent / "templates"
PDF_LOOKALIKES = documents.PDF_LOOKALIKES
NOTICES = {
    "draft": "Draft: this invoice has not been issued yet and is not a demand for payment.",
    "paid": "Paid in full. Thank you.",
    "void": "Void: this invoice was credited in full.",
    "overdue": "Overdue: the due date has passed; please pay the balance.",
}
grouped = documents.grouped


def context(invoice, config):
    """What both formats show, as text (``invoice``: InvoiceDetailSchema form)."""
    currency = invoice["currency"]
    number = invoice["number"] or "(draft)"
    facts = [("Customer", invoice["account_name"] or invoice["account_id"]), ("Invoice", number),
             ("Order", invoice["order_number"] or "")]
    if invoice["customer_reference"]:
        facts.append(("Your reference", invoice["customer_reference"]))
    facts += [("Issue date", invoice["issue_date"] or ""), ("Due date", invoice["due_date"] or ""),
              ("Currency", currency), ("Prices", documents.price_basis(invoice["prices_include_tax"]))]
    sums = invoice["totals"]
    totals = documents.total_rows(net=sums["net_total"], tax_lines=sums["tax_lines"], gross=sums["gross_total"],
                                  currency=currency)
    if Decimal(invoice["paid_total"]):
        totals.append(("Paid", grouped(invoice["paid_total"]), ""))
    if Decimal(invoice["credited_total"]):
        totals.append(("Credited", grouped(invoice["credited_total"]), ""))
    totals.append((f"Balance due {currency}", grouped(invoice["balance"]), "grand"))
    if Decimal(invoice["credit_balance"]):
        totals.append((f"Your credit {currency}", grouped(invoice["credit_balance"]), ""))
    return {"heading": f"Invoice {number}", "notice": NOTICES.get(invoice["status"]),
            "seller": documents.seller(config), "facts": facts, "notes": invoice["notes"],
            "lines": [documents.document_line(line, invoice["prices_include_tax"]) for line in invoice["lines"]],
            "totals": totals}


def html(values):
    return documents.html(TEMPLATES, "invoice.html", values)


def pdf_text(text):
    """``text`` in the characters the PDF core font has (Windows-1252)."""
    return documents.pdf_text(text, PDF_LOOKALIKES)


def pdf(values):
    """The PDF's bytes."""
    document = documents.DocumentPdf(PDF_LOOKALIKES, footer_text=f"{values['seller']['name']} - {values['heading']}")
    document.start(values)
    document.notice(values["notice"])
    document.body(values)
    return document.finish()


def render(invoice, format, config):
    """``{"content_type", "filename", "body"}``: HTML text, or the PDF in base64."""
    return documents.render(context(invoice, config), format, invoice["number"] or f"draft-{invoice['id']}",
                            html, pdf)
