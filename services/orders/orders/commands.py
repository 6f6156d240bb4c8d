"""Order operations: each takes a connection inside one transaction and
writes its change and its events (through the outbox) together.

Every change of an order, its lines or its shipments locks the order row
FOR UPDATE first, so concurrent shipments (and returns, and a cancel racing
a shipment) are serialised per order and can never ship more than ordered.
The returns area calls ``lock_order``, ``order_lines`` and ``summary_snapshot``.
"""

import datetime
from decimal import Decimal

import psycopg

from services.orders import lines, money
from services.orders.catalog import store as catalog_store
from services.orders.customers.commands import require_account
from services.orders.orders import states, store
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, ValidationFailed

ADDRESS_KEYS = ("street", "city", "region", "postal_code", "country")
SUMMARY_FIELDS = (
    "id", "number", "account_id", "account_name", "quote_id", "opportunity_id", "status", "currency",
    "price_book_id", "tax_country", "prices_include_tax", "shipping_address", "billing_address",
    "payment_terms_days", "customer_reference", "notes", "placed_at", "delivered_at", "cancelled_at",
    "cancel_reason", "version", "created_by", "created_at", "updated_at",
)
# Fields a draft order may change besides its lines.
EDITABLE = ("shipping_address", "billing_address", "payment_terms_days", "customer_reference", "notes")
SHIPMENT_FIELDS = ("id", "order_id", "number", "status", "carrier", "tracking_number", "shipped_at", "delivered_at",
                   "version", "created_by", "created_at", "updated_at")


# Snapshots (the API's and the events' shapes) ------------------------------------

def summary_snapshot(row):
    """An order without lines (OrderSummarySchema)."""
    result = {field: plain(row.get(field)) for field in SUMMARY_FIELDS}
    result["currency"] = row["currency"]
    result["totals"] = lines.totals_snapshot(row)
    return result


def order_line_snapshot(row, currency):
    """An order line (OrderLineSchema): the document line and its progress."""
    return {**lines.line_snapshot(row, currency),
            "shipped_quantity": money.decimal_text(row["shipped_quantity"]),
            "delivered_quantity": money.decimal_text(row["delivered_quantity"]),
            "returned_quantity": money.decimal_text(row["returned_quantity"])}


def shipment_snapshot(row, shipment_lines):
    result = {field: plain(row.get(field)) for field in SHIPMENT_FIELDS}
    result["lines"] = [{"id": str(line["id"]), "order_line_id": str(line["order_line_id"]),
                        "position": line["position"], "sku": line["sku"], "name": line["name"],
                        "quantity": money.decimal_text(line["quantity"])} for line in shipment_lines]
    return result


def shipments_snapshot(conn, order_id):
    rows = store.shipments_of(conn, order_id)
    by_shipment = store.shipment_lines(conn, [row["id"] for row in rows])
    return [shipment_snapshot(row, by_shipment.get(str(row["id"]), [])) for row in rows]


def order_snapshot(conn, row):
    """An order with its lines and shipments (OrderSchema)."""
    return {**summary_snapshot(row),
            "lines": [order_line_snapshot(line, row["currency"]) for line in store.order_lines(conn, row["id"])],
            "shipments": shipments_snapshot(conn, row["id"])}


# Reads ------------------------------------------------------------------------------

def lock_order(conn, order_id):
    """The order row (with ``account_name``), locked FOR UPDATE; NotFound when there is none."""
    return store.get_order(conn, order_id, lock="update")


def order_lines(conn, order_id):
    return store.order_lines(conn, order_id)


def add_to_line(conn, line_id, column, quantity):
    return store.add_to_line(conn, line_id, column, quantity)


def get_order(conn, order_id):
    return order_snapshot(conn, store.get_order(conn, order_id))


def list_shipments(conn, order_id):
    store.get_order(conn, order_id)
    return {"items": shipments_snapshot(conn, order_id)}


# Creating ---------------------------------------------------------------------------

def _address(value):
    if value is None:
        return None
    return {key: value.get(key) for key in ADDRESS_KEYS}


def _fields(data, config):
    terms = data.get("payment_terms_days")
    return {
        "shipping_address": _address(data.get("shipping_address")),
        "billing_address": _address(data.get("billing_address")),
        "payment_terms_days": int(config.get("PAYMENT_TERMS_DAYS", 30)) if terms is None else terms,
        "customer_reference": data.get("customer_reference"),
        "notes": data.get("notes"),
    }


