"""Shipments: never more than ordered minus shipped (also under concurrent
shipments), partly shipped and shipped, delivery making the order
delivered, and their events."""

import uuid

import pytest

from shared.schemas.errors import IllegalTransition, NotFound, ValidationFailed
from tests.orders.conftest import concurrently
from tests.orders.order_support import order_data, ship_all, submitted_order


def shipment(orders, order, *quantities, **fields):
    lines = [{"order_line_id": line["id"], "quantity": quantity}
             for line, quantity in zip(order["lines"], quantities, strict=False) if quantity is not None]
    return orders.create_shipment(order["id"], {"lines": lines, **fields}, "tester")


def shipped(db, order_id):
    return [str(row["shipped_quantity"].normalize()) for row in
            db.all("SELECT shipped_quantity FROM order_lines WHERE order_id = %s ORDER BY position", (order_id,))]


def test_a_partial_shipment_then_the_rest(orders, db, events):
    order = submitted_order(orders, db, quantities=("2", "3"))

    first = shipment(orders, order, "2", "1", carrier="DHL", tracking_number=" 00340434 ")

    assert first["number"] == f"{order['number']}-1" and first["status"] == "shipped"
    assert first["carrier"] == "DHL" and first["tracking_number"] == "00340434"
    assert [(line["position"], line["quantity"]) for line in first["lines"]] == [(1, "2"), (2, "1")]
    after_first = orders.get_order(order["id"])
    assert after_first["status"] == "partly_shipped"
    assert [line["shipped_quantity"] for line in after_first["lines"]] == ["2", "1"]

    second = shipment(orders, order, None, "2")

    assert second["number"] == f"{order['number']}-2"
    done = orders.get_order(order["id"])
    assert done["status"] == "shipped"
    assert done["shipments"] == [first, second] == orders.list_shipments(order["id"])["items"]
    events.settle(db, [order["id"]])
    shipped_events = events.of("order.shipped", order["id"])
    assert [event.data["shipment"] for event in shipped_events] == [first, second]
    assert [event.data["order"]["status"] for event in shipped_events] == ["partly_shipped", "shipped"]


def test_over_shipping_is_refused_saying_how_many_are_left(orders, db):
    order = submitted_order(orders, db, quantities=("2", "3"))
    shipment(orders, order, "1", "3")
    before = orders.get_order(order["id"])

    with pytest.raises(ValidationFailed) as raised:
        shipment(orders, order, "2", "1")

    errors = raised.value.errors
    assert errors["lines.0.quantity"] == [f"Only 1 of line 1 ({order['lines'][0]['name']}) are left to ship: "
                                          "2 ordered, 1 shipped."]
    assert "nothing is left to ship" in errors["lines.1.quantity"][0]
    assert orders.get_order(order["id"]) == before
    assert db.scalar("SELECT count(*) FROM shipments WHERE order_id = %s", (order["id"],)) == 1


def test_lines_of_another_order_or_twice_are_refused(orders, db):
    order = submitted_order(orders, db, quantities=("2",))
    other = submitted_order(orders, db, quantities=("2",))
    line_id = order["lines"][0]["id"]
    with pytest.raises(ValidationFailed) as raised:
        orders.create_shipment(order["id"], {"lines": [{"order_line_id": other["lines"][0]["id"], "quantity": "1"},
                                                       {"order_line_id": line_id, "quantity": "1"},
                                                       {"order_line_id": line_id, "quantity": "1"}]})
    assert set(raised.value.errors) == {"lines.0.order_line_id", "lines.2.order_line_id"}
    assert orders.get_order(order["id"]) == order


@pytest.mark.parametrize("data, field", [
    ({}, "lines"),
    ({"lines": []}, "lines"),
    ({"lines": [{"order_line_id": "x", "quantity": "1"}]}, "lines"),
    ({"lines": [{"quantity": "1"}]}, "lines"),
    ({"lines": [{"order_line_id": str(uuid.uuid4()), "quantity": "-1"}]}, "lines"),
    ({"lines": [{"order_line_id": str(uuid.uuid4()), "quantity": "1"}], "carrier": "c" * 101}, "carrier"),
    ({"lines": [{"order_line_id": str(uuid.uuid4()), "quantity": "1"}], "parcel": 1}, "parcel"),
])
def test_bad_shipment_input(orders, db, data, field):
    order = submitted_order(orders, db, quantities=("1",))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_shipment(order["id"], data)
    assert field in raised.value.errors
    assert orders.get_order(order["id"]) == order


