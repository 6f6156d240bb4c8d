"""The quote as a document a customer reads: HTML (one Jinja2 template,
autoescaped) and PDF (fpdf2 with a core font).  Both show the same content:
seller, customer, number and revision, dates, lines, tax lines, totals,
notes and terms, and a notice when the quote is not (or no longer) an offer
to accept (a draft, superseded, expired, rejected, accepted).

Amounts are the stored ones as text with the currency's decimals, grouped
by thousands (``12,500.00``); nothing is computed here.  The PDF's core font
knows Windows-1252 only: other characters are reduced to their base letter
(``ł`` -> ``l``) or shown as ``?``; the HTML shows every character."""

import base64
import functools
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import jinja2
from fpdf import FPDF

from services.orders import money

TEMPLATES = Path(__file__).parent / "templates"
PDF_ENCODING = "windows-1252"
# Letters NFKD does not reduce to a base letter, and dashes, as the core font can show them.
PDF_LOOKALIKES = str.maketrans({"\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u0131": "i",
                                "\u2010": "-", "\u2011": "-", "\u2212": "-"})
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
NOTICES = {
    "draft": "Draft: this quote has not been sent yet and is not an offer.",
    "accepted": "Accepted on {accepted_on}.",
    "rejected": "This quote was declined and is no longer an offer.",
    "expired": "This quote expired on {expired_on} and is no longer an offer.",
}


@functools.cache
def _environment():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _amount(value, currency):
    """An amount with the currency's decimals, grouped by thousands."""
    return format(Decimal(money.money_text(value, currency)), ",")


def _price(value, currency):
    return format(Decimal(money.price_text(value, currency)), ",")


def _date(value):
    return value.isoformat() if value is not None else ""


def _setting(config, key):
    """A text setting (the config types ``123`` as a number); "" when unset."""
    value = config.get(key)
    return "" if value is None else str(value).strip()


def _seller(config):
    address = [part.strip() for part in re.split(r"[;\n]", _setting(config, "SELLER_ADDRESS")) if part.strip()]
    return {"name": _setting(config, "SELLER_NAME") or "Seller", "address": address,
            "tax_id": _setting(config, "SELLER_TAX_ID") or None}


def _notice(quote):
    if quote["superseded_by"] is not None:
        return "Replaced by a newer revision of this quote; this one is no longer an offer."
    text = NOTICES.get(quote["status"])
    if text is None:
        return None
    return text.format(accepted_on=_date(quote["accepted_at"] and quote["accepted_at"].date()),
                       expired_on=_date(quote["valid_until"]))


def _line(row, currency, prices_include_tax):
    if row["discount_percent"] is not None:
        discount = f"{money.decimal_text(row['discount_percent'])} %"
    elif row["discount_amount"] is not None:
        discount = _price(row["discount_amount"], currency)
    else:
        discount = ""
    return {
        "position": row["position"], "name": row["name"], "sku": row["sku"], "description": row["description"],
        "quantity": money.decimal_text(row["quantity"]), "unit": row["unit"],
        "unit_price": _price(row["unit_price"], currency), "discount": discount,
        "tax_rate": money.decimal_text(row["tax_rate"]),
        "amount": _amount(row["gross_amount"] if prices_include_tax else row["net_amount"], currency),
    }


def context(quote, line_rows, account, config):
    """What both formats show, as text."""
    currency = quote["currency"]
    issued = quote["sent_at"] or quote["created_at"]
    return {
        "heading": f"Quote {quote['number']}" + (f" (revision {quote['revision']})" if quote["revision"] > 1 else ""),
        "title": quote["title"], "notice": _notice(quote), "seller": _seller(config),
        "customer": {"name": account["name"] if account else str(quote["account_id"]),
                     "country": account["country"] if account else None},
        "number": quote["number"], "revision": quote["revision"], "issued_on": _date(issued.date()),
        "valid_until": _date(quote["valid_until"]), "currency": currency,
        "price_basis": "including tax" if quote["prices_include_tax"] else "excluding tax",
        "notes": quote["notes"], "terms": quote["terms"],
        "lines": [_line(row, currency, quote["prices_include_tax"]) for row in line_rows],
        "tax_lines": [{"rate": tax["rate"], "net": _amount(tax["net"], currency), "tax": _amount(tax["tax"], currency)}
                      for tax in quote["tax_lines"] or []],
        "totals": {"net": _amount(quote["net_total"], currency), "gross": _amount(quote["gross_total"], currency),
                   "discount": _amount(quote["discount_total"], currency) if quote["discount_total"] else None},
    }


def html(values):
    return _environment().get_template("quote.html").render(**values)


