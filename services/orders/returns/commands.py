"""Return (RMA) operations: each takes a connection inside one transaction
and writes its change and its events (through the outbox) together.

A return takes delivered quantities back: never more of an order line than
delivered minus already returned (counted when the return is opened, so two
returns cannot claim the same units).  The order row is locked FOR UPDATE
first, like every change of an order's lines.

A refund credits the invoiced part of the returned quantities at once
(``invoicing.commands.credit_returned_lines``); when nothing of them was
invoiced yet there is nothing to credit, and the return shows no credit
note.  A replacement changes nothing financial; shipping the replacement
(a new order) is not made by the return.
"""

import datetime

from services.orders import money
from services.orders.invoicing import commands as invoicing
from services.orders.orders import commands as orders
from services.orders.orders import states
from services.orders.returns import store
from shared.kit import outbox
from shared.kit.rows import plain
from shared.schemas.errors import IllegalTransition

RETURN_FIELDS = ("id", "number", "order_id", "order_number", "account_id", "status", "reason", "note", "resolution",
                 "credit_note_id", "received_at", "closed_at", "version", "created_by", "created_at", "updated_at")
# status -> (the next status, the timestamp column it sets)
NEXT = {"open": ("received", "received_at"), "received": ("closed", "closed_at")}
ACTIONS = {"received": "receive it", "closed": "close it"}


def return_snapshot(row, return_lines):
    """A return as the API and events show it (ReturnSchema)."""
    result = {field: plain(row.get(field)) for field in RETURN_FIELDS}
    result["lines"] = [{"id": str(line["id"]), "order_line_id": str(line["order_line_id"]),
                        "position": line["position"], "sku": line["sku"], "name": line["name"],
                        "quantity": money.decimal_text(line["quantity"])} for line in return_lines]
    return result


def snapshots(conn, rows):
    by_return = store.return_lines(conn, [row["id"] for row in rows])
    return [return_snapshot(row, by_return.get(str(row["id"]), [])) for row in rows]


def get_return(conn, return_id):
    return snapshots(conn, [store.get_return(conn, return_id)])[0]


def list_returns(conn, query):
    rows, next_cursor = store.list_returns(conn, query)
    return {"items": snapshots(conn, rows), "next_cursor": next_cursor}


def _left_to_return_message(line, available):
    text = money.decimal_text
    if available <= 0 and line["delivered_quantity"] <= 0:
        return (f"Nothing of line {line['position']} ({line['name']}) was delivered yet; only delivered "
                "quantities can be returned.")
    if available <= 0:
        return (f"Line {line['position']} ({line['name']}) is returned in full already "
                f"({text(line['returned_quantity'])} of {text(line['delivered_quantity'])} delivered).")
    return (f"Only {text(available)} of line {line['position']} ({line['name']}) can be returned: "
            f"{text(line['delivered_quantity'])} delivered, {text(line['returned_quantity'])} returned already.")


def _credit_reason(row):
    reason = f"Return {row['number']}: {row['reason'].replace('_', ' ')}"
    return f"{reason} ({row['note']})" if row["note"] else reason


def create_return(conn, order_id, data, actor):
    """Open a return of delivered order lines (ReturnCreateSchema);
    ``return.created``.  A refund gets its credit note in the same
    transaction.  Returns the snapshot."""
    order = orders.lock_order(conn, order_id)
    by_id = {str(line["id"]): line for line in orders.order_lines(conn, order["id"])}
    quantities = orders.requested_quantities(by_id, data["lines"], order["number"], states.left_to_return,
                                             _left_to_return_message)
    row = store.insert_return(conn, {"order_id": str(order["id"]), "account_id": str(order["account_id"]),
                                     "reason": data["reason"], "note": data.get("note"),
                                     "resolution": data["resolution"], "created_by": actor})
    store.insert_return_lines(conn, row["id"], quantities)
    for line_id, quantity in quantities:
        orders.add_to_line(conn, line_id, "returned_quantity", quantity)
    if row["resolution"] == "refund":
        credit_note = invoicing.credit_returned_lines(conn, str(order["id"]), dict(quantities), _credit_reason(row),
                                                      actor, str(row["id"]))
        if credit_note is not None:
            row = store.update_return(conn, row["id"], {"credit_note_id": str(credit_note["id"])})
    snapshot = get_return(conn, row["id"])
    outbox.add(conn, "return.created", {"return": snapshot})
    return snapshot


def advance_return(conn, return_id, target, actor):
    """open -> received -> closed; IllegalTransition naming the next step otherwise."""
    row = store.get_return(conn, return_id, lock=True)
    step = NEXT.get(row["status"])
    if step is None or step[0] != target:
        allowed = [step[0]] if step else []
        if row["status"] == target:
            message = f"Return {row['number']} is {target} already."
        else:
            message = f"Return {row['number']} is {row['status']} and cannot become {target}."
        message += f" Next: {ACTIONS[step[0]]}." if step else " It is done."
        raise IllegalTransition(message, errors={"status": [message]}, current=row["status"], target=target,
                                allowed=allowed)
    row = store.update_return(conn, row["id"], {"status": target, step[1]: datetime.datetime.now(datetime.UTC)})
    return get_return(conn, row["id"])
