"""services.orders.lines against the real database (no broker): pricing
inputs into rows, copies of stored lines (whole and in part), totals, the
storage round trip and the API shapes of a stored document."""

import datetime
import uuid
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from services.orders import lines, money
from shared.schemas.errors import ValidationFailed
from tests.orders.conftest import unique

ON = datetime.date(2025, 6, 1)
LINE_TABLE = """
CREATE TEMP TABLE quote_lines (
    id uuid PRIMARY KEY, quote_id uuid NOT NULL, position integer NOT NULL,
    product_id uuid, sku text, name text NOT NULL, description text, unit text,
    quantity numeric(18,4) NOT NULL CHECK (quantity > 0), unit_price numeric(24,6) NOT NULL,
    price_overridden boolean NOT NULL DEFAULT false, discount_percent numeric(7,4), discount_amount numeric(24,6),
    tax_category text, tax_rate numeric(7,4) NOT NULL, discount_total numeric(24,4) NOT NULL,
    net_amount numeric(24,4) NOT NULL, tax_amount numeric(24,4) NOT NULL, gross_amount numeric(24,4) NOT NULL,
    source_line_id uuid
)"""


@pytest.fixture
def conn(orders_database_url, orders_migrated):
    """A connection on the orders schema whose writes are rolled back; its
    ``quote_lines`` is a temporary table of the shared line shape."""
    with psycopg.connect(orders_database_url, row_factory=dict_row) as connection:
        connection.execute("SET search_path TO orders, public")
        connection.execute(LINE_TABLE)
        yield connection
        connection.rollback()


def add_product(conn, price, category="standard", currency="EUR", book=None, tiers="[]", **fields):
    product_id = str(uuid.uuid4())
    conn.execute("INSERT INTO products (id, sku, name, description, unit, active, tax_category)"
                 " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (product_id, f"S-{unique()}", fields.get("name", "Gizmo"), fields.get("description"),
                  fields.get("unit", "each"), fields.get("active", True), category))
    book = book or conn.execute("SELECT id FROM price_books WHERE is_standard").fetchone()["id"]
    conn.execute("INSERT INTO prices (id, price_book_id, product_id, currency, unit_price, tiers, valid_from)"
                 " VALUES (%s, %s, %s, %s, %s, %s, '2020-01-01')",
                 (str(uuid.uuid4()), book, product_id, currency, price, tiers))
    return product_id


def add_rate(conn, category, country, rate):
    conn.execute("INSERT INTO tax_rates (id, tax_category, country, rate, valid_from) VALUES (%s, %s, %s, %s,"
                 " '2020-01-01')", (str(uuid.uuid4()), category, country, rate))


def price(conn, inputs, currency="EUR", country="XK", **kwargs):
    return lines.price_lines(conn, inputs, currency=currency, price_book_id=kwargs.pop("price_book_id", None),
                             tax_country=country, on_date=ON, **kwargs)


@pytest.fixture
def country(conn):
    """Kosovo (XK): no other test enters rates for it; 20% standard, 8% reduced here."""
    add_rate(conn, "standard", "XK", "20")
    add_rate(conn, "reduced", "XK", "8")
    return "XK"


def test_price_lines_makes_every_line_column(conn, country):
    product = add_product(conn, "12.50", description="A gizmo", unit="h")

    rows, prices_include_tax = price(conn, [
        {"product_id": uuid.UUID(product), "quantity": Decimal(3), "discount_percent": Decimal(10)},
        {"name": "Setup", "quantity": Decimal(1), "unit_price": Decimal("99.99"), "tax_category": "reduced"},
    ])

    assert prices_include_tax is False
    assert set(rows[0]) == set(lines.LINE_COLUMNS)
    first, second = rows
    assert (first["position"], second["position"]) == (1, 2)
    assert first["product_id"] == product and first["unit"] == "h" and first["description"] == "A gizmo"
    assert first["unit_price"] == Decimal("12.50") and first["price_overridden"] is False
    assert (first["net_amount"], first["tax_amount"], first["gross_amount"], first["discount_total"]) == \
        (Decimal("33.75"), Decimal("6.75"), Decimal("40.50"), Decimal("3.75"))
    assert second["product_id"] is None and second["price_overridden"] is True and second["tax_rate"] == 8
    assert second["tax_amount"] == Decimal("8.00")
    assert first["source_line_id"] is None


def test_a_given_unit_price_overrides_the_book(conn, country):
    product = add_product(conn, "10")
    rows, _ = price(conn, [{"product_id": product, "quantity": Decimal(1), "unit_price": Decimal("7.123456")}])
    assert rows[0]["unit_price"] == Decimal("7.123456") and rows[0]["price_overridden"] is True
    assert rows[0]["net_amount"] == Decimal("7.12")


def test_prices_include_tax_given_must_match_the_books_prices(conn, country):
    product = add_product(conn, "10")
    with pytest.raises(ValidationFailed) as raised:
        price(conn, [{"product_id": product, "quantity": Decimal(1)}], prices_include_tax=True)
    assert "lines.0.product_id" in raised.value.errors
    rows, flag = price(conn, [{"product_id": product, "quantity": Decimal(1), "unit_price": Decimal(12)}],
                       prices_include_tax=True)
    assert flag is True and rows[0]["net_amount"] == Decimal("10.00") and rows[0]["gross_amount"] == Decimal(12)


def test_an_inactive_book_cannot_price(conn, country):
    book = str(uuid.uuid4())
    conn.execute("INSERT INTO price_books (id, name, active) VALUES (%s, %s, false)", (book, unique()))
    with pytest.raises(ValidationFailed) as raised:
        price(conn, [{"name": "x", "quantity": Decimal(1), "unit_price": Decimal(1)}], price_book_id=book)
    assert "inactive" in raised.value.errors["price_book_id"][0]


