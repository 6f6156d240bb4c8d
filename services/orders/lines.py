"""Document lines, priced the same way for every document of the orders
service (quote, order, invoice, credit note).

- ``price_lines`` turns input lines (``LineInputSchema``) into line rows: the
  product (active), its price in the price book (or the standard book), the
  tax rate of its category in the tax country on the date, and the amounts
  from ``money.line_amounts`` (rounded once per line).
- ``copy_lines`` makes new lines from stored ones (an order from a quote, an
  invoice from an order, a credit note from an invoice), with the same
  prices and rates, whole or in part.
- ``document_totals`` sums rounded lines; ``insert_lines`` and ``lines_of``
  store and read them; ``line_snapshot`` and ``totals_snapshot`` are the
  API's shapes (amounts as strings with the currency's decimals).

Line errors name the field as ``lines.<index>.<field>``, ``index`` counting
from 0 like the request's array (and marshmallow's own errors).
"""

import re
import uuid
from decimal import ROUND_HALF_EVEN, Decimal

from services.orders import money
from services.orders.catalog import pricing
from services.orders.catalog import store as catalog_store
from shared.schemas.errors import ValidationFailed

LINE_TABLES = ("quote_lines", "order_lines", "invoice_lines", "credit_note_lines")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
# Every column of a line table but ``id`` and the parent's id, in table order.
LINE_COLUMNS = (
    "position", "product_id", "sku", "name", "description", "unit", "quantity", "unit_price", "price_overridden",
    "discount_percent", "discount_amount", "tax_category", "tax_rate", "discount_total", "net_amount",
    "tax_amount", "gross_amount", "source_line_id",
)
PRICE_QUANTUM = Decimal(1).scaleb(-money.PRICE_PLACES)


def _field(index, name):
    return f"lines.{index}.{name}"


class _Errors:
    """Per-field messages gathered over all lines, so one answer names every mistake."""

    def __init__(self):
        self.errors = {}

    def add(self, field, message):
        self.errors.setdefault(field, []).append(message)

    def raise_any(self, detail):
        if self.errors:
            raise ValidationFailed(detail, self.errors)


# Pricing ---------------------------------------------------------------------

def _book(conn, price_book_id, errors):
    if price_book_id is None:
        return catalog_store.standard_book(conn)
    book = catalog_store.find_price_book(conn, str(price_book_id))
    if book is None:
        errors.add("price_book_id", f"There is no price book with id {price_book_id}; pick one from the list.")
    elif not book["active"]:
        errors.add("price_book_id", f"Price book {book['name']} is inactive; pick an active one or reactivate it.")
    return book


def _unit_price(index, line, product, book, standard, found, prices_include_tax, errors):
    """(unit price, overridden) of a product line; None when no price applies."""
    if line.get("unit_price") is not None:
        return line["unit_price"], True
    price = found.get((str(book["id"]), str(product["id"])))
    source = book
    if price is None and standard is not None and standard["id"] != book["id"]:
        price = found.get((str(standard["id"]), str(product["id"])))
        source = standard
    if price is None:
        errors.add(_field(index, "product_id"),
                   f"Product {product['sku']} has no price in {book['name']}"
                   + ("" if book["is_standard"] else " nor in the standard book")
                   + " for this currency on this date; add a price to the book, or give a unit_price.")
        return None, False
    if source["prices_include_tax"] != prices_include_tax:
        kind = "include" if source["prices_include_tax"] else "exclude"
        errors.add(_field(index, "product_id"),
                   f"The prices of {source['name']} {kind} tax, unlike this document's; add a price for "
                   f"product {product['sku']} to the document's price book, or give a unit_price.")
        return None, False
    return pricing.tier_price(price["unit_price"], price["tiers"], line["quantity"]), False


