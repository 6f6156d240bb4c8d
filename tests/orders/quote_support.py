"""What the quote tests share: a taxed country, products with a price in
the standard book, an account in the projection, and quotes made, sent
and accepted through the RPC."""

import contextlib
import datetime

from shared.schemas.errors import Conflict
from tests.orders.conftest import known_account, unique

COUNTRY = "MT"
RATE = "18"


_TAXED = set()


def taxed_country(orders, country=COUNTRY, rate=RATE, category="standard"):
    """The ``category`` tax rate of ``country`` exists (once per database)."""
    if (country, category) in _TAXED:
        return
    with contextlib.suppress(Conflict):
        orders.create_tax_rate({"tax_category": category, "country": country, "rate": rate,
                                "valid_from": "2000-01-01"}, "tests")
    _TAXED.add((country, category))


def standard_book_id(db):
    return str(db.scalar("SELECT id FROM price_books WHERE is_standard"))


def product(orders, db, price="10.00", currency="EUR", book_id=None, **fields):
    """A product priced ``price`` in ``currency`` in the standard book (or ``book_id``); returns it."""
    taxed_country(orders)
    made = orders.create_product({"sku": unique("Q-SKU-"), "name": fields.pop("name", f"Widget {unique()}"),
                                  **fields}, "tests")
    orders.set_price(book_id or standard_book_id(db), {"product_id": made["id"], "currency": currency,
                                                       "unit_price": price, "valid_from": "2000-01-01"}, "tests")
    return made


def account(db, country=COUNTRY, **kwargs):
    return known_account(db, country=country, **kwargs)


def quote_data(orders, db, prices=("10.00", "4.50"), quantities=("2", "3"), **fields):
    """A new quote's input: one product line per price."""
    currency = fields.get("currency", "EUR")
    lines = [{"product_id": product(orders, db, price, currency)["id"], "quantity": quantity}
             for price, quantity in zip(prices, quantities, strict=True)]
    data = {"account_id": fields.pop("account_id", None) or account(db), "currency": currency, "lines": lines}
    data.update(fields)
    return data


def new_quote(orders, db, **fields):
    return orders.create_quote(quote_data(orders, db, **fields), "tests")


def sent_quote(orders, db, **fields):
    return orders.send_quote(new_quote(orders, db, **fields)["id"], "tests")


def count_quotes(db, account_id):
    return db.scalar("SELECT count(*) FROM quotes WHERE account_id = %s", (account_id,))


def event_types(db, quote_id):
    """The types of the outbox rows about the quote, in order."""
    return [row["event_type"] for row in db.outbox_rows([quote_id])]


def days_from_today(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