def test_no_lines_is_a_422(conn, country):
    with pytest.raises(ValidationFailed) as raised:
        price(conn, [])
    assert "lines" in raised.value.errors


def test_the_tax_country_is_needed_unless_every_line_is_zero_rated(conn):
    rows, _ = price(conn, [{"name": "x", "quantity": Decimal(1), "unit_price": Decimal(1), "tax_category": "zero"}],
                    country=None)
    assert rows[0]["tax_rate"] == 0
    with pytest.raises(ValidationFailed) as raised:
        price(conn, [{"name": "x", "quantity": Decimal(1), "unit_price": Decimal(1)}], country=None)
    assert "tax_country" in raised.value.errors


def store(conn, rows):
    quote_id = uuid.uuid4()
    return quote_id, lines.insert_lines(conn, "quote_lines", "quote_id", quote_id, rows)


def test_insert_and_read_back(conn, country):
    product = add_product(conn, "5")
    rows, _ = price(conn, [{"product_id": product, "quantity": Decimal(2)},
                           {"name": "Note", "quantity": Decimal(1), "unit_price": Decimal(0)}])
    quote_id, inserted = store(conn, rows)

    assert [row["position"] for row in inserted] == [1, 2]
    read = lines.lines_of(conn, "quote_lines", "quote_id", quote_id)
    assert [row["id"] for row in read] == [row["id"] for row in inserted]
    assert read[0]["net_amount"] == Decimal("10.00")
    with pytest.raises(ValueError):
        lines.lines_of(conn, "quotes; DROP TABLE x", "quote_id", quote_id)
    assert lines.insert_lines(conn, "quote_lines", "quote_id", quote_id, []) == []


def test_copy_lines_whole_and_in_part(conn, country):
    rows, _ = price(conn, [
        {"name": "Hours", "quantity": Decimal(10), "unit_price": Decimal("15"), "discount_amount": Decimal("10")},
        {"name": "Kit", "quantity": Decimal(3), "unit_price": Decimal("9.99"), "discount_percent": Decimal(5)},
    ])
    _, stored = store(conn, rows)

    whole = lines.copy_lines(stored, "EUR", False)
    assert [copy["source_line_id"] for copy in whole] == [str(row["id"]) for row in stored]
    for copy, row in zip(whole, stored, strict=True):
        for column in ("net_amount", "tax_amount", "gross_amount", "quantity", "unit_price", "tax_rate", "name"):
            assert copy[column] == row[column]

    part = lines.copy_lines(stored, "EUR", False, {stored[0]["id"]: Decimal(4)})
    assert len(part) == 1 and part[0]["position"] == 1
    assert part[0]["quantity"] == 4 and part[0]["discount_amount"] == Decimal("4")
    assert part[0]["net_amount"] == Decimal("56.00") and part[0]["tax_amount"] == Decimal("11.20")

    with pytest.raises(ValidationFailed) as raised:
        lines.copy_lines(stored, "EUR", False, {stored[1]["id"]: Decimal(4)})
    assert f"quantities.{stored[1]['id']}" in raised.value.errors


def test_document_totals_are_sums_and_group_tax_by_rate(conn, country):
    rows, _ = price(conn, [
        {"name": "A", "quantity": Decimal(1), "unit_price": Decimal("0.333")},
        {"name": "B", "quantity": Decimal(1), "unit_price": Decimal("0.333")},
        {"name": "C", "quantity": Decimal(1), "unit_price": Decimal("0.333"), "tax_category": "reduced"},
        {"name": "D", "quantity": Decimal(1), "unit_price": Decimal("10"), "tax_category": "zero"},
    ])
    totals = lines.document_totals(rows, "EUR")
    assert totals["net_total"] == Decimal("10.99")
    assert totals["tax_total"] == sum(row["tax_amount"] for row in rows)
    assert totals["gross_total"] == totals["net_total"] + totals["tax_total"]
    assert totals["tax_lines"] == [{"rate": "0", "net": "10.00", "tax": "0.00"},
                                   {"rate": "8", "net": "0.33", "tax": "0.03"},
                                   {"rate": "20", "net": "0.66", "tax": "0.14"}]


@pytest.mark.parametrize("currency, places", [("JPY", 0), ("EUR", 2), ("KWD", 3)])
def test_a_stored_documents_shapes_carry_strings_with_the_currencys_decimals(conn, country, currency, places):
    product = add_product(conn, "1234.5", currency=currency, tiers='[{"min_quantity": "5", "unit_price": "1000"}]')
    rows, _ = price(conn, [{"product_id": product, "quantity": Decimal("6.5"), "discount_percent": Decimal("3.3")},
                           {"name": "Fee", "quantity": Decimal(1), "unit_price": Decimal("0.5"),
                            "discount_amount": Decimal("0.1")}], currency=currency)
    _, stored = store(conn, rows)
    document = {"currency": currency, **lines.document_totals(stored, currency)}

    shapes = [lines.line_snapshot(row, currency) for row in stored] + [lines.totals_snapshot(document)]

    def check(value):
        assert not isinstance(value, float | Decimal)
        if isinstance(value, dict):
            for key, item in value.items():
                check(item)
                if key in ("discount_total", "net_amount", "tax_amount", "gross_amount", "net_total", "tax_total",
                           "gross_total", "net", "tax"):
                    assert isinstance(item, str)
                    assert (len(item.split(".")[1]) if "." in item else 0) == places, (key, item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(shapes)
    assert shapes[0]["unit_price"] == money.price_text(Decimal(1000), currency)
    assert shapes[0]["quantity"] == "6.5" and shapes[0]["discount_percent"] == "3.3"
    assert shapes[0]["tax_rate"] == "20"
