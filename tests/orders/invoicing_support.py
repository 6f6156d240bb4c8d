"""What the invoicing tests share: orders and shipments written straight
into the orders area's tables (so invoicing is tested on its own, whatever
state the orders RPCs are in), and calls with an idempotency key."""

import json
import uuid
from decimal import Decimal

from services.orders import lines, money
from tests.orders.conftest import known_account


def make_order(db, account_id=None, items=((2, "10.00", "19"),), currency="EUR", status="submitted",
               prices_include_tax=False, payment_terms_days=14):
    """An order with lines ``(quantity, unit price, tax rate)``; returns
    ``(order id, [order line ids])``."""
    account_id = account_id or known_account(db)
    rows = []
    for position, (quantity, unit_price, rate) in enumerate(items, start=1):
        row = {"position": position, "product_id": None, "sku": f"SKU-{position}", "name": f"Item {position}",
               "description": None, "unit": "each", "quantity": Decimal(str(quantity)),
               "unit_price": Decimal(unit_price), "price_overridden": True, "discount_percent": None,
               "discount_amount": None, "tax_category": "standard", "tax_rate": Decimal(rate), "source_line_id": None}
        amounts = money.line_amounts(money.LineInput(quantity=row["quantity"], unit_price=row["unit_price"],
                                                     tax_rate=row["tax_rate"]), currency, prices_include_tax)
        row.update(discount_total=amounts.discount, net_amount=amounts.net, tax_amount=amounts.tax,
                   gross_amount=amounts.gross)
        rows.append(row)
    totals = lines.document_totals(rows, currency)
    order_id = str(uuid.uuid4())
    sequence = db.scalar("SELECT nextval('order_numbers')")
    db.conn.execute(
        "INSERT INTO orders (id, number_seq, number, account_id, status, currency, tax_country, prices_include_tax,"
        " billing_address, payment_terms_days, customer_reference, net_total, tax_total, gross_total,"
        " discount_total, tax_lines, placed_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, 'DE', %s, %s, %s, 'PO-1', %s, %s, %s, %s, %s, now())",
        (order_id, sequence, f"SO-{sequence:06d}", account_id, status, currency, prices_include_tax,
         '{"street": "Main St 1", "city": "Berlin", "country": "DE"}', payment_terms_days, totals["net_total"],
         totals["tax_total"], totals["gross_total"], totals["discount_total"],
         json.dumps(totals["tax_lines"])))
    with db.conn.transaction():
        inserted = lines.insert_lines(db.conn, "order_lines", "order_id", order_id, rows)
    return order_id, [str(row["id"]) for row in inserted]


def make_shipment(db, order_id, quantities):
    """A shipment of ``{order line id: quantity}``; returns its id."""
    shipment_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO shipments (id, order_id, number) VALUES (%s, %s, %s)",
                    (shipment_id, order_id, f"SH-{uuid.uuid4().hex[:10]}"))
    for line_id, quantity in quantities.items():
        db.conn.execute("INSERT INTO shipment_lines (id, shipment_id, order_line_id, quantity) VALUES (%s, %s, %s, %s)",
                        (str(uuid.uuid4()), shipment_id, line_id, Decimal(str(quantity))))
    return shipment_id


def issued_invoice(orders, db, **order):
    """An issued invoice for a new order (``make_order`` arguments); returns the invoice."""
    order_id, _ = make_order(db, **order)
    draft = orders.create_invoice({"order_id": order_id}, "fiona")
    return orders.issue_invoice(draft["id"], "fiona")


def keyed(rpc_proxy, key=None):
    """An RPC cluster whose calls carry an idempotency key (as the gateway sends one)."""
    return rpc_proxy(context_data={"idempotency_key": key or str(uuid.uuid4())})
