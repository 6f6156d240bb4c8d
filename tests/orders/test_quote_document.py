"""The quote document a customer reads: HTML (escaped, complete) and PDF
(fpdf2, core font: characters it lacks are replaced, never an error)."""

import base64
import re
import uuid
import zlib

import pytest

from services.orders.quotes import document
from shared.schemas.errors import NotFound, ValidationFailed
from tests.orders.quote_support import account, new_quote, sent_quote


def pdf_strings(body):
    """The text a PDF shows (the strings of its Tj operators), from its compressed streams."""
    data = base64.b64decode(body)
    assert data.startswith(b"%PDF-")
    shown = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream.group(1)).decode("latin-1")
        except zlib.error:
            continue
        shown += [text.replace("\\(", "(").replace("\\)", ")") for text in re.findall(r"\((.*?)\) ?Tj", content)]
    return shown


def test_the_html_document_shows_everything_a_customer_needs(orders, db):
    customer = account(db, name="Ütopia <Industries> & Co")
    quote = sent_quote(orders, db, account_id=customer, title="Engines <b>now</b>", notes="Dear customer,\nhere",
                       terms="Net 30 days; prices in EUR")

    answer = orders.quote_document(quote["id"], "html")

    assert answer["content_type"] == "text/html; charset=utf-8"
    assert answer["filename"] == f"{quote['number']}-r1.html"
    html = answer["body"]
    assert f"Quote {quote['number']}" in html
    assert "Ütopia &lt;Industries&gt; &amp; Co" in html
    assert "Engines &lt;b&gt;now&lt;/b&gt;" in html and "<b>now" not in html
    assert quote["valid_until"] in html
    for line in quote["lines"]:
        assert line["name"] in html and line["sku"] in html and line["net_amount"] in html
    assert f"Tax {quote['totals']['tax_lines'][0]['rate']} %" in html
    assert quote["totals"]["gross_total"] in html
    assert "Net 30 days; prices in EUR" in html
    assert "Draft" not in html  # a sent quote is an offer


def test_the_pdf_document(orders, db):
    customer = account(db, name="Łódź Trading 東京")
    quote = new_quote(orders, db, account_id=customer, terms="Payment within 14 days")

    answer = orders.quote_document(quote["id"], "pdf")

    assert answer["content_type"] == "application/pdf"
    assert answer["filename"] == f"{quote['number']}-r1.pdf"
    shown = " ".join(pdf_strings(answer["body"]))
    assert f"Quote {quote['number']}" in shown
    assert "Lódz Trading ??" in shown  # ó is in the core font, Ł and ź are reduced, 東京 is not
    assert "Draft: this quote has not been sent" in shown
    for line in quote["lines"]:
        assert line["sku"] in shown
    assert quote["totals"]["gross_total"] in shown and "Payment within 14 days" in shown


def test_a_superseded_revision_says_so(orders, db):
    quote = sent_quote(orders, db)
    revision = orders.revise_quote(quote["id"])
    old = orders.quote_document(quote["id"], "html")["body"]
    assert "Replaced by a newer revision" in old
    new = orders.quote_document(revision["id"], "html")
    assert "(revision 2)" in new["body"] and new["filename"].endswith("-r2.html")


def test_long_quotes_flow_over_pages(orders, db):
    data_lines = [{"name": f"Service block {n} " + "with a long description " * 4, "unit_price": "1234567.891",
                   "quantity": "3.5", "description": "Ünïcödé ✓ " * 10} for n in range(60)]
    quote = orders.create_quote({"account_id": account(db), "currency": "KWD", "lines": data_lines})
    shown = pdf_strings(orders.quote_document(quote["id"], "pdf")["body"])
    assert any("4,320,987.618" in text for text in shown)  # 3.5 x 1234567.891, half-even to 3 places
    assert any("page 2/" in text for text in shown)


def test_bad_document_requests(orders, db):
    with pytest.raises(NotFound):
        orders.quote_document(str(uuid.uuid4()), "html")
    with pytest.raises(ValidationFailed) as raised:
        orders.quote_document(new_quote(orders, db)["id"], "docx")
    assert list(raised.value.errors) == ["format"]


def test_pdf_text_keeps_what_the_core_font_has():
    assert document.pdf_text("Grüße, 10 € – Łukasz ✓") == "Grüße, 10 € – Lukasz ?"
    assert document.pdf_text(None) == ""
