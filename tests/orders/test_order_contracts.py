"""What the orders and returns RPCs answer and their events carry matches
the shared schemas exactly (strict: no field more or less), and holds no
binary float anywhere."""

from shared.schemas.events import contract
from shared.schemas.orders.orders import OrderPageSchema, OrderSchema, ShipmentListSchema, ShipmentSchema
from shared.schemas.orders.returns import ReturnPageSchema, ReturnSchema
from tests.orders.order_support import accepted_quote, account, ship_all


def floats(value, path="$"):
    if isinstance(value, float):
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in floats(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in floats(item, f"{path}[{index}]")]
    return []


def conforms(schema, value):
    schema.load(value)  # raises on a missing, unknown or mistyped field
    assert floats(value) == []


def test_results_and_events_match_their_schemas(orders, db, events):
    quote_id = accepted_quote(db, account(db), currency="KWD", lines=(("3", "1.2345", "20"), ("1", "7", "0")))
    order = orders.create_order_from_quote(quote_id, {"shipping_address": {"city": "Kuwait City", "country": "kw"}})
    order = orders.submit_order(order["id"])
    conforms(OrderSchema(), order)
    assert order["totals"]["net_total"] == "10.704" and order["lines"][0]["net_amount"] == "3.704"

    shipment = ship_all(orders, order)
    conforms(ShipmentSchema(), shipment)
    conforms(ShipmentSchema(), orders.deliver_shipment(shipment["id"]))
    conforms(ShipmentListSchema(), orders.list_shipments(order["id"]))
    rma = orders.create_return(order["id"], {"lines": [{"order_line_id": order["lines"][0]["id"], "quantity": "1"}],
                                             "reason": "defective", "resolution": "refund"})
    conforms(ReturnSchema(), rma)
    conforms(OrderSchema(), orders.get_order(order["id"]))
    conforms(OrderPageSchema(), orders.list_orders({"account_id": order["account_id"]}))
    conforms(ReturnPageSchema(), orders.list_returns({"order_id": order["id"]}))

    events.settle(db, [order["id"], rma["id"]])
    received = events.of(subject_id=order["id"]) + events.of(subject_id=rma["id"])
    assert {event.type for event in received} == {"order.placed", "order.shipped", "order.delivered",
                                                  "return.created"}
    for event in received:
        conforms(contract(event.type).schema(), event.data)