def price_lines(conn, inputs, *, currency, price_book_id, tax_country, on_date, prices_include_tax=None):
    """Priced line rows from loaded ``LineInputSchema`` dicts, and whether
    their prices include tax (the price book's, unless given).

    Each row has every line column but ``id`` and the parent's id
    (``position`` 1..n, ``source_line_id`` None).  A product must exist and
    be active; its unit price comes from the price book (``None``: the
    standard book) valid on ``on_date`` in ``currency``, by volume tier, or
    from the standard book when the book has none; a given ``unit_price``
    overrides it.  The tax rate is the category's in ``tax_country`` on
    ``on_date``.  ``ValidationFailed`` names each line field at fault."""
    currency = str(currency).upper()
    money.minor_unit(currency)  # the caller has checked it; a wrong one is a bug, not input
    errors = _Errors()
    book = _book(conn, price_book_id, errors)
    errors.raise_any("The price book cannot be used.")
    standard = book if book["is_standard"] else catalog_store.standard_book(conn)
    if prices_include_tax is None:
        prices_include_tax = book["prices_include_tax"]
    if not inputs:
        raise ValidationFailed("A document needs at least one line.", {"lines": ["Add at least one line."]})

    product_ids = {str(line["product_id"]) for line in inputs if line.get("product_id")}
    products = catalog_store.products_by_id(conn, product_ids)
    wanted = set(products)
    book_ids = {str(book["id"])} | ({str(standard["id"])} if standard is not None else set())
    found = catalog_store.prices_on(conn, book_ids, wanted, currency, on_date) if wanted else {}

    categories = []
    for index, line in enumerate(inputs):
        categories.append(_category(index, line, products, errors))
    known = catalog_store.tax_category_codes(conn)
    for index, category in enumerate(categories):
        if category is not None and category not in known:
            errors.add(_field(index, "tax_category"),
                       f"There is no tax category {category!r}; use one of {', '.join(sorted(known))}.")
            categories[index] = None
    rates = {}
    needed = {category for category in categories if category is not None}
    if needed and tax_country:
        rates = catalog_store.tax_rates_on(conn, needed, str(tax_country).upper(), on_date)
    elif needed - {pricing.ZERO_CATEGORY}:
        errors.add("tax_country", "Give the country whose tax applies (ISO 3166 alpha-2, like DE): "
                                  "the tax rates depend on it.")

    rows = []
    for index, line in enumerate(inputs):
        row = _price_line(index, line, products, book, standard, found, categories[index], rates, tax_country,
                          on_date, currency, prices_include_tax, errors)
        if row is not None:
            rows.append(row)
    errors.raise_any("Some lines cannot be priced; see errors.")
    for position, row in enumerate(rows, start=1):
        row["position"] = position
    return rows, prices_include_tax


def _category(index, line, products, errors):
    """The tax category of a line: its product's, else the one given, else standard."""
    if line.get("product_id"):
        product = products.get(str(line["product_id"]))
        if product is None:
            return None
        given = line.get("tax_category")
        if given is not None and given != product["tax_category"]:
            errors.add(_field(index, "tax_category"),
                       f"A product's line takes the product's tax category ({product['tax_category']}); "
                       "leave tax_category out or change the product.")
        return product["tax_category"]
    return line.get("tax_category") or pricing.DEFAULT_CATEGORY


def _tax_rate(index, category, rates, tax_country, on_date, errors):
    rate = rates.get(category)
    if rate is not None:
        return rate
    if category == pricing.ZERO_CATEGORY:
        return money.ZERO
    if tax_country:
        errors.add(_field(index, "tax_category"),
                   f"There is no {category} tax rate for {str(tax_country).upper()} on {on_date.isoformat()}; "
                   "an admin must add a rate for this category and country (Catalog > Tax rates).")
    return None


