"""What the orders and returns tests share: a taxed country, products with
a price in the standard book, orders made, submitted, shipped and delivered
through the RPC, and a quote written straight into the quotes tables (as
the quotes area would have accepted it)."""

import contextlib
import uuid
from decimal import Decimal

from shared.schemas.errors import Conflict
from tests.orders.conftest import known_account, unique

COUNTRY = "AT"
RATE = "20"


def taxed_country(orders):
    """The standard tax rate of COUNTRY exists (once per database)."""
    with contextlib.suppress(Conflict):
        orders.create_tax_rate({"tax_category": "standard", "country": COUNTRY, "rate": RATE,
                                "valid_from": "2000-01-01"}, "tests")


def standard_book_id(db):
    return str(db.scalar("SELECT id FROM price_books WHERE is_standard"))


def product(orders, db, price="10.00", currency="EUR", **fields):
    """A product with ``price`` in the standard book; returns it."""
    taxed_country(orders)
    made = orders.create_product({"sku": unique("SKU-"), "name": fields.pop("name", f"Widget {unique()}"),
                                  **fields}, "tests")
    orders.set_price(standard_book_id(db), {"product_id": made["id"], "currency": currency, "unit_price": price,
                                            "valid_from": "2000-01-01"}, "tests")
    return made


def account(db, country=COUNTRY, **kwargs):
    return known_account(db, country=country, **kwargs)


def order_data(db, orders, quantities=("2", "3"), prices=("10.00", "4.50"), **fields):
    """A direct order's data: one product line per quantity."""
    lines = [{"product_id": product(orders, db, price)["id"], "quantity": quantity}
             for quantity, price in zip(quantities, prices, strict=False)]
    return {"account_id": fields.pop("account_id", None) or account(db), "currency": "EUR", "lines": lines, **fields}


def submitted_order(orders, db, quantities=("2", "3"), **fields):
    order = orders.create_order(order_data(db, orders, quantities, **fields), "tests")
    return orders.submit_order(order["id"], "tests")


def ship_all(orders, order, carrier="DHL"):
    return orders.create_shipment(order["id"], {"lines": [
        {"order_line_id": line["id"], "quantity": line["quantity"]} for line in order["lines"]],
        "carrier": carrier, "tracking_number": unique("TRK")}, "tests")


def delivered_order(orders, db, quantities=("2", "3"), **fields):
    order = submitted_order(orders, db, quantities, **fields)
    shipment = ship_all(orders, order)
    orders.deliver_shipment(shipment["id"], None, "tests")
    return orders.get_order(order["id"])


def count_orders(db, account_id):
    return db.scalar("SELECT count(*) FROM orders WHERE account_id = %s", (account_id,))


def accepted_quote(db, account_id, lines=(("2", "10.00", "20"), ("1", "99.99", "0")), currency="EUR",
                   status="accepted"):
    """A quote row with its lines, inserted as the quotes area stores them
    (each line: quantity, unit price, tax rate); returns its id."""
    quote_id = str(uuid.uuid4())
    seq = db.scalar("SELECT nextval('quote_numbers')")
    rows, totals = [], {"net": Decimal(0), "tax": Decimal(0)}
    for position, (quantity, price, rate) in enumerate(lines, start=1):
        net = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
        tax = (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
        totals["net"] += net
        totals["tax"] += tax
        rows.append((str(uuid.uuid4()), quote_id, position, f"Quoted item {position}", quantity, price, rate, net,
                     tax, net + tax))
    db.conn.execute(
        "INSERT INTO quotes (id, number_seq, number, status, account_id, opportunity_id, currency, price_book_id,"
        " prices_include_tax, tax_country, priced_on, valid_until, net_total, tax_total, gross_total,"
        " discount_total, accepted_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, false, %s, current_date, current_date + 30, %s, %s, %s, 0, now())",
        (quote_id, seq, f"Q-{seq:06d}", status, account_id, str(uuid.uuid4()), currency, standard_book_id(db),
         COUNTRY, totals["net"], totals["tax"], totals["net"] + totals["tax"]))
    for row in rows:
        db.conn.execute(
            "INSERT INTO quote_lines (id, quote_id, position, name, quantity, unit_price, tax_category, tax_rate,"
            " discount_total, net_amount, tax_amount, gross_amount)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'standard', %s, 0, %s, %s, %s)", row)
    return quote_id
