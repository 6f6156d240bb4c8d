"""Catalog operations: each takes a connection inside one transaction and
writes its change (and its events, through the outbox) together."""

import datetime
import uuid

import psycopg

from services.orders import lines, money
from services.orders.catalog import pricing, store
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, DuplicateFound, ValidationFailed

PRODUCT_FIELDS = ("id", "sku", "name", "description", "family", "unit", "active", "tax_category", "version",
                  "created_by", "created_at", "updated_at")
PRICE_BOOK_FIELDS = ("id", "name", "description", "active", "is_standard", "prices_include_tax", "version",
                     "created_by", "created_at", "updated_at")
DAY = datetime.timedelta(days=1)


# Snapshots ---------------------------------------------------------------------

def product_snapshot(row):
    return {field: plain(row[field]) for field in PRODUCT_FIELDS}


def price_book_snapshot(row):
    return {field: plain(row[field]) for field in PRICE_BOOK_FIELDS}


def tax_category_snapshot(row):
    return {"code": row["code"], "name": row["name"]}


def tax_rate_snapshot(row):
    return {"id": str(row["id"]), "tax_category": row["tax_category"], "country": row["country"],
            "rate": money.decimal_text(row["rate"]), "valid_from": row["valid_from"].isoformat(),
            "valid_to": plain(row["valid_to"]), "version": row["version"], "created_by": row["created_by"],
            "created_at": plain(row["created_at"]), "updated_at": plain(row["updated_at"])}


def price_snapshot(row):
    currency = row["currency"]
    return {
        "id": str(row["id"]), "price_book_id": str(row["price_book_id"]), "product_id": str(row["product_id"]),
        "sku": row.get("sku"), "product_name": row.get("product_name"), "currency": currency,
        "unit_price": money.price_text(row["unit_price"], currency),
        "tiers": [{"min_quantity": tier["min_quantity"],
                   "unit_price": money.price_text(tier["unit_price"], currency)} for tier in row["tiers"]],
        "valid_from": row["valid_from"].isoformat(), "valid_to": plain(row["valid_to"]),
        "created_by": row["created_by"], "created_at": plain(row["created_at"]),
        "updated_at": plain(row["updated_at"]),
    }


def _period(row):
    end = row["valid_to"].isoformat() if row["valid_to"] else "open-ended"
    return f"{row['valid_from'].isoformat()} to {end}"


# Products ------------------------------------------------------------------------

def _require_category(conn, code, field="tax_category"):
    if store.find_tax_category(conn, code) is None:
        known = ", ".join(sorted(store.tax_category_codes(conn)))
        raise ValidationFailed(f"There is no tax category {code!r}.",
                               {field: [f"Unknown tax category; use one of {known}, or create it first."]})


def _sku_taken(row):
    return DuplicateFound(f"SKU {row['sku']} is taken by product {row['id']} ({row['name']}); pick another SKU "
                          "or update that product.", {"sku": ["Taken by another product."]},
                          existing_id=str(row["id"]))


def create_product(conn, data, actor):
    """A new product from validated input (ProductCreateSchema); 409 when the SKU is taken."""
    _require_category(conn, data["tax_category"])
    taken = store.product_by_sku(conn, data["sku"])
    if taken:
        raise _sku_taken(taken)
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor}
    try:
        with conn.transaction():
            row = store.insert_product(conn, values)
    except psycopg.errors.UniqueViolation:  # created concurrently, after the look-up
        raise _sku_taken(store.product_by_sku(conn, data["sku"]) or {**values, "id": "(new)"}) from None
    outbox.add(conn, "product.created", {"product": product_snapshot(row)})
    return row


def update_product(conn, product_id, changes, actor, expected_version=None):
    """Apply validated changes (ProductUpdateSchema); one product.updated
    event with the changed fields when something changed."""
    row = store.get_product(conn, product_id, lock="update")
    versions.check_version(row, expected_version, "product")
    values = {key: value for key, value in changes.items() if row[key] != value}
    if not values:
        return row
    if "tax_category" in values:
        _require_category(conn, values["tax_category"])
    if "sku" in values:
        taken = store.product_by_sku(conn, values["sku"], exclude_id=row["id"])
        if taken:
            raise _sku_taken(taken)
    try:
        with conn.transaction():
            updated = store.update_product(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        raise _sku_taken(store.product_by_sku(conn, values["sku"], exclude_id=row["id"])) from None
    outbox.add(conn, "product.updated", {"product": product_snapshot(updated), "changed": sorted(values)})
    return updated


# Tax -------------------------------------------------------------------------------

def create_tax_category(conn, data):
    row = store.insert_tax_category(conn, data)
    if row is None:
        raise DuplicateFound(f"Tax category {data['code']} exists already; use it or pick another code.",
                             {"code": ["Taken."]})
    return row


def _rate_overlap(conn, category, country, valid_from, valid_to, exclude_id=None):
    other = store.overlapping_tax_rate(conn, category, country, valid_from, valid_to, exclude_id)
    detail = "Another rate's period overlaps this one"
    if other is not None:
        detail = (f"The {category} rate of {money.decimal_text(other['rate'])}% in {country} runs "
                  f"{_period(other)} (id {other['id']}) and overlaps this period")
    return Conflict(detail + "; close that period first (set its valid_to) or start this one after it.",
                    {"valid_from": ["Overlaps another period."]},
                    overlapping_id=str(other["id"]) if other else None)


def create_tax_rate(conn, data, actor):
    """A new rate period for a category in a country; 409 when it overlaps one."""
    _require_category(conn, data["tax_category"])
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor, "rate": data["rate"]}
    try:
        with conn.transaction():
            return store.insert_tax_rate(conn, values)
    except psycopg.errors.ExclusionViolation:
        raise _rate_overlap(conn, data["tax_category"], data["country"], data["valid_from"],
                            data["valid_to"]) from None


