"""The orders, shipments and returns routes of the gateway: who may use
each (401 without a token, 403 for a role without the permission, nothing
sent to a service), what each sends to the service, bad input answered
4xx before a service is asked, and their OpenAPI documentation."""

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed
from tests.gateway.conftest import bearer
from tests.gateway.route_tables import (
    PAGE,
    ROLES,
    AreaChecks,
    FormBodyCheck,
    SchemaChecks,
    answering,
    entity,
    send,
    without,
)

ORDER_ID = "0e0e0e0e-5555-4c1e-9a55-2f9f5f0d1a66"
QUOTE_ID = "0f0f0f0f-6666-4c1e-9a55-2f9f5f0d1a77"
SHIPMENT_ID = "1a1a1a1a-7777-4c1e-9a55-2f9f5f0d1a88"
RETURN_ID = "2b2b2b2b-8888-4c1e-9a55-2f9f5f0d1a99"
LINE_ID = "3c3c3c3c-9999-4c1e-9a55-2f9f5f0d1aaa"
ACCOUNT_ID = "5a0c2f7e-3b1d-4c2a-9e8f-1d2c3b4a5e61"
PRODUCT_ID = "4d4d4d4d-aaaa-4c1e-9a55-2f9f5f0d1abb"

# The brief's permission table, written out (not read from gateway.auth).
ALLOWED = {
    "orders:read": set(ROLES),
    "orders:write": {"admin", "sales"},
}

ORDER_BODY = {"account_id": ACCOUNT_ID, "currency": "eur", "lines": [{"product_id": PRODUCT_ID, "quantity": "2"}]}
SHIPMENT_BODY = {"lines": [{"order_line_id": LINE_ID, "quantity": "1"}], "carrier": "DHL", "tracking_number": "T1"}
RETURN_BODY = {"lines": [{"order_line_id": LINE_ID, "quantity": "1"}], "reason": "damaged", "resolution": "refund"}
ORDER = f"/api/v1/orders/{ORDER_ID}"
RETURN = f"/api/v1/returns/{RETURN_ID}"

# method, path, permission, a valid body, the RPC (service, method) it makes
ROUTES = [
    ("GET", "/api/v1/orders", "orders:read", None, ("orders", "list_orders")),
    ("GET", "/api/v1/orders/counts", "orders:read", None, ("orders", "count_orders")),
    ("POST", "/api/v1/orders", "orders:write", ORDER_BODY, ("orders", "create_order")),
    ("POST", f"/api/v1/quotes/{QUOTE_ID}/order", "orders:write", {"customer_reference": "PO-1"},
     ("orders", "create_order_from_quote")),
    ("GET", ORDER, "orders:read", None, ("orders", "get_order")),
    ("PATCH", ORDER, "orders:write", {"notes": "Gate 4"}, ("orders", "update_order")),
    ("POST", f"{ORDER}/submit", "orders:write", None, ("orders", "submit_order")),
    ("POST", f"{ORDER}/cancel", "orders:write", {"reason": "Changed plans"}, ("orders", "cancel_order")),
    ("GET", f"{ORDER}/shipments", "orders:read", None, ("orders", "list_shipments")),
    ("POST", f"{ORDER}/shipments", "orders:write", SHIPMENT_BODY, ("orders", "create_shipment")),
    ("POST", f"/api/v1/shipments/{SHIPMENT_ID}/deliver", "orders:write", {}, ("orders", "deliver_shipment")),
    ("GET", "/api/v1/returns", "orders:read", None, ("orders", "list_returns")),
    ("POST", f"{ORDER}/returns", "orders:write", RETURN_BODY, ("orders", "create_return")),
    ("GET", RETURN, "orders:read", None, ("orders", "get_return")),
    ("POST", f"{RETURN}/receive", "orders:write", None, ("orders", "receive_return")),
    ("POST", f"{RETURN}/close", "orders:write", None, ("orders", "close_return")),
]


ANSWERS = {
    ("orders", "list_orders"): PAGE,
    ("orders", "count_orders"): {"by_status": {"draft": 1, "submitted": 2, "partly_shipped": 0, "shipped": 0,
                                               "delivered": 0, "cancelled": 0}, "total": 3},
    ("orders", "create_order"): entity(ORDER_ID),
    ("orders", "create_order_from_quote"): entity(ORDER_ID),
    ("orders", "get_order"): entity(ORDER_ID, 2),
    ("orders", "update_order"): entity(ORDER_ID, 3),
    ("orders", "submit_order"): entity(ORDER_ID, 4),
    ("orders", "cancel_order"): entity(ORDER_ID, 5),
    ("orders", "list_shipments"): {"items": []},
    ("orders", "create_shipment"): entity(SHIPMENT_ID),
    ("orders", "deliver_shipment"): entity(SHIPMENT_ID, 2),
    ("orders", "list_returns"): PAGE,
    ("orders", "create_return"): entity(RETURN_ID),
    ("orders", "get_return"): entity(RETURN_ID),
    ("orders", "receive_return"): entity(RETURN_ID, 2),
    ("orders", "close_return"): entity(RETURN_ID, 3),
}