def _price_line(index, line, products, book, standard, found, category, rates, tax_country, on_date, currency,
                prices_include_tax, errors):
    product = None
    if line.get("product_id"):
        product = products.get(str(line["product_id"]))
        if product is None:
            errors.add(_field(index, "product_id"), f"There is no product with id {line['product_id']}; "
                                                    "pick one from the catalog.")
            return None
        if not product["active"]:
            errors.add(_field(index, "product_id"), f"Product {product['sku']} is inactive and cannot be added; "
                                                    "pick another or reactivate it.")
            return None
        unit_price, overridden = _unit_price(index, line, product, book, standard, found, prices_include_tax,
                                             errors)
    else:
        unit_price, overridden = line.get("unit_price"), True
        if not line.get("name"):
            errors.add(_field(index, "name"), "A line without product needs a name.")
        if unit_price is None:
            errors.add(_field(index, "unit_price"), "A line without product needs a unit_price.")
    rate = _tax_rate(index, category, rates, tax_country, on_date, errors) if category is not None else None
    if unit_price is None:
        return None
    if rate is None or (product is None and not line.get("name")):
        _with_amounts(_amount_inputs(line, unit_price, money.ZERO), currency, prices_include_tax, errors, index)
        return None
    row = {
        "position": None,
        "product_id": str(product["id"]) if product else None,
        "sku": product["sku"] if product else None,
        "name": line.get("name") or product["name"],
        "description": line.get("description") if line.get("description") is not None
        else (product["description"] if product else None),
        "unit": product["unit"] if product else None,
        "quantity": line["quantity"],
        "unit_price": unit_price,
        "price_overridden": overridden,
        "discount_percent": line.get("discount_percent"),
        "discount_amount": line.get("discount_amount"),
        "tax_category": category,
        "tax_rate": rate,
        "source_line_id": None,
    }
    return _with_amounts(row, currency, prices_include_tax, errors, index)


def _amount_inputs(line, unit_price, rate):
    return {"quantity": line["quantity"], "unit_price": unit_price, "tax_rate": rate,
            "discount_percent": line.get("discount_percent"), "discount_amount": line.get("discount_amount")}


def _with_amounts(row, currency, prices_include_tax, errors=None, index=None):
    """``row`` with its rounded amounts; a MoneyError is a line error (or raised)."""
    try:
        amounts = money.line_amounts(
            money.LineInput(quantity=row["quantity"], unit_price=row["unit_price"], tax_rate=row["tax_rate"],
                            discount_percent=row["discount_percent"], discount_amount=row["discount_amount"]),
            currency, prices_include_tax)
    except money.MoneyError as exc:
        if errors is None:
            raise ValidationFailed(str(exc), {"lines": [str(exc)]}) from None
        message = str(exc)
        name = ("discount_amount" if row["discount_amount"] is not None else "discount_percent") \
            if "discount" in message.lower() else "quantity"
        errors.add(_field(index, name), message)
        return None
    row.update(discount_total=amounts.discount, net_amount=amounts.net, tax_amount=amounts.tax,
               gross_amount=amounts.gross)
    return row


# Copies ----------------------------------------------------------------------

def copy_lines(rows, currency, prices_include_tax, quantities=None):
    """New line dicts from stored lines, with the same price, discount
    percent, tax rate, product, SKU and name; ``source_line_id`` is the old
    line's id.  ``quantities`` (``{line_id: Decimal}``) copies only the lines
    it names, each for that quantity (at most the line's; a discount amount
    is prorated); amounts are recomputed with ``money.line_amounts``."""
    wanted = None if quantities is None else {str(key): value for key, value in quantities.items()}
    copies = []
    for row in rows:
        line_id = str(row["id"])
        quantity = row["quantity"]
        discount_amount = row["discount_amount"]
        if wanted is not None:
            if line_id not in wanted:
                continue
            quantity = wanted[line_id]
            if not isinstance(quantity, Decimal):
                quantity = money._decimal(quantity, "quantity")
            if quantity <= 0 or quantity > row["quantity"]:
                raise ValidationFailed(
                    f"Line {row['position']} ({row['name']}) has {money.decimal_text(row['quantity'])}; "
                    "take a quantity above 0 and not above it.",
                    {f"quantities.{line_id}": [f"Between 0 and {money.decimal_text(row['quantity'])}."]})
            if discount_amount is not None and quantity != row["quantity"]:
                discount_amount = (discount_amount * quantity / row["quantity"]).quantize(
                    PRICE_QUANTUM, rounding=ROUND_HALF_EVEN)
        copy = {column: row[column] for column in LINE_COLUMNS}
        copy.update(quantity=quantity, discount_amount=discount_amount, source_line_id=line_id,
                    product_id=str(row["product_id"]) if row["product_id"] else None)
        copies.append(_with_amounts(copy, currency, prices_include_tax))
    for position, copy in enumerate(copies, start=1):
        copy["position"] = position
    return copies


