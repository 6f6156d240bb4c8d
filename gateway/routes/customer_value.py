"""An account's value as the orders service sees it (the "Orders" section of
the account page): lifetime revenue, open orders, unpaid and overdue
balance, order dates, count and average."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from shared.schemas.orders.customers import VALUE_RULES, CustomerValueSchema

bp = Blueprint("customer_value", __name__, url_prefix="/api/v1/accounts")
TAGS = ["customer value"]


@bp.get("/<uuid:account_id>/value")
@requires("orders:read")
@operation("An account's customer value", tags=TAGS, response=CustomerValueSchema, problems=(404, 409),
           description=f"{VALUE_RULES} 404 for an account orders does not know; 409 naming the survivor "
                       "(`merged_into`) for a merged account.")
def customer_value(account_id):
    return call("orders", "customer_value", str(account_id))