answered = answering(ANSWERS)


# What is sent -----------------------------------------------------------------------

def test_create_sends_the_loaded_body_and_answers_201(client, tokens, answered, gdb):
    response = send(client, "POST", "/api/v1/orders", ORDER_BODY, bearer(tokens["sales"]))
    assert response.status_code == 201
    assert response.headers["Location"].endswith(ORDER) and response.headers["ETag"] == '"1"'
    [(_, _, (data, actor))] = answered.calls
    assert data == {"account_id": ACCOUNT_ID, "currency": "EUR", "lines": [{"product_id": PRODUCT_ID,
                                                                            "quantity": "2"}]}
    assert actor.startswith("sales")


def test_actions_send_their_arguments(client, tokens, answered):
    headers = bearer(tokens["admin"])
    send(client, "POST", f"/api/v1/quotes/{QUOTE_ID}/order", None, headers)
    send(client, "POST", f"{ORDER}/submit", None, {**headers, "If-Match": '"3"'})
    send(client, "POST", f"{ORDER}/cancel", {"reason": " No budget "}, {**headers, "If-Match": '"4"'})
    send(client, "PATCH", ORDER, {"notes": "x"}, {**headers, "If-Match": '"2"'})
    send(client, "POST", f"/api/v1/shipments/{SHIPMENT_ID}/deliver", {"delivered_at": "2026-12-01T10:00:00+01:00"},
         headers)
    send(client, "POST", f"/api/v1/shipments/{SHIPMENT_ID}/deliver", None, headers)
    actor = answered.calls[0][2][2]
    assert answered.calls[0][2] == (QUOTE_ID, {}, actor)
    assert [args for _, _, args in answered.calls[1:]] == [
        (ORDER_ID, actor, 3),
        (ORDER_ID, "No budget", actor, 4),
        (ORDER_ID, {"notes": "x"}, actor, 2),
        (SHIPMENT_ID, "2026-12-01T10:00:00+01:00", actor),
        (SHIPMENT_ID, None, actor),
    ]


def test_counts_send_the_lists_filters(client, tokens, answered):
    response = client.get(f"/api/v1/orders/counts?account_id={ACCOUNT_ID}&quote_id={QUOTE_ID}&q=PO",
                          headers=bearer(tokens["support"]))
    assert response.status_code == 200
    assert response.get_json() == ANSWERS[("orders", "count_orders")]
    [(_, method, (query,))] = answered.calls
    assert method == "count_orders"
    assert query == {"account_id": ACCOUNT_ID, "quote_id": QUOTE_ID, "q": "PO"}


# Bad input --------------------------------------------------------------------------