# PDF ------------------------------------------------------------------------

def pdf_text(text):
    """``text`` in the characters the PDF core font has (Windows-1252)."""
    if text is None:
        return ""
    text = str(text).translate(PDF_LOOKALIKES)
    out = []
    for char in text:
        try:
            char.encode(PDF_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode(PDF_ENCODING, "ignore").decode(PDF_ENCODING)
            out.append(base or "?")
    return "".join(out)


class _QuotePdf(FPDF):
    def __init__(self, footer_text):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = PDF_ENCODING
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, pdf_text(f"{self.footer_text} - page {self.page_no()}/{{nb}}"), align="C")


# Column widths (mm) of the line table; 180 mm fit between the margins.
COLUMNS = (("#", 8, "L"), ("Item", 66, "L"), ("Quantity", 22, "R"), ("Unit price", 24, "R"),
           ("Discount", 18, "R"), ("Tax", 14, "R"), ("Amount", 28, "R"))


def _line_cells(line):
    item = line["name"] + (f" ({line['sku']})" if line["sku"] else "")
    if line["description"]:
        item += "\n" + line["description"]
    quantity = line["quantity"] + (f" {line['unit']}" if line["unit"] else "")
    return (str(line["position"]), item, quantity, line["unit_price"], line["discount"], f"{line['tax_rate']} %",
            line["amount"])


def pdf(values):
    """The PDF's bytes."""
    document = _QuotePdf(f"{values['seller']['name']} - {values['heading']}")
    document.set_title(pdf_text(values["heading"]))
    document.set_author(pdf_text(values["seller"]["name"]))
    document.add_page()
    write = functools.partial(_write, document)

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
    if values["title"]:
        write(values["title"])
    if values["notice"]:
        document.set_text_color(150, 90, 0)
        write(values["notice"])
        document.set_text_color(0)
    document.ln(3)
    facts = (("Customer", values["customer"]["name"] + (f" ({values['customer']['country']})"
                                                        if values["customer"]["country"] else "")),
             ("Quote", f"{values['number']}, revision {values['revision']}"), ("Date", values["issued_on"]),
             ("Valid until", values["valid_until"]), ("Currency", values["currency"]),
             ("Prices", values["price_basis"]))
    for label, value in facts:
        document.set_font("helvetica", size=9)
        document.set_text_color(90)
        document.cell(30, 5, pdf_text(label))
        document.set_text_color(0)
        document.set_font("helvetica", size=10)
        document.multi_cell(0, 5, pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    if values["notes"]:
        document.ln(3)
        write(values["notes"])
    document.ln(4)

    document.set_font("helvetica", size=9)
    with document.table(col_widths=[width for _, width, _ in COLUMNS],
                        text_align=[align for _, _, align in COLUMNS], line_height=5,
                        first_row_as_headings=True) as table:
        heading = table.row()
        for name, _, _ in COLUMNS:
            heading.cell(name)
        for line in values["lines"]:
            row = table.row()
            for cell in _line_cells(line):
                row.cell(pdf_text(cell))
    document.ln(4)

    totals = [("Net total", values["totals"]["net"])]
    totals += [(f"Tax {tax['rate']} % on {tax['net']}", tax["tax"]) for tax in values["tax_lines"]]
    if values["totals"]["discount"]:
        totals.append(("Discounts included", values["totals"]["discount"]))
    totals.append((f"Total {values['currency']}", values["totals"]["gross"]))
    for index, (label, amount) in enumerate(totals):
        last = index == len(totals) - 1
        document.set_font("helvetica", "B" if last else "", 10)
        document.set_x(document.l_margin + 80)
        document.cell(70, 6, pdf_text(label), border="T" if last else 0)
        document.cell(30, 6, pdf_text(amount), border="T" if last else 0, align="R", new_x="LMARGIN", new_y="NEXT")
    if values["terms"]:
        document.ln(6)
        document.set_font("helvetica", "B", 11)
        write("Terms")
        document.set_font("helvetica", size=9)
        write(values["terms"])
    return bytes(document.output())


def _write(document, text, height=5, align="L"):
    document.multi_cell(0, height, pdf_text(text), align=align, new_x="LMARGIN", new_y="NEXT")


def _filename(quote, extension):
    return f"{quote['number']}-r{quote['revision']}.{extension}"


def render(quote, line_rows, account, config, format):
    """``{"content_type", "filename", "body"}``: HTML text, or the PDF in base64."""
    values = context(quote, line_rows, account, config)
    body = base64.b64encode(pdf(values)).decode("ascii") if format == "pdf" else html(values)
    return {"content_type": CONTENT_TYPES[format], "filename": _filename(quote, format), "body": body}
