"""Customer documents (a quote, an invoice) as HTML and PDF: the pieces
every area's document shares, so each area keeps only what differs (its
title, facts, notice and extra totals).

An area builds ``values`` (all text) with ``seller``, ``document_line`` and
``total_rows``, renders HTML from its own template extending
``templates/document.html`` (seller, facts, lines table, totals), and draws
the PDF with ``DocumentPdf``.  Amounts are the stored ones as text with the
currency's decimals, grouped by thousands (``12,500.00``); nothing is
computed here.  The PDF's core font knows Windows-1252 only: other
characters are reduced to their base letter or shown as ``?``; the HTML
shows every character."""

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
# Column widths (mm) of the line table; 180 mm fit between the margins.
COLUMNS = (("#", 8, "L"), ("Item", 66, "L"), ("Quantity", 22, "R"), ("Unit price", 24, "R"),
           ("Discount", 18, "R"), ("Tax", 14, "R"), ("Amount", 28, "R"))


def render(values, format, filename, html, pdf):
    """``{"content_type", "filename", "body"}``: HTML text, or the PDF in base64
    (``filename`` without its extension; ``html``/``pdf`` draw ``values``)."""
    body = base64.b64encode(pdf(values)).decode("ascii") if format == "pdf" else html(values)
    return {"content_type": CONTENT_TYPES[format], "filename": f"{filename}.{format}", "body": body}


# Text -----------------------------------------------------------------------

def grouped(text):
    """A decimal string grouped by thousands, its decimals kept (``12,500.00``)."""
    return None if text is None else format(Decimal(text), ",")


def setting(config, key):
    """A text setting (the config types ``123`` as a number); "" when unset."""
    value = config.get(key)
    return "" if value is None else str(value).strip()


def seller(config):
    """The seller block: name, address lines (split on ``;`` or new lines), tax id."""
    address = [part.strip() for part in re.split(r"[;\n]", setting(config, "SELLER_ADDRESS")) if part.strip()]
    return {"name": setting(config, "SELLER_NAME") or "Seller", "address": address,
            "tax_id": setting(config, "SELLER_TAX_ID") or None}


def price_basis(prices_include_tax):
    return "including tax" if prices_include_tax else "excluding tax"


def document_line(row, prices_include_tax, *, number=str, price=grouped, amount=grouped):
    """A line of the lines table as text; ``number`` shows quantities and
    percents, ``price`` unit prices and discount amounts, ``amount`` the
    line's amount (gross when prices include tax, else net)."""
    if row["discount_percent"] is not None:
        discount = f"{number(row['discount_percent'])} %"
    elif row["discount_amount"] is not None:
        discount = price(row["discount_amount"])
    else:
        discount = ""
    return {"position": row["position"], "name": row["name"], "sku": row["sku"], "description": row["description"],
            "quantity": number(row["quantity"]), "unit": row["unit"], "unit_price": price(row["unit_price"]),
            "discount": discount, "tax_rate": number(row["tax_rate"]),
            "amount": amount(row["gross_amount"] if prices_include_tax else row["net_amount"])}


def total_rows(*, net, tax_lines, gross, currency, amount=grouped, discount=None):
    """The totals as ``(label, amount, kind)`` rows, ``kind`` "grand" (bold,
    ruled), "muted" or "": net, one row per tax rate, the discounts included
    (when ``discount``), and the gross total."""
    rows = [("Net total", amount(net), "")]
    rows += [(f"Tax {tax['rate']} % on {amount(tax['net'])}", amount(tax["tax"]), "") for tax in tax_lines]
    if discount:
        rows.append(("Discounts included", amount(discount), "muted"))
    rows.append((f"Total {currency}", amount(gross), "grand"))
    return rows


# HTML -----------------------------------------------------------------------

@functools.cache
def _environment(folder):
    """Templates of ``folder`` (an area's), then the shared ones."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder), jinja2.FileSystemLoader(TEMPLATES)])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


def html(folder, template, values):
    """``template`` of the area's templates ``folder``, rendered with ``values``."""
    return _environment(Path(folder)).get_template(template).render(**values)


# PDF ------------------------------------------------------------------------