def update_tax_rate(conn, rate_id, changes):
    """Close (or reopen) a rate's period by setting its ``valid_to``."""
    row = store.get_tax_rate(conn, rate_id, lock="update")
    valid_to = changes["valid_to"]
    if valid_to is not None and valid_to < row["valid_from"]:
        raise ValidationFailed("The period would end before it starts.",
                               {"valid_to": [f"On or after valid_from ({row['valid_from'].isoformat()})."]})
    if valid_to == row["valid_to"]:
        return row
    try:
        with conn.transaction():
            return store.update_tax_rate(conn, row["id"], {"valid_to": valid_to})
    except psycopg.errors.ExclusionViolation:
        raise _rate_overlap(conn, row["tax_category"], row["country"], row["valid_from"], valid_to,
                            row["id"]) from None


# Price books ---------------------------------------------------------------------------

def _name_taken(row):
    return DuplicateFound(f"There is a price book named {row['name']} already ({row['id']}); pick another name.",
                          {"name": ["Taken by another price book."]}, existing_id=str(row["id"]))


def create_price_book(conn, data, actor):
    taken = store.price_book_by_name(conn, data["name"])
    if taken:
        raise _name_taken(taken)
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor}
    try:
        with conn.transaction():
            return store.insert_price_book(conn, values)
    except psycopg.errors.UniqueViolation:
        raise _name_taken(store.price_book_by_name(conn, data["name"]) or values) from None


def update_price_book(conn, book_id, changes, expected_version=None):
    row = store.get_price_book(conn, book_id, lock="update")
    versions.check_version(row, expected_version, "price book")
    values = {key: value for key, value in changes.items() if row[key] != value}
    if not values:
        return row
    if row["is_standard"] and values.get("active") is False:
        raise ValidationFailed("The standard price book cannot be deactivated: other books fall back to it.",
                               {"active": ["The standard book stays active."]})
    if "name" in values:
        taken = store.price_book_by_name(conn, values["name"], exclude_id=row["id"])
        if taken:
            raise _name_taken(taken)
    try:
        with conn.transaction():
            return store.update_price_book(conn, row["id"], values)
    except psycopg.errors.UniqueViolation:
        raise _name_taken(store.price_book_by_name(conn, values["name"], exclude_id=row["id"])) from None


# Prices ---------------------------------------------------------------------------------

def set_price(conn, book_id, data, actor, today=None):
    """A new price period of a product in a currency in a book.  An open
    period that started before the new one is closed the day before it;
    any other overlap is a 409.  Returns ``(price row, closed row or None)``."""
    book = store.get_price_book(conn, book_id)
    product = store.products_by_id(conn, [str(data["product_id"])]).get(str(data["product_id"]))
    if product is None:
        raise ValidationFailed(f"There is no product with id {data['product_id']}.",
                               {"product_id": ["No such product; pick one from the catalog."]})
    try:
        tiers = pricing.normal_tiers(data.get("tiers"))
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"tiers": [str(exc)]}) from None
    valid_from = data.get("valid_from") or today or datetime.date.today()
    valid_to = data.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed("The period ends before it starts.",
                               {"valid_to": [f"On or after valid_from ({valid_from.isoformat()})."]})
    currency = data["currency"]
    closed = None
    for period in store.periods_of(conn, book["id"], product["id"], currency, lock=True):
        if not pricing.overlaps(valid_from, valid_to, period["valid_from"], period["valid_to"]):
            continue
        if period["valid_to"] is None and period["valid_from"] < valid_from:
            closed = store.close_price(conn, period["id"], valid_from - DAY)
            continue
        raise _price_overlap(book, product, currency, period)
    values = {"id": str(uuid.uuid4()), "price_book_id": str(book["id"]), "product_id": str(product["id"]),
              "currency": currency, "unit_price": data["unit_price"], "tiers": tiers, "valid_from": valid_from,
              "valid_to": valid_to, "created_by": actor}
    try:
        with conn.transaction():
            row = store.insert_price(conn, values)
    except psycopg.errors.ExclusionViolation:  # a period set concurrently
        raise Conflict(f"Another price of {product['sku']} in {currency} in {book['name']} was set at the same "
                       "time and overlaps this period; list the prices and retry.",
                       {"valid_from": ["Overlaps another period."]}) from None
    extra = {"sku": product["sku"], "product_name": product["name"]}
    return {**row, **extra}, ({**closed, **extra} if closed else None)


def _price_overlap(book, product, currency, period):
    return Conflict(
        f"{product['sku']} has a {currency} price in {book['name']} for {_period(period)} (id {period['id']}) "
        "that overlaps this period; start the new price after it, or end this one before it.",
        {"valid_from": ["Overlaps another price period."]}, overlapping_id=str(period["id"]))


# Preview ----------------------------------------------------------------------------------

def preview(conn, data, today=None):
    """Price lines as a document would, storing nothing: the lines and totals."""
    on_date = data.get("on_date") or today or datetime.date.today()
    currency = data["currency"]
    rows, prices_include_tax = lines.price_lines(
        conn, data["lines"], currency=currency, price_book_id=data.get("price_book_id"),
        tax_country=data["tax_country"], on_date=on_date, prices_include_tax=data.get("prices_include_tax"))
    totals = lines.document_totals(rows, currency)
    return {
        "currency": currency,
        "prices_include_tax": prices_include_tax,
        "on_date": on_date.isoformat(),
        "lines": [lines.line_snapshot(row, currency) for row in rows],
        **lines.totals_snapshot({**totals, "currency": currency}),
    }