def _totals(rows, currency):
    totals = lines.document_totals(rows, currency)
    return {key: totals[key] for key in ("net_total", "tax_total", "gross_total", "discount_total", "tax_lines")}


def create_order(conn, data, actor, config):
    """A draft order made directly (OrderCreateSchema): its lines priced from
    the price book (default: the standard one) in the tax country (default:
    the account's) on today's date.  Returns the row."""
    account = require_account(conn, data["account_id"])
    tax_country = data.get("tax_country") or (account["country"] or "").strip() or None
    if tax_country is None:
        raise ValidationFailed(
            f"Account {account['name']} has no country, so the tax rates to apply are unknown; give tax_country.",
            {"tax_country": ["Give the country whose tax applies (ISO 3166 alpha-2, like DE)."]})
    currency = data["currency"]
    rows, prices_include_tax = lines.price_lines(
        conn, data["lines"], currency=currency, price_book_id=data.get("price_book_id"), tax_country=tax_country,
        on_date=datetime.date.today())
    book_id = data.get("price_book_id") or catalog_store.standard_book(conn)["id"]
    order = store.insert_order(conn, {
        "account_id": str(account["id"]), "currency": currency, "price_book_id": str(book_id),
        "tax_country": tax_country, "prices_include_tax": prices_include_tax, "created_by": actor,
        **_fields(data, config), **_totals(rows, currency)})
    lines.insert_lines(conn, "order_lines", "order_id", order["id"], rows)
    return store.get_order(conn, order["id"])


def _existing_order_conflict(quote, order):
    return Conflict(f"Quote {quote['number']} already became order {order['number']} ({order['id']}); "
                    "a quote makes one order: open that one.", existing_id=str(order["id"]))


def _get_quote(conn, quote_id, lock=False):
    row = conn.execute("SELECT * FROM quotes WHERE id = %s" + (" FOR SHARE" if lock else ""), (quote_id,)).fetchone()
    if row is None:
        raise NotFound(f"No quote with id {quote_id}.")
    return row


def create_order_from_quote(conn, quote_id, data, actor, config):
    """A draft order from an accepted quote: the quote's account, currency,
    price book, tax country and lines with the same prices and rates
    (``lines.copy_lines``; each order line names its quote line in
    ``source_line_id``).  One order per quote: a second is a Conflict
    naming the first.  Returns the row."""
    quote = _get_quote(conn, quote_id)
    existing = store.order_for_quote(conn, quote_id)
    if existing is not None:
        raise _existing_order_conflict(quote, existing)
    account = require_account(conn, quote["account_id"])
    quote = _get_quote(conn, quote_id, lock=True)  # it cannot change while its order is made
    if quote["status"] != "accepted":
        message = (f"Quote {quote['number']} (revision {quote['revision']}) is {quote['status']}; only an accepted "
                   "quote becomes an order: accept it first, or create the order directly.")
        raise Conflict(message, errors={"quote_id": [message]}, status=quote["status"])
    currency = quote["currency"].strip()
    rows = lines.copy_lines(lines.lines_of(conn, "quote_lines", "quote_id", quote_id), currency,
                            quote["prices_include_tax"])
    values = {
        "account_id": str(account["id"]), "quote_id": str(quote["id"]),
        "opportunity_id": plain(quote["opportunity_id"]), "currency": currency,
        "price_book_id": plain(quote["price_book_id"]), "tax_country": quote["tax_country"],
        "prices_include_tax": quote["prices_include_tax"], "created_by": actor,
        **_fields(data, config), **_totals(rows, currency)}
    try:
        with conn.transaction():
            order = store.insert_order(conn, values)
    except psycopg.errors.UniqueViolation:  # made concurrently, after the look-up
        raise _existing_order_conflict(quote, store.order_for_quote(conn, quote_id)) from None
    lines.insert_lines(conn, "order_lines", "order_id", order["id"], rows)
    return store.get_order(conn, order["id"])


# Changing a draft -------------------------------------------------------------------

