"""SQL for the catalog: plain functions over a connection already in a transaction."""

from psycopg.types.json import Jsonb

from shared.kit.filters import Where
from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row
from shared.schemas.errors import NotFound

PRODUCT_COLUMNS = ("id", "sku", "name", "description", "family", "unit", "active", "tax_category", "created_by")
PRICE_BOOK_COLUMNS = ("id", "name", "description", "active", "prices_include_tax", "created_by")


# Products -------------------------------------------------------------------

def insert_product(conn, values):
    """Insert a product; a taken SKU raises UniqueViolation (the caller wraps it in a savepoint)."""
    return insert_row(conn, "products", {column: values[column] for column in PRODUCT_COLUMNS if column in values})


def get_product(conn, product_id, lock=None):
    return get_row(conn, "products", product_id, "product", lock)


def product_by_sku(conn, sku, exclude_id=None):
    return conn.execute("SELECT * FROM products WHERE lower(sku) = lower(%s) AND id IS DISTINCT FROM %s::uuid",
                        (sku, exclude_id)).fetchone()


def update_product(conn, product_id, values):
    return update_row(conn, "products", product_id, values)


def products_by_id(conn, product_ids):
    """{id (str): row} of the products that exist among ``product_ids``."""
    if not product_ids:
        return {}
    rows = conn.execute("SELECT * FROM products WHERE id = ANY(%s::uuid[])", (list(product_ids),)).fetchall()
    return {str(row["id"]): row for row in rows}