BODY_CASES = {
    ("POST", "/api/v1/orders"): [
        ({}, "account_id"),
        (without(ORDER_BODY, "lines"), "lines"),
        (without(ORDER_BODY, "currency"), "currency"),
        ({**ORDER_BODY, "lines": []}, "lines"),
        ({**ORDER_BODY, "lines": [{"quantity": "1.00001"}]}, "lines"),
        ({**ORDER_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": 1.5, "colour": "red"}]}, "lines"),
        ({**ORDER_BODY, "lines": [{"product_id": PRODUCT_ID, "quantity": "1", "unit_price": "-1"}]}, "lines"),
        ({**ORDER_BODY, "account_id": "not-a-uuid"}, "account_id"),
        ({**ORDER_BODY, "currency": "euro"}, "currency"),
        ({**ORDER_BODY, "tax_country": "Austria"}, "tax_country"),
        ({**ORDER_BODY, "payment_terms_days": 12.5}, "payment_terms_days"),
        ({**ORDER_BODY, "payment_terms_days": "soon"}, "payment_terms_days"),
        ({**ORDER_BODY, "shipping_address": {"planet": "Mars"}}, "shipping_address"),
        ({**ORDER_BODY, "shipping_address": {"country": "Mars"}}, "shipping_address"),
        ({**ORDER_BODY, "customer_reference": "r" * 101}, "customer_reference"),
        ({**ORDER_BODY, "status": "submitted"}, "status"),
    ],
    ("POST", f"/api/v1/quotes/{QUOTE_ID}/order"): [
        ({"lines": []}, "lines"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"notes": "n" * 2001}, "notes"),
    ],
    ("PATCH", ORDER): [
        ({}, "_schema"),
        ({"lines": []}, "lines"),
        ({"currency": "USD"}, "currency"),
        ({"status": "shipped"}, "status"),
        ({"billing_address": "Main St 1"}, "billing_address"),
    ],
    ("POST", f"{ORDER}/cancel"): [
        ({}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "r" * 501}, "reason"),
        ({"reason": "x", "refund": True}, "refund"),
    ],
    ("POST", f"{ORDER}/shipments"): [
        ({}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"order_line_id": "x", "quantity": "1"}]}, "lines"),
        ({"lines": [{"order_line_id": LINE_ID, "quantity": "0"}]}, "lines"),
        ({"lines": [{"order_line_id": LINE_ID}]}, "lines"),
        ({**SHIPMENT_BODY, "tracking_number": "t" * 101}, "tracking_number"),
    ],
    ("POST", f"/api/v1/shipments/{SHIPMENT_ID}/deliver"): [
        ({"delivered_at": "yesterday"}, "delivered_at"),
        ({"delivered_at": "2026-12-01T10:00:00"}, "delivered_at"),
        ({"signed_by": "Ann"}, "signed_by"),
    ],
    ("POST", f"{ORDER}/returns"): [
        ({}, "lines"),
        (without(RETURN_BODY, "reason"), "reason"),
        (without(RETURN_BODY, "resolution"), "resolution"),
        ({**RETURN_BODY, "reason": "broken"}, "reason"),
        ({**RETURN_BODY, "reason": "other"}, "note"),
        ({**RETURN_BODY, "resolution": "voucher"}, "resolution"),
        ({**RETURN_BODY, "lines": [{"order_line_id": LINE_ID, "quantity": "-1"}]}, "lines"),
    ],
}
QUERY_CASES = [
    ("/api/v1/orders?status=lost", "status"),
    ("/api/v1/orders?sort=price", "sort"),
    ("/api/v1/orders?account_id=nope", "account_id"),
    ("/api/v1/orders?limit=0", "limit"),
    ("/api/v1/orders?cursor=%25%25", "cursor"),
    ("/api/v1/orders?colour=red", "colour"),
    ("/api/v1/orders/counts?status=draft", "status"),
    ("/api/v1/orders/counts?sort=number", "sort"),
    ("/api/v1/orders/counts?limit=10", "limit"),
    ("/api/v1/orders/counts?cursor=abc", "cursor"),
    ("/api/v1/orders/counts?quote_id=nope", "quote_id"),
    ("/api/v1/returns?status=lost", "status"),
    ("/api/v1/returns?order_id=nope", "order_id"),
    ("/api/v1/returns?sort=reason", "sort"),
]
MALFORMED = [
    ("GET", "/api/v1/orders/SO-000001", None), ("POST", "/api/v1/orders/nope/submit", {}),
    ("POST", "/api/v1/shipments/1/deliver", {}), ("GET", "/api/v1/returns/RMA-1", None),
    ("POST", "/api/v1/quotes/Q-1/order", {}),
]
SERVICE_ERRORS = [("submit_order", error, status) for error, status in [
    (NotFound("No order with id x."), 404), (IllegalTransition("Order is draft.", allowed=["submitted"]), 409),
    (Conflict("Quote Q-1 already became order SO-1.", existing_id=ORDER_ID), 409),
    (PreconditionFailed("Changed.", current_version=4), 412),
]]


# The document -----------------------------------------------------------------------

CREATES = ("/orders", "/order", "/shipments", "/returns")  # POSTs on these answer 201
PATHS = {
    ("/api/v1/orders", "get"): ("OrderPage", None),
    ("/api/v1/orders/counts", "get"): ("OrderCounts", None),
    ("/api/v1/orders", "post"): ("Order", "OrderCreate"),
    ("/api/v1/quotes/{quote_id}/order", "post"): ("Order", "OrderFromQuote"),
    ("/api/v1/orders/{order_id}", "get"): ("Order", None),
    ("/api/v1/orders/{order_id}", "patch"): ("Order", "OrderUpdate"),
    ("/api/v1/orders/{order_id}/submit", "post"): ("Order", None),
    ("/api/v1/orders/{order_id}/cancel", "post"): ("Order", "OrderCancel"),
    ("/api/v1/orders/{order_id}/shipments", "get"): ("ShipmentList", None),
    ("/api/v1/orders/{order_id}/shipments", "post"): ("Shipment", "ShipmentCreate"),
    ("/api/v1/shipments/{shipment_id}/deliver", "post"): ("Shipment", "ShipmentDeliver"),
    ("/api/v1/returns", "get"): ("ReturnPage", None),
    ("/api/v1/orders/{order_id}/returns", "post"): ("Return", "ReturnCreate"),
    ("/api/v1/returns/{return_id}", "get"): ("Return", None),
    ("/api/v1/returns/{return_id}/receive", "post"): ("Return", None),
    ("/api/v1/returns/{return_id}/close", "post"): ("Return", None),
}


class TestOrderRoutes(AreaChecks, SchemaChecks, FormBodyCheck):
    routes, allowed, answers = ROUTES, ALLOWED, ANSWERS
    bad_bodies, bad_queries, malformed, service_errors = BODY_CASES, QUERY_CASES, MALFORMED, SERVICE_ERRORS
    form_route = "/api/v1/orders"
    ids = {ORDER_ID: "{order_id}", QUOTE_ID: "{quote_id}", SHIPMENT_ID: "{shipment_id}", RETURN_ID: "{return_id}"}
    schemas = {(path, method): (response, request, "201" if method == "post" and path.endswith(CREATES) else "200")
               for (path, method), (response, request) in PATHS.items()}

    @staticmethod
    def covers(rule):
        return rule.endpoint.split(".")[0] in ("orders", "returns")