def _require_draft(row, doing):
    if row["status"] != "draft":
        message = (f"Order {row['number']} is {row['status']}; only a draft order can be {doing}. "
                   "Cancel it and make a new one, or ship, deliver and return what is there.")
        raise IllegalTransition(message, errors={"status": [message]}, current=row["status"],
                                allowed=list(states.allowed_targets(row["status"])))


def update_order(conn, order_id, changes, actor, expected_version=None):
    """PATCH a draft order (OrderUpdateSchema): its fields, and ``lines``
    replaced whole and priced again from the order's price book.  Returns
    the row (unchanged, same version, when nothing differs)."""
    row = lock_order(conn, order_id)
    versions.check_version(row, expected_version, "order")
    _require_draft(row, "changed")
    values = {}
    for key in EDITABLE:
        if key in changes:
            value = _address(changes[key]) if key.endswith("_address") else changes[key]
            if plain(row[key]) != value:
                values[key] = value
    if changes.get("lines") is not None:
        currency = row["currency"].strip()
        rows, _ = lines.price_lines(conn, changes["lines"], currency=currency, price_book_id=row["price_book_id"],
                                    tax_country=row["tax_country"], on_date=datetime.date.today(),
                                    prices_include_tax=row["prices_include_tax"])
        store.delete_lines(conn, row["id"])
        lines.insert_lines(conn, "order_lines", "order_id", row["id"], rows)
        values.update(_totals(rows, currency))
    if not values:
        return row
    store.update_order(conn, row["id"], values)
    return store.get_order(conn, row["id"])


def submit_order(conn, order_id, actor, expected_version=None):
    """draft -> submitted: the customer placed it (``order.placed`` with its lines and totals)."""
    row = lock_order(conn, order_id)
    versions.check_version(row, expected_version, "order")
    states.check_transition(row["status"], "submitted", row["number"])
    store.update_order(conn, row["id"], {"status": "submitted", "placed_at": datetime.datetime.now(datetime.UTC)})
    order = store.get_order(conn, row["id"])
    outbox.add(conn, "order.placed", {"order": order_snapshot(conn, order)})
    return order


def cancel_order(conn, order_id, reason, actor, expected_version=None):
    """draft or submitted (nothing shipped, nothing billed: every invoice of
    it void) -> cancelled (``order.cancelled``)."""
    row = lock_order(conn, order_id)
    versions.check_version(row, expected_version, "order")
    states.check_cancellable(row["status"], [line["shipped_quantity"] for line in store.order_lines(conn, row["id"])],
                             row["number"])
    invoice = store.live_invoice(conn, row["id"])
    if invoice is not None:
        if invoice["number"] is None:
            message = (f"Order {row['number']} has a draft invoice ({invoice['id']}); delete the draft first, "
                       "then cancel the order.")
        else:
            message = (f"Order {row['number']} is billed on invoice {invoice['number']} ({invoice['status']}); "
                       "finance must credit it in full first, then cancel the order.")
        raise Conflict(message, errors={"status": [message]}, invoice_id=str(invoice["id"]))
    store.update_order(conn, row["id"], {"status": "cancelled", "cancel_reason": reason,
                                         "cancelled_at": datetime.datetime.now(datetime.UTC)})
    order = store.get_order(conn, row["id"])
    outbox.add(conn, "order.cancelled", {"order": summary_snapshot(order), "reason": reason})
    return order


# Shipments --------------------------------------------------------------------------

def requested_quantities(order_lines_by_id, inputs, order_number, left, what):
    """``[(order_line_id, quantity)]`` from input lines (``{order_line_id,
    quantity}``) checked against the order: each a line of it, once, and at
    most ``left(line)``; ValidationFailed naming ``lines.N.<field>`` with
    how many are left otherwise (``what(line, left)`` says it)."""
    errors, seen, result = {}, set(), []
    for index, item in enumerate(inputs):
        line_id = str(item["order_line_id"])
        line = order_lines_by_id.get(line_id)
        if line is None:
            errors[f"lines.{index}.order_line_id"] = [f"Not a line of order {order_number}; use the id of one of "
                                                      "its lines (GET the order)."]
            continue
        if line_id in seen:
            errors[f"lines.{index}.order_line_id"] = ["This line is named twice; give it once with the whole "
                                                      "quantity."]
            continue
        seen.add(line_id)
        available = left(line)
        if Decimal(item["quantity"]) > available:
            errors[f"lines.{index}.quantity"] = [what(line, available)]
            continue
        result.append((line_id, Decimal(item["quantity"])))
    if errors:
        raise ValidationFailed("Some lines cannot be taken; see errors.", errors)
    return result