# Letters and dashes the core font lacks, shown as the nearest ones it has.
PDF_LOOKALIKES = str.maketrans({"\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u0131": "i",
                                "\u2010": "-", "\u2011": "-", "\u2212": "-"})


def pdf_text(text, lookalikes=PDF_LOOKALIKES):
    """``text`` in the characters the PDF core font has (Windows-1252);
    ``lookalikes`` (a ``str.maketrans`` table) replaces characters first."""
    if text is None:
        return ""
    text = str(text)
    if lookalikes:
        text = text.translate(lookalikes)
    out = []
    for char in text:
        try:
            char.encode(PDF_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode(PDF_ENCODING, "ignore").decode(PDF_ENCODING)
            out.append(base or "?")
    return "".join(out)


class DocumentPdf(FPDF):
    """An A4 document in the core font; ``footer_text`` (optional) is shown
    with the page number at the foot of every page."""

    def __init__(self, lookalikes=PDF_LOOKALIKES, footer_text=None):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = PDF_ENCODING
        self.lookalikes = lookalikes
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def text(self, text):
        return pdf_text(text, self.lookalikes)

    def footer(self):
        if self.footer_text is None:
            return
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, self.text(f"{self.footer_text} - page {self.page_no()}/{{nb}}"), align="C")

    def write_text(self, text, height=5, align="L"):
        """A paragraph over the page's width."""
        self.multi_cell(0, height, self.text(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def start(self, values):
        """The first page: the seller block (right) and the heading; leaves the body font set."""
        self.set_title(self.text(values["heading"]))
        self.set_author(self.text(values["seller"]["name"]))
        self.add_page()
        self.set_font("helvetica", "B", 11)
        self.write_text(values["seller"]["name"], align="R")
        self.set_font("helvetica", size=9)
        for line in values["seller"]["address"]:
            self.write_text(line, align="R")
        if values["seller"]["tax_id"]:
            self.write_text(f"VAT ID {values['seller']['tax_id']}", align="R")
        self.ln(4)
        self.set_font("helvetica", "B", 16)
        self.write_text(values["heading"], height=8)
        self.set_font("helvetica", size=10)

    def notice(self, text, color=None):
        """The document's notice (draft, paid...), in ``color`` (RGB) if given."""
        if not text:
            return
        if color:
            self.set_text_color(*color)
        self.write_text(text)
        if color:
            self.set_text_color(0)

    def body(self, values, label_color=None, descriptions=True):
        """Facts, notes, the lines table (with the lines' descriptions if
        ``descriptions``) and the totals."""
        self.ln(3)
        for label, value in values["facts"]:
            self.set_font("helvetica", size=9)
            if label_color is not None:
                self.set_text_color(label_color)
            self.cell(30, 5, self.text(label))
            if label_color is not None:
                self.set_text_color(0)
            self.set_font("helvetica", size=10)
            self.multi_cell(0, 5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        if values["notes"]:
            self.ln(3)
            self.write_text(values["notes"])
        self.ln(4)
        self.set_font("helvetica", size=9)
        with self.table(col_widths=[width for _, width, _ in COLUMNS], text_align=[align for _, _, align in COLUMNS],
                        line_height=5, first_row_as_headings=True) as table:
            heading = table.row()
            for name, _, _ in COLUMNS:
                heading.cell(name)
            for line in values["lines"]:
                row = table.row()
                for cell in _line_cells(line, descriptions):
                    row.cell(self.text(cell))
        self.ln(4)
        for label, amount, kind in values["totals"]:
            grand = kind == "grand"
            self.set_font("helvetica", "B" if grand else "", 10)
            self.set_x(self.l_margin + 80)
            self.cell(70, 6, self.text(label), border="T" if grand else 0)
            self.cell(30, 6, self.text(amount), border="T" if grand else 0, align="R", new_x="LMARGIN", new_y="NEXT")

    def finish(self):
        """The PDF's bytes."""
        return bytes(self.output())


def _line_cells(line, descriptions):
    item = line["name"] + (f" ({line['sku']})" if line["sku"] else "")
    if descriptions and line["description"]:
        item += "\n" + line["description"]
    quantity = line["quantity"] + (f" {line['unit']}" if line["unit"] else "")
    return (str(line["position"]), item, quantity, line["unit_price"], line["discount"], f"{line['tax_rate']} %",
            line["amount"])
