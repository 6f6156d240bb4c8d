"""Sales orders of the orders service: made from an accepted quote or
directly, changed while draft, submitted, cancelled, and shipped in
shipments that are then delivered."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, created, listing, patch, versioned
from shared.schemas.orders.orders import (
    OrderCancelSchema,
    OrderCountQuerySchema,
    OrderCountsSchema,
    OrderCreateSchema,
    OrderFromQuoteSchema,
    OrderPageSchema,
    OrderQuerySchema,
    OrderSchema,
    OrderUpdateSchema,
    ShipmentCreateSchema,
    ShipmentDeliverSchema,
    ShipmentListSchema,
    ShipmentSchema,
)

bp = Blueprint("orders", __name__, url_prefix="/api/v1")
TAGS = ["orders"]
SHIPMENT_TAGS = ["shipments"]
ORDER_HEADERS = {"Location": "The order's URL.", "ETag": "The order's version."}


def _created_order(order):
    return created(order, "orders.get_order", order_id=order["id"])


@bp.get("/orders")
@requires("orders:read")
@operation("List orders (filtered; newest first, or sorted)", tags=TAGS, query=OrderQuerySchema,
           response=OrderPageSchema,
           description="`status` may repeat (`status=submitted&status=partly_shipped`) or hold commas; `q` finds "
                       "part of the order number or the customer's reference (PO number). Items have no lines.")
def list_orders(query):
    return listing("orders", "list_orders", query)


@bp.post("/orders")
@requires("orders:write")
@operation("Create an order directly (without a quote)", tags=TAGS, body=OrderCreateSchema, response=OrderSchema,
           status=201, headers=ORDER_HEADERS,
           description="A draft order: each line is priced from the price book (default: the standard one) unless "
                       "`unit_price` is given, taxed at its category's rate in `tax_country` (default: the "
                       "account's country). 422 names the line field at fault (`lines.0.product_id`).")
def create_order(body):
    return _created_order(call("orders", "create_order", body.wire(), actor()))


@bp.post("/quotes/<uuid:quote_id>/order")
@requires("orders:write")
@operation("Make the order of an accepted quote", tags=TAGS + ["quotes"], body=OrderFromQuoteSchema,
           body_optional=True, response=OrderSchema, status=201, headers=ORDER_HEADERS, problems=(409,),
           description="A draft order with the quote's account, currency and lines at the same prices and tax "
                       "rates. A quote makes one order: 409 with `existing_id` when it has one; 409 when the quote "
                       "is not accepted.")
def create_order_from_quote(quote_id, body):
    return _created_order(call("orders", "create_order_from_quote", str(quote_id), body.wire(), actor()))


@bp.get("/orders/counts")
@requires("orders:read")
@operation("Count orders by status", tags=TAGS, query=OrderCountQuerySchema, response=OrderCountsSchema,
           description="The numbers beside the list's status links: the list's filters but `status` (and paging "
                       "and sort, which are refused here), every status present (0 when none).")
def count_orders(query):
    return listing("orders", "count_orders", query)


@bp.get("/orders/<uuid:order_id>")
@requires("orders:read")
@operation("Get an order with its lines and shipments", tags=TAGS, response=OrderSchema,
           headers={"ETag": "The order's version, for If-Match."},
           description="Each line shows how much of it was shipped, delivered and returned.")
def get_order(order_id):
    return versioned(call("orders", "get_order", str(order_id)))


@bp.patch("/orders/<uuid:order_id>")
@requires("orders:write")
@operation("Change a draft order", tags=TAGS, body=OrderUpdateSchema, response=OrderSchema,
           headers={"ETag": "The order's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Only a draft changes (409 otherwise). `lines` replaces every line, priced again from the "
                       "order's price book. Send the ETag of your GET in If-Match to be told (412) when someone "
                       "changed the order in between.")
def update_order(order_id, body, expected_version):
    return patch("orders", "update_order", str(order_id), body, expected_version)


@bp.post("/orders/<uuid:order_id>/submit")
@requires("orders:write")
@operation("Submit a draft order (the customer placed it)", tags=TAGS, response=OrderSchema,
           headers={"ETag": "The order's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="draft -> submitted; 409 with `allowed` (the legal next statuses) from any other status.")
def submit_order(order_id, expected_version):
    return versioned(call("orders", "submit_order", str(order_id), actor(), expected_version))


@bp.post("/orders/<uuid:order_id>/cancel")
@requires("orders:write")
@operation("Cancel an order", tags=TAGS, body=OrderCancelSchema, response=OrderSchema,
           headers={"ETag": "The order's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="A draft or submitted order with nothing shipped; 409 with `allowed` otherwise (what has "
                       "shipped comes back through a return).")
def cancel_order(order_id, body, expected_version):
    return versioned(call("orders", "cancel_order", str(order_id), body["reason"], actor(), expected_version))


@bp.get("/orders/<uuid:order_id>/shipments")
@requires("orders:read")
@operation("An order's shipments, oldest first", tags=SHIPMENT_TAGS, response=ShipmentListSchema)
def list_shipments(order_id):
    return call("orders", "list_shipments", str(order_id))


@bp.post("/orders/<uuid:order_id>/shipments")
@requires("orders:write")
@operation("Ship some or all of an order's lines", tags=SHIPMENT_TAGS, body=ShipmentCreateSchema,
           response=ShipmentSchema, status=201, headers={"ETag": "The shipment's version."}, problems=(409,),
           description="A submitted or partly shipped order; each line at most what is ordered minus shipped (422 "
                       "on `lines.N.quantity` says how many are left). The order becomes partly_shipped or shipped.")
def create_shipment(order_id, body):
    return versioned(call("orders", "create_shipment", str(order_id), body.wire(), actor()), 201)


@bp.post("/shipments/<uuid:shipment_id>/deliver")
@requires("orders:write")
@operation("Record that a shipment was delivered", tags=SHIPMENT_TAGS, body=ShipmentDeliverSchema,
           body_optional=True, response=ShipmentSchema, headers={"ETag": "The shipment's version."},
           problems=(409,),
           description="When every line is shipped in full and every shipment delivered, the order becomes "
                       "delivered. 409 when the shipment was delivered already.")
def deliver_shipment(shipment_id, body):
    return versioned(call("orders", "deliver_shipment", str(shipment_id), body.wire().get("delivered_at"), actor()))