def _left_to_ship_message(line, available):
    text = money.decimal_text
    if available <= 0:
        return (f"Line {line['position']} ({line['name']}) is shipped in full ({text(line['quantity'])} of "
                f"{text(line['quantity'])}); nothing is left to ship.")
    return (f"Only {text(available)} of line {line['position']} ({line['name']}) are left to ship: "
            f"{text(line['quantity'])} ordered, {text(line['shipped_quantity'])} shipped.")


def create_shipment(conn, order_id, data, actor):
    """Ship some of a submitted (or partly shipped) order's lines
    (ShipmentCreateSchema): never more than ordered minus shipped per line.
    The order becomes partly_shipped or shipped; ``order.shipped``.
    Returns ``(order row, shipment snapshot)``."""
    order = lock_order(conn, order_id)
    if order["status"] not in states.SHIPPABLE:
        states.check_transition(order["status"], "shipped", order["number"])
    by_id = {str(line["id"]): line for line in store.order_lines(conn, order["id"])}
    quantities = requested_quantities(by_id, data["lines"], order["number"], states.left_to_ship,
                                      _left_to_ship_message)
    shipment = store.insert_shipment(conn, order, {"carrier": data.get("carrier"),
                                                   "tracking_number": data.get("tracking_number"),
                                                   "created_by": actor})
    store.insert_shipment_lines(conn, shipment["id"], quantities)
    for line_id, quantity in quantities:
        by_id[line_id] = store.add_to_line(conn, line_id, "shipped_quantity", quantity)
    status = states.status_after_shipping(by_id.values())
    if status != order["status"]:
        states.check_transition(order["status"], status, order["number"])
    store.update_order(conn, order["id"], {"status": status})
    order = store.get_order(conn, order["id"])
    snapshot = shipment_snapshot(shipment, store.shipment_lines(conn, [shipment["id"]]).get(str(shipment["id"]), []))
    outbox.add(conn, "order.shipped", {"order": summary_snapshot(order), "shipment": snapshot})
    return order, snapshot


def deliver_shipment(conn, shipment_id, delivered_at, actor):
    """A shipment arrived: its quantities count as delivered on their order
    lines.  When every line is shipped in full and every shipment is
    delivered, the order becomes delivered (``order.delivered``).  Returns
    the shipment snapshot."""
    order_id = store.get_shipment(conn, shipment_id)["order_id"]
    order = lock_order(conn, order_id)  # the order first, as every change of it does
    shipment = store.get_shipment(conn, shipment_id, lock="update")
    if shipment["status"] == "delivered":
        message = (f"Shipment {shipment['number']} was delivered already "
                   f"({shipment['delivered_at'].isoformat()}); nothing to do.")
        raise IllegalTransition(message, errors={"status": [message]}, current="delivered", allowed=[])
    now = datetime.datetime.now(datetime.UTC)
    delivered_at = delivered_at or now
    if delivered_at < shipment["shipped_at"] or delivered_at > now + datetime.timedelta(minutes=5):
        raise ValidationFailed(
            f"A delivery is between the shipment's departure ({shipment['shipped_at'].isoformat()}) and now.",
            {"delivered_at": ["Between the shipment's shipped_at and now; leave it out for now."]})
    shipment = store.update_shipment(conn, shipment["id"], {"status": "delivered", "delivered_at": delivered_at})
    shipment_lines = store.shipment_lines(conn, [shipment["id"]]).get(str(shipment["id"]), [])
    for line in shipment_lines:
        store.add_to_line(conn, line["order_line_id"], "delivered_quantity", line["quantity"])
    if states.is_delivered(store.order_lines(conn, order["id"]), store.shipments_of(conn, order["id"])):
        states.check_transition(order["status"], "delivered", order["number"])
        store.update_order(conn, order["id"], {"status": "delivered", "delivered_at": delivered_at})
        outbox.add(conn, "order.delivered", {"order": summary_snapshot(store.get_order(conn, order["id"]))})
    return shipment_snapshot(shipment, shipment_lines)