PRODUCT_SORTS = {
    **both_ways("sku", "sort_sku", "text"),
    **both_ways("name", "sort_name", "text"),
    **both_ways("created_at", "created_at", "timestamptz"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
}


def list_products(conn, query):
    where = Where(query)
    if query.get("family"):
        where.add("lower(family) = lower(%s)", query["family"])
    where.equal("active", "tax_category")
    where.search("(sku || ' ' || name)", every_word=True)
    return keyset_page(conn, "SELECT * FROM products", where.clauses, where.params,
                       PRODUCT_SORTS[query.get("sort") or "sku"], query.get("cursor"), int(query.get("limit") or 50))


# Tax ------------------------------------------------------------------------

def tax_categories(conn):
    return conn.execute("SELECT * FROM tax_categories ORDER BY code").fetchall()


def tax_category_codes(conn):
    return {row["code"] for row in conn.execute("SELECT code FROM tax_categories").fetchall()}


def find_tax_category(conn, code):
    return conn.execute("SELECT * FROM tax_categories WHERE code = %s", (code,)).fetchone()


def insert_tax_category(conn, values):
    """Insert a category; returns None when the code is taken."""
    return conn.execute("INSERT INTO tax_categories (code, name) VALUES (%s, %s) ON CONFLICT (code) DO NOTHING"
                        " RETURNING *", (values["code"], values["name"])).fetchone()


def insert_tax_rate(conn, values):
    """Insert a rate; an overlapping period raises ExclusionViolation (the caller wraps it in a savepoint)."""
    return insert_row(conn, "tax_rates", values)


def get_tax_rate(conn, rate_id, lock=None):
    return get_row(conn, "tax_rates", rate_id, "tax rate", lock)


def update_tax_rate(conn, rate_id, values):
    return update_row(conn, "tax_rates", rate_id, values)


def overlapping_tax_rate(conn, category, country, valid_from, valid_to, exclude_id=None):
    return conn.execute(
        "SELECT * FROM tax_rates WHERE tax_category = %s AND country = %s AND id IS DISTINCT FROM %s::uuid"
        " AND daterange(valid_from, valid_to, '[]') && daterange(%s::date, %s::date, '[]')"
        " ORDER BY valid_from LIMIT 1",
        (category, country, exclude_id, valid_from, valid_to)).fetchone()


TAX_RATE_ORDER = KeysetOrder(("country", "text"), ("tax_category", "text"), ("valid_from", "date"), ("id", "uuid"))


def list_tax_rates(conn, query):
    where = Where(query)
    where.compare(country="country = %s::char(2)")
    where.equal("tax_category")
    if query.get("on_date"):
        where.add("valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)", query["on_date"], query["on_date"])
    return keyset_page(conn, "SELECT * FROM tax_rates", where.clauses, where.params,
                       TAX_RATE_ORDER, query.get("cursor"), int(query.get("limit") or 100))


def tax_rates_on(conn, categories, country, on_date):
    """{category: rate} of the rates of ``categories`` in ``country`` valid on ``on_date``."""
    rows = conn.execute(
        "SELECT tax_category, rate FROM tax_rates WHERE tax_category = ANY(%s) AND country = %s"
        " AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
        (list(categories), country, on_date, on_date)).fetchall()
    return {row["tax_category"]: row["rate"] for row in rows}


# Price books ----------------------------------------------------------------

def insert_price_book(conn, values):
    """Insert a book; a taken name raises UniqueViolation (the caller wraps it in a savepoint)."""
    return insert_row(conn, "price_books",
                      {column: values[column] for column in PRICE_BOOK_COLUMNS if column in values})


def get_price_book(conn, book_id, lock=None):
    return get_row(conn, "price_books", book_id, "price book", lock)


def find_price_book(conn, book_id):
    return conn.execute("SELECT * FROM price_books WHERE id = %s", (book_id,)).fetchone()


def price_book_by_name(conn, name, exclude_id=None):
    return conn.execute("SELECT * FROM price_books WHERE lower(name) = lower(%s) AND id IS DISTINCT FROM %s::uuid",
                        (name, exclude_id)).fetchone()


def standard_book(conn):
    row = conn.execute("SELECT * FROM price_books WHERE is_standard").fetchone()
    if row is None:  # seeded by the migration; only a hand-edited database lacks it
        raise NotFound("There is no standard price book.")
    return row


def update_price_book(conn, book_id, values):
    return update_row(conn, "price_books", book_id, values)


PRICE_BOOK_SORTS = {
    **both_ways("name", "sort_name", "text"),
    **both_ways("created_at", "created_at", "timestamptz"),
}


def list_price_books(conn, query):
    where = Where(query)
    where.equal("active", "prices_include_tax")
    where.search("name", every_word=True)
    return keyset_page(conn, "SELECT * FROM price_books", where.clauses, where.params,
                       PRICE_BOOK_SORTS[query.get("sort") or "name"], query.get("cursor"),
                       int(query.get("limit") or 50))


# Prices ---------------------------------------------------------------------

def insert_price(conn, values):
    """Insert a price period; an overlap raises ExclusionViolation (the caller wraps it in a savepoint)."""
    return insert_row(conn, "prices", {**values, "tiers": Jsonb(values["tiers"])})


def periods_of(conn, book_id, product_id, currency, lock=False):
    """The price periods of one product, currency and book, by start."""
    return conn.execute(
        "SELECT * FROM prices WHERE price_book_id = %s AND product_id = %s AND currency = %s ORDER BY valid_from"
        + (" FOR UPDATE" if lock else ""), (book_id, product_id, currency)).fetchall()


def close_price(conn, price_id, valid_to):
    return conn.execute("UPDATE prices SET valid_to = %s, updated_at = now() WHERE id = %s RETURNING *",
                        (valid_to, price_id)).fetchone()


PRICE_ORDER = KeysetOrder(("product_id", "uuid"), ("currency", "text"), ("valid_from", "date"), ("id", "uuid"))


def list_prices(conn, book_id, query):
    where = Where(query, "p.price_book_id = %s")
    where.params.append(book_id)
    where.compare(product_id="p.product_id = %s", currency="p.currency = %s::char(3)")
    if query.get("on_date"):
        where.add("p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s)",
                  query["on_date"], query["on_date"])
    select = ("SELECT * FROM (SELECT p.*, p.currency::text AS currency_code, s.sku, s.name AS product_name"
              " FROM prices p JOIN products s ON s.id = p.product_id")
    where_sql = (" WHERE " + " AND ".join(where.clauses)) if where.clauses else ""
    return keyset_page(conn, select + where_sql + ") AS listed", [], where.params, PRICE_ORDER,
                       query.get("cursor"), int(query.get("limit") or 100))


def prices_on(conn, book_ids, product_ids, currency, on_date):
    """{(book id, product id): row} of the prices valid on ``on_date``."""
    rows = conn.execute(
        "SELECT * FROM prices WHERE price_book_id = ANY(%s::uuid[]) AND product_id = ANY(%s::uuid[])"
        " AND currency = %s AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
        (list(book_ids), list(product_ids), currency, on_date, on_date)).fetchall()
    return {(str(row["price_book_id"]), str(row["product_id"])): row for row in rows}
