"""An order's status moves: the pure table, and the service refusing an
illegal move (409 naming the allowed moves, nothing written, no event)."""

import pytest

from services.orders.orders import states
from shared.schemas.errors import Conflict, IllegalTransition, PreconditionFailed, ValidationFailed
from tests.orders.order_support import delivered_order, order_data, ship_all, submitted_order

# Unit: the table -------------------------------------------------------------------

LEGAL = {("draft", "submitted"), ("draft", "cancelled"), ("submitted", "partly_shipped"), ("submitted", "shipped"),
         ("submitted", "cancelled"), ("partly_shipped", "shipped"), ("shipped", "delivered")}


@pytest.mark.parametrize("current", states.STATUSES)
@pytest.mark.parametrize("target", states.STATUSES)
def test_only_the_legal_moves_pass(current, target):
    if (current, target) in LEGAL:
        states.check_transition(current, target)
        return
    with pytest.raises(IllegalTransition) as raised:
        states.check_transition(current, target, "SO-000001")
    error = raised.value
    assert error.status == 409
    assert error.extra == {"current": current, "target": target, "allowed": list(states.TRANSITIONS[current])}
    assert "SO-000001" in error.detail and error.errors["status"] == [error.detail]


def test_the_message_says_what_to_do():
    with pytest.raises(IllegalTransition) as raised:
        states.check_transition("draft", "shipped")
    assert "submitted (submit it)" in raised.value.detail
    with pytest.raises(IllegalTransition) as raised:
        states.check_transition("delivered", "cancelled")
    assert "cannot change status any more" in raised.value.detail


def test_cancel_needs_nothing_shipped():
    states.check_cancellable("submitted", ["0", "0"])
    with pytest.raises(IllegalTransition) as raised:
        states.check_cancellable("submitted", ["0", "1"])
    assert raised.value.extra["allowed"] == ["partly_shipped", "shipped"]


def test_shipping_and_delivery_follow_the_quantities():
    lines = [{"quantity": "2", "shipped_quantity": "2"}, {"quantity": "3", "shipped_quantity": "1.5"}]
    assert states.status_after_shipping(lines) == "partly_shipped"
    lines[1]["shipped_quantity"] = "3"
    assert states.status_after_shipping(lines) == "shipped"
    assert not states.is_delivered(lines, [{"status": "delivered"}, {"status": "shipped"}])
    assert states.is_delivered(lines, [{"status": "delivered"}])
    assert states.left_to_return({"delivered_quantity": "3", "returned_quantity": "1"}) == 2


# The service -----------------------------------------------------------------------

def test_submit_places_the_order(orders, db, events):
    order = orders.create_order(order_data(db, orders), "tester")

    submitted = orders.submit_order(order["id"], "tester", order["version"])

    assert submitted["status"] == "submitted" and submitted["version"] == 2 and submitted["placed_at"]
    events.settle(db, [order["id"]])
    placed = events.of("order.placed", order["id"])
    assert len(placed) == 1
    assert placed[0].data == {"order": submitted}
    assert placed[0].envelope["producer"] == "orders"


def test_an_illegal_move_is_refused_and_writes_nothing(orders, db, events):
    order = submitted_order(orders, db)

    with pytest.raises(IllegalTransition) as raised:
        orders.submit_order(order["id"], "tester")

    assert raised.value.extra["allowed"] == ["partly_shipped", "shipped", "cancelled"]
    assert orders.get_order(order["id"]) == order
    events.settle(db, [order["id"]])
    assert [event.type for event in events.of(subject_id=order["id"])] == ["order.placed"]


def test_a_delivered_order_cannot_be_cancelled(orders, db):
    order = delivered_order(orders, db)
    with pytest.raises(IllegalTransition) as raised:
        orders.cancel_order(order["id"], "changed mind", "tester")
    assert raised.value.extra["allowed"] == []
    assert orders.get_order(order["id"]) == order


def test_a_shipped_order_cannot_be_cancelled(orders, db):
    order = submitted_order(orders, db)
    ship_all(orders, order)
    shipped = orders.get_order(order["id"])
    with pytest.raises(IllegalTransition):
        orders.cancel_order(order["id"], "changed mind", "tester")
    assert orders.get_order(order["id"]) == shipped


def test_cancel_a_submitted_order(orders, db, events):
    order = submitted_order(orders, db)

    cancelled = orders.cancel_order(order["id"], "  Customer changed plans ", "tester", order["version"])

    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Customer changed plans"
    assert cancelled["cancelled_at"]
    events.settle(db, [order["id"]])
    [event] = events.of("order.cancelled", order["id"])
    assert event.data["reason"] == "Customer changed plans"
    assert event.data["order"]["status"] == "cancelled" and "lines" not in event.data["order"]
    with pytest.raises(IllegalTransition):
        orders.submit_order(order["id"])


def test_cancel_needs_a_reason_and_the_current_version(orders, db):
    order = orders.create_order(order_data(db, orders))
    with pytest.raises(ValidationFailed) as raised:
        orders.cancel_order(order["id"], " ")
    assert "reason" in raised.value.errors
    with pytest.raises(PreconditionFailed):
        orders.cancel_order(order["id"], "dup", "tester", order["version"] + 1)
    with pytest.raises(ValidationFailed):
        orders.cancel_order(order["id"], "dup", "tester", "first")
    assert orders.get_order(order["id"]) == order
    assert orders.cancel_order(order["id"], "dup")["status"] == "cancelled"


def test_a_billed_order_is_cancelled_only_after_a_full_credit(orders, db):
    order = submitted_order(orders, db, quantities=("1",))
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")

    with pytest.raises(Conflict) as raised:
        orders.cancel_order(order["id"], "No budget")
    assert "delete the draft first" in raised.value.detail

    issued = orders.issue_invoice(invoice["id"], "tester")
    with pytest.raises(Conflict) as raised:
        orders.cancel_order(order["id"], "No budget")
    assert issued["number"] in raised.value.detail and raised.value.extra["invoice_id"] == invoice["id"]
    assert orders.get_order(order["id"]) == order