# Totals ----------------------------------------------------------------------

def document_totals(rows, currency):
    """``{"net_total", "tax_total", "gross_total", "discount_total"}``
    (Decimals: sums of the rounded lines) and ``"tax_lines"`` (a JSON-ready
    list ``[{"rate": "19", "net": "100.00", "tax": "19.00"}]``, by rate)."""
    amounts = [money.LineAmounts(net=row["net_amount"], tax=row["tax_amount"], gross=row["gross_amount"],
                                 discount=row["discount_total"]) for row in rows]
    result = money.totals(amounts, [row["tax_rate"] for row in rows], currency)
    return {
        "net_total": result.net,
        "tax_total": result.tax,
        "gross_total": result.gross,
        "discount_total": result.discount,
        "tax_lines": [{"rate": money.decimal_text(rate), "net": money.money_text(group["net"], currency),
                       "tax": money.money_text(group["tax"], currency)} for rate, group in result.tax_lines.items()],
    }


# Storage ---------------------------------------------------------------------

def _check_names(table, parent_column):
    if table not in LINE_TABLES or not _IDENTIFIER.match(parent_column):
        raise ValueError(f"not a line table: {table}.{parent_column}")


def insert_lines(conn, table, parent_column, parent_id, rows):
    """Store ``rows`` (from ``price_lines`` or ``copy_lines``) under the
    parent; returns the inserted rows in position order."""
    _check_names(table, parent_column)
    if not rows:
        return []
    columns = ("id", parent_column, *LINE_COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params = []
    for row in rows:
        params.extend((str(uuid.uuid4()), str(parent_id), *(row[column] for column in LINE_COLUMNS)))
    inserted = conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(rows))} RETURNING *",
        params).fetchall()
    return sorted(inserted, key=lambda row: row["position"])


def lines_of(conn, table, parent_column, parent_id):
    """The parent's lines in position order."""
    _check_names(table, parent_column)
    return conn.execute(f"SELECT * FROM {table} WHERE {parent_column} = %s ORDER BY position",
                        (str(parent_id),)).fetchall()


# API shapes ------------------------------------------------------------------

def _text(value):
    return None if value is None else str(value)


def line_snapshot(row, currency):
    """A line as the API shows it (DocumentLineSchema): amounts with exactly
    the currency's decimals, prices with at least them, quantities and rates
    as plain decimals.  A row without ``id`` (a preview) shows None."""
    return {
        "id": _text(row.get("id")),
        "position": row["position"],
        "product_id": _text(row["product_id"]),
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "unit": row["unit"],
        "quantity": money.decimal_text(row["quantity"]),
        "unit_price": money.price_text(row["unit_price"], currency),
        "price_overridden": row["price_overridden"],
        "discount_percent": money.decimal_text(row["discount_percent"]),
        "discount_amount": money.price_text(row["discount_amount"], currency),
        "tax_category": row["tax_category"],
        "tax_rate": money.decimal_text(row["tax_rate"]),
        "discount_total": money.money_text(row["discount_total"], currency),
        "net_amount": money.money_text(row["net_amount"], currency),
        "tax_amount": money.money_text(row["tax_amount"], currency),
        "gross_amount": money.money_text(row["gross_amount"], currency),
        "source_line_id": _text(row["source_line_id"]),
    }


def totals_snapshot(document):
    """A document's stored totals as the API shows them (TotalsSchema); the
    stored ``tax_lines`` as they are (never recomputed)."""
    currency = document["currency"]
    return {
        "net_total": money.money_text(document["net_total"], currency),
        "tax_total": money.money_text(document["tax_total"], currency),
        "gross_total": money.money_text(document["gross_total"], currency),
        "discount_total": money.money_text(document["discount_total"], currency),
        "tax_lines": list(document["tax_lines"] or []),
    }
