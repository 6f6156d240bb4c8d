"""Returns (RMA) of delivered order lines, of the orders service: opened
against an order, received, closed; a refund credits what was invoiced."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, created, listing, versioned
from shared.schemas.orders.returns import ReturnCreateSchema, ReturnPageSchema, ReturnQuerySchema, ReturnSchema

bp = Blueprint("returns", __name__, url_prefix="/api/v1")
TAGS = ["returns"]


@bp.get("/returns")
@requires("orders:read")
@operation("List returns (filtered; newest first, or sorted)", tags=TAGS, query=ReturnQuerySchema,
           response=ReturnPageSchema, description="`status` may repeat or hold commas; `q` finds part of the number.")
def list_returns(query):
    return listing("orders", "list_returns", query)


@bp.post("/orders/<uuid:order_id>/returns")
@requires("orders:write")
@operation("Open a return of delivered order lines", tags=TAGS + ["orders"], body=ReturnCreateSchema,
           response=ReturnSchema, status=201,
           headers={"Location": "The return's URL.", "ETag": "The return's version."},
           description="Each line at most what was delivered minus already returned (422 on `lines.N.quantity` says "
                       "how many can be returned). A refund credits the invoiced part of the lines at once "
                       "(`credit_note_id`); a replacement changes nothing financial.")
def create_return(order_id, body):
    rma = call("orders", "create_return", str(order_id), body.wire(), actor())
    return created(rma, "returns.get_return", return_id=rma["id"])


@bp.get("/returns/<uuid:return_id>")
@requires("orders:read")
@operation("Get a return", tags=TAGS, response=ReturnSchema, headers={"ETag": "The return's version."})
def get_return(return_id):
    return versioned(call("orders", "get_return", str(return_id)))


@bp.post("/returns/<uuid:return_id>/receive")
@requires("orders:write")
@operation("Record that a return's goods came back", tags=TAGS, response=ReturnSchema,
           headers={"ETag": "The return's version."}, problems=(409,),
           description="open -> received; 409 with `allowed` otherwise.")
def receive_return(return_id):
    return versioned(call("orders", "receive_return", str(return_id), actor()))


@bp.post("/returns/<uuid:return_id>/close")
@requires("orders:write")
@operation("Close a received return", tags=TAGS, response=ReturnSchema, headers={"ETag": "The return's version."},
           problems=(409,), description="received -> closed; 409 with `allowed` otherwise.")
def close_return(return_id):
    return versioned(call("orders", "close_return", str(return_id), actor()))
