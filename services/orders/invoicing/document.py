"""The invoice as a document a customer reads: HTML (one Jinja2 template,
autoescaped) and PDF (fpdf2 with a core font), with the same content:
seller, customer, number, issue and due dates, lines, tax lines, totals,
what was paid and credited and what is left to pay.

Amounts are the stored ones as text with the currency's decimals, grouped
by thousands; nothing is computed here.  The PDF's core font knows
Windows-1252 only: other characters are reduced to their base letter or
shown as ``?``."""

import base64
import functools
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import jinja2
from fpdf import FPDF

TEMPLATES = Path(__file__).parent / "templates"
PDF_ENCODING = "windows-1252"
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
NOTICES = {
    "draft": "Draft: this invoice has not been issued yet and is not a demand for payment.",
    "paid": "Paid in full. Thank you.",
    "void": "Void: this invoice was credited in full.",
    "overdue": "Overdue: the due date has passed; please pay the balance.",
}
# Column widths (mm) of the line table; 180 mm fit between the margins.
COLUMNS = (("#", 8, "L"), ("Item", 66, "L"), ("Quantity", 22, "R"), ("Unit price", 24, "R"),
           ("Discount", 18, "R"), ("Tax", 14, "R"), ("Amount", 28, "R"))


@functools.cache
def _environment():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _grouped(text):
    """A decimal string grouped by thousands, its decimals kept (``12,500.00``)."""
    return None if text is None else format(Decimal(text), ",")


def _seller(config):
    address = [part.strip() for part in re.split(r"[;\n]", config.get("SELLER_ADDRESS") or "") if part.strip()]
    return {"name": config.get("SELLER_NAME") or "Seller", "address": address,
            "tax_id": config.get("SELLER_TAX_ID") or None}


def _line(line, prices_include_tax):
    if line["discount_percent"] is not None:
        discount = f"{line['discount_percent']} %"
    else:
        discount = _grouped(line["discount_amount"]) or ""
    return {"position": line["position"], "name": line["name"], "sku": line["sku"],
            "description": line["description"], "quantity": line["quantity"], "unit": line["unit"],
            "unit_price": _grouped(line["unit_price"]), "discount": discount, "tax_rate": line["tax_rate"],
            "amount": _grouped(line["gross_amount"] if prices_include_tax else line["net_amount"])}


def context(invoice, config):
    """What both formats show, as text (``invoice``: InvoiceDetailSchema form)."""
    currency = invoice["currency"]
    number = invoice["number"] or "(draft)"
    facts = [("Customer", invoice["account_name"] or invoice["account_id"]), ("Invoice", number),
             ("Order", invoice["order_number"] or "")]
    if invoice["customer_reference"]:
        facts.append(("Your reference", invoice["customer_reference"]))
    facts += [("Issue date", invoice["issue_date"] or ""), ("Due date", invoice["due_date"] or ""),
              ("Currency", currency), ("Prices", "including tax" if invoice["prices_include_tax"] else "excluding tax")]
    sums = invoice["totals"]
    totals = [("Net total", _grouped(sums["net_total"]), False)]
    totals += [(f"Tax {tax['rate']} % on {_grouped(tax['net'])}", _grouped(tax["tax"]), False)
               for tax in sums["tax_lines"]]
    totals.append((f"Total {currency}", _grouped(sums["gross_total"]), True))
    if Decimal(invoice["paid_total"]):
        totals.append(("Paid", _grouped(invoice["paid_total"]), False))
    if Decimal(invoice["credited_total"]):
        totals.append(("Credited", _grouped(invoice["credited_total"]), False))
    totals.append((f"Balance due {currency}", _grouped(invoice["balance"]), True))
    if Decimal(invoice["credit_balance"]):
        totals.append((f"Your credit {currency}", _grouped(invoice["credit_balance"]), False))
    return {"heading": f"Invoice {number}", "notice": NOTICES.get(invoice["status"]), "seller": _seller(config),
            "facts": facts, "notes": invoice["notes"],
            "lines": [_line(line, invoice["prices_include_tax"]) for line in invoice["lines"]], "totals": totals}


def html(values):
    return _environment().get_template("invoice.html").render(**values)


def pdf_text(text):
    """``text`` in the characters the PDF core font has (Windows-1252)."""
    out = []
    for char in str(text or "").replace("\u2013", "-").replace("\u2014", "-"):
        try:
            char.encode(PDF_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode(PDF_ENCODING, "ignore").decode(PDF_ENCODING)
            out.append(base or "?")
    return "".join(out)


def pdf(values):
    """The PDF's bytes."""
    document = FPDF(orientation="portrait", unit="mm", format="A4")
    document.core_fonts_encoding = PDF_ENCODING
    document.set_auto_page_break(auto=True, margin=18)
    document.set_margins(15, 15, 15)
    document.set_title(pdf_text(values["heading"]))
    document.set_author(pdf_text(values["seller"]["name"]))
    document.add_page()

    def write(text, height=5, align="L"):
        document.multi_cell(0, height, pdf_text(text), align=align, new_x="LMARGIN", new_y="NEXT")

    document.set_font("helvetica", "B", 11)
    write(values["seller"]["name"], align="R")
    document.set_font("helvetica", size=9)
    for line in values["seller"]["address"]:
        write(line, align="R")
    if values["seller"]["tax_id"]:
        write(f"VAT ID {values['seller']['tax_id']}", align="R")
    document.ln(4)
    document.set_font("helvetica", "B", 16)
    write(values["heading"], height=8)
    document.set_font("helvetica", size=10)
    if values["notice"]:
        write(values["notice"])
    document.ln(3)
    for label, value in values["facts"]:
        document.set_font("helvetica", size=9)
        document.cell(30, 5, pdf_text(label))
        document.set_font("helvetica", size=10)
        document.multi_cell(0, 5, pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    if values["notes"]:
        document.ln(3)
        write(values["notes"])
    document.ln(4)
    document.set_font("helvetica", size=9)
    with document.table(col_widths=[width for _, width, _ in COLUMNS], text_align=[align for _, _, align in COLUMNS],
                        line_height=5, first_row_as_headings=True) as table:
        heading = table.row()
        for name, _, _ in COLUMNS:
            heading.cell(name)
        for line in values["lines"]:
            item = line["name"] + (f" ({line['sku']})" if line["sku"] else "")
            quantity = line["quantity"] + (f" {line['unit']}" if line["unit"] else "")
            row = table.row()
            for cell in (str(line["position"]), item, quantity, line["unit_price"], line["discount"],
                         f"{line['tax_rate']} %", line["amount"]):
                row.cell(pdf_text(cell))
    document.ln(4)
    for label, amount, grand in values["totals"]:
        document.set_font("helvetica", "B" if grand else "", 10)
        document.set_x(document.l_margin + 80)
        document.cell(70, 6, pdf_text(label), border="T" if grand else 0)
        document.cell(30, 6, pdf_text(amount), border="T" if grand else 0, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def render(invoice, format, config):
    """``{"content_type", "filename", "body"}``: HTML text, or the PDF in base64."""
    values = context(invoice, config)
    body = base64.b64encode(pdf(values)).decode("ascii") if format == "pdf" else html(values)
    filename = f"{invoice['number'] or 'draft-' + invoice['id']}.{format}"
    return {"content_type": CONTENT_TYPES[format], "filename": filename, "body": body}
