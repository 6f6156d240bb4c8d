"""An order's status and the moves between statuses: pure rules, no
database, no broker.

::

    draft -> submitted -> partly_shipped -> shipped -> delivered
      \\          \\-------------------------^
       \\          \\
        `----------`--> cancelled

============== ==========================================================
from           to
============== ==========================================================
draft          submitted, cancelled
submitted      partly_shipped, shipped, cancelled (nothing shipped yet)
partly_shipped shipped
shipped        delivered
delivered      nothing: the order is complete (returns come after it)
cancelled      nothing
============== ==========================================================

``submitted``/``cancelled`` are asked for by people (submit, cancel); the
shipping statuses follow from shipments (``status_after_shipping``) and
deliveries (``is_delivered``), never from a request to set them.
"""

from decimal import Decimal

from shared.schemas.errors import IllegalTransition

STATUSES = ("draft", "submitted", "partly_shipped", "shipped", "delivered", "cancelled")
# Statuses in which goods may be shipped.
SHIPPABLE = ("submitted", "partly_shipped")
# Statuses of an order that is still to be fulfilled (customer value counts them as open).
OPEN = ("submitted", "partly_shipped", "shipped")

TRANSITIONS = {
    "draft": ("submitted", "cancelled"),
    "submitted": ("partly_shipped", "shipped", "cancelled"),
    "partly_shipped": ("shipped",),
    "shipped": ("delivered",),
    "delivered": (),
    "cancelled": (),
}
# What a person does to reach a status (for the messages).
ACTIONS = {
    "submitted": "submit it",
    "cancelled": "cancel it",
    "partly_shipped": "ship some of it",
    "shipped": "ship the rest",
    "delivered": "deliver its shipments",
}


def allowed_targets(current):
    return TRANSITIONS.get(current, ())


def _allowed_phrase(current):
    allowed = allowed_targets(current)
    if not allowed:
        return f"a {current} order cannot change status any more"
    return "from " + current + " it can become " + ", ".join(f"{target} ({ACTIONS[target]})" for target in allowed)


def check_transition(current, target, order_number=None):
    """IllegalTransition (409, with ``current``, ``target`` and ``allowed``)
    unless ``current -> target`` is in the table."""
    if target in allowed_targets(current):
        return
    what = f"Order {order_number}" if order_number else "The order"
    if current == target:
        message = f"{what} is already {current}; {_allowed_phrase(current)}."
    else:
        message = f"{what} is {current} and cannot become {target}; {_allowed_phrase(current)}."
    raise IllegalTransition(message, errors={"status": [message]}, current=current, target=target,
                            allowed=list(allowed_targets(current)))


def check_cancellable(current, shipped_quantities, order_number=None):
    """A draft or submitted order with nothing shipped may be cancelled."""
    check_transition(current, "cancelled", order_number)
    if any(Decimal(quantity) > 0 for quantity in shipped_quantities):
        message = "Part of the order has shipped, so it cannot be cancelled; create a return for what comes back."
        raise IllegalTransition(message, errors={"status": [message]}, current=current, target="cancelled",
                                allowed=[target for target in allowed_targets(current) if target != "cancelled"])


def status_after_shipping(lines):
    """``shipped`` when every line's shipped quantity reached its quantity,
    else ``partly_shipped`` (``lines``: dicts with ``quantity`` and
    ``shipped_quantity``)."""
    if all(Decimal(line["shipped_quantity"]) >= Decimal(line["quantity"]) for line in lines):
        return "shipped"
    return "partly_shipped"


def is_delivered(lines, shipments):
    """Every line is shipped in full and every shipment is delivered."""
    return (status_after_shipping(lines) == "shipped" and bool(shipments)
            and all(shipment["status"] == "delivered" for shipment in shipments))


def left_to_ship(line):
    return Decimal(line["quantity"]) - Decimal(line["shipped_quantity"])


def left_to_return(line):
    """What of a line can still be returned: delivered minus already returned."""
    return Decimal(line["delivered_quantity"]) - Decimal(line["returned_quantity"])