def test_a_draft_or_cancelled_order_does_not_ship(orders, db):
    draft = orders.create_order(order_data(db, orders, quantities=("1",)))
    with pytest.raises(IllegalTransition) as raised:
        shipment(orders, draft, "1")
    assert "submit it" in raised.value.detail
    orders.cancel_order(draft["id"], "no")
    with pytest.raises(IllegalTransition):
        shipment(orders, draft, "1")
    assert db.scalar("SELECT count(*) FROM shipments WHERE order_id = %s", (draft["id"],)) == 0
    with pytest.raises(NotFound):
        orders.create_shipment(str(uuid.uuid4()), {"lines": [{"order_line_id": str(uuid.uuid4()), "quantity": "1"}]})


def test_concurrent_shipments_never_over_ship(orders, db, rpc_proxy):
    order = submitted_order(orders, db, quantities=("5", "3"))
    lines = [{"order_line_id": line["id"], "quantity": "1"} for line in order["lines"]]

    results = concurrently(rpc_proxy, [lambda cluster: cluster.orders.create_shipment(order["id"], {"lines": lines})]
                           * 8)

    made = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if not isinstance(result, dict)]
    assert len(made) == 3, results  # the second line has 3
    assert all(isinstance(error, ValidationFailed) for error in refused)
    assert shipped(db, order["id"]) == ["3", "3"]
    assert db.scalar("SELECT count(*) FROM shipments WHERE order_id = %s", (order["id"],)) == 3
    assert orders.get_order(order["id"])["status"] == "partly_shipped"


def test_delivering_every_shipment_delivers_the_order(orders, db, events):
    order = submitted_order(orders, db, quantities=("2", "3"))
    first = shipment(orders, order, "2", "1")

    delivered = orders.deliver_shipment(first["id"], None, "tester")

    assert delivered["status"] == "delivered" and delivered["delivered_at"] and delivered["version"] == 2
    partly = orders.get_order(order["id"])
    assert partly["status"] == "partly_shipped"
    assert [line["delivered_quantity"] for line in partly["lines"]] == ["2", "1"]

    second = shipment(orders, order, None, "2")
    assert orders.get_order(order["id"])["status"] == "shipped"
    orders.deliver_shipment(second["id"])

    done = orders.get_order(order["id"])
    assert done["status"] == "delivered" and done["delivered_at"]
    assert [line["delivered_quantity"] for line in done["lines"]] == ["2", "3"]
    events.settle(db, [order["id"]])
    [event] = events.of("order.delivered", order["id"])
    assert event.data == {"order": {key: value for key, value in done.items() if key not in ("lines", "shipments")}}


def test_a_shipment_is_delivered_once(orders, db):
    order = submitted_order(orders, db, quantities=("1",))
    made = ship_all(orders, order)
    orders.deliver_shipment(made["id"])
    before = orders.get_order(order["id"])

    with pytest.raises(IllegalTransition) as raised:
        orders.deliver_shipment(made["id"])

    assert "delivered already" in raised.value.detail
    assert orders.get_order(order["id"]) == before


def test_a_delivery_time_must_be_after_shipping_and_not_ahead(orders, db):
    order = submitted_order(orders, db, quantities=("1",))
    made = ship_all(orders, order)
    for when in ("2000-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"):
        with pytest.raises(ValidationFailed) as raised:
            orders.deliver_shipment(made["id"], when)
        assert "delivered_at" in raised.value.errors
    with pytest.raises(ValidationFailed):
        orders.deliver_shipment(made["id"], "yesterday")
    with pytest.raises(NotFound):
        orders.deliver_shipment(str(uuid.uuid4()))
    assert orders.get_order(order["id"])["status"] == "shipped"


def test_a_keyed_shipment_called_twice_ships_once(orders, db, rpc_proxy):
    order = submitted_order(orders, db, quantities=("4",))
    data = {"lines": [{"order_line_id": order["lines"][0]["id"], "quantity": "1"}]}
    key = f"test-{uuid.uuid4()}"

    answers = []
    for _ in range(2):
        with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
            answers.append(cluster.orders.create_shipment(order["id"], data, "tester"))

    assert answers[0] == answers[1]
    assert shipped(db, order["id"]) == ["1"]
    assert db.scalar("SELECT count(*) FROM shipments WHERE order_id = %s", (order["id"],)) == 1
