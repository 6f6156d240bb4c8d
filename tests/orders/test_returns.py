"""Returns (RMA): only delivered quantities, never more than delivered
minus already returned (also across returns); a refund makes a credit note
for what was invoiced; open -> received -> closed."""

import uuid

import pytest

from shared.schemas.errors import IllegalTransition, NotFound, ValidationFailed
from tests.orders.order_support import delivered_order, ship_all, submitted_order


def return_data(order, *quantities, reason="damaged", resolution="replacement", **fields):
    lines = [{"order_line_id": line["id"], "quantity": quantity}
             for line, quantity in zip(order["lines"], quantities, strict=False) if quantity is not None]
    return {"lines": lines, "reason": reason, "resolution": resolution, **fields}


def returned(db, order_id):
    return [str(row["returned_quantity"].normalize()) for row in
            db.all("SELECT returned_quantity FROM order_lines WHERE order_id = %s ORDER BY position", (order_id,))]


def count_returns(db, order_id):
    return db.scalar("SELECT count(*) FROM returns WHERE order_id = %s", (order_id,))


def test_a_return_of_delivered_lines(orders, db, events):
    order = delivered_order(orders, db, quantities=("2", "3"))

    rma = orders.create_return(order["id"], return_data(order, "1", None, reason="other", note="Scratched lid"),
                               "tester")

    assert rma["number"].startswith("RMA-") and rma["status"] == "open" and rma["version"] == 1
    assert (rma["order_id"], rma["order_number"], rma["account_id"]) == (order["id"], order["number"],
                                                                         order["account_id"])
    assert (rma["reason"], rma["note"], rma["resolution"]) == ("other", "Scratched lid", "replacement")
    assert rma["credit_note_id"] is None and rma["created_by"] == "tester"
    assert [(line["order_line_id"], line["position"], line["quantity"]) for line in rma["lines"]] == [
        (order["lines"][0]["id"], 1, "1")]
    assert orders.get_return(rma["id"]) == rma
    assert [line["returned_quantity"] for line in orders.get_order(order["id"])["lines"]] == ["1", "0"]
    events.settle(db, [rma["id"]])
    [event] = events.of("return.created", rma["id"])
    assert event.data == {"return": rma}


def test_a_return_above_what_was_delivered_is_refused(orders, db):
    order = delivered_order(orders, db, quantities=("2", "3"))
    orders.create_return(order["id"], return_data(order, "1", "3"))

    with pytest.raises(ValidationFailed) as raised:
        orders.create_return(order["id"], return_data(order, "2", "1"))

    errors = raised.value.errors
    assert errors["lines.0.quantity"] == [f"Only 1 of line 1 ({order['lines'][0]['name']}) can be returned: "
                                          "2 delivered, 1 returned already."]
    assert "returned in full already" in errors["lines.1.quantity"][0]
    assert returned(db, order["id"]) == ["1", "3"]
    assert count_returns(db, order["id"]) == 1


def test_only_delivered_quantities_can_be_returned(orders, db):
    order = submitted_order(orders, db, quantities=("2",))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_return(order["id"], return_data(order, "1"))
    assert "was delivered yet" in raised.value.errors["lines.0.quantity"][0]
    ship_all(orders, order)  # shipped, not delivered
    with pytest.raises(ValidationFailed):
        orders.create_return(order["id"], return_data(order, "1"))
    assert count_returns(db, order["id"]) == 0


@pytest.mark.parametrize("change, field", [
    (lambda data: data.pop("reason"), "reason"),
    (lambda data: data.update(reason="broken"), "reason"),
    (lambda data: data.update(reason="other"), "note"),
    (lambda data: data.update(resolution="voucher"), "resolution"),
    (lambda data: data.update(lines=[]), "lines"),
    (lambda data: data["lines"][0].update(quantity="0"), "lines"),
    (lambda data: data["lines"][0].update(order_line_id=str(uuid.uuid4())), "lines.0.order_line_id"),
    (lambda data: data.update(colour="red"), "colour"),
])
def test_bad_return_input_writes_nothing(orders, db, change, field):
    order = delivered_order(orders, db, quantities=("1",))
    data = return_data(order, "1")
    change(data)
    with pytest.raises(ValidationFailed) as raised:
        orders.create_return(order["id"], data)
    assert field in raised.value.errors
    assert count_returns(db, order["id"]) == 0 and returned(db, order["id"]) == ["0"]


def test_open_received_closed(orders, db):
    order = delivered_order(orders, db, quantities=("1",))
    rma = orders.create_return(order["id"], return_data(order, "1"))

    with pytest.raises(IllegalTransition) as raised:
        orders.close_return(rma["id"])
    assert raised.value.extra["allowed"] == ["received"] and "receive it" in raised.value.detail

    received = orders.receive_return(rma["id"], "tester")
    assert received["status"] == "received" and received["received_at"] and received["version"] == 2
    with pytest.raises(IllegalTransition):
        orders.receive_return(rma["id"])
    closed = orders.close_return(rma["id"])
    assert closed["status"] == "closed" and closed["closed_at"]
    with pytest.raises(IllegalTransition) as raised:
        orders.receive_return(rma["id"])
    assert raised.value.extra["allowed"] == []
    assert orders.get_return(rma["id"]) == closed


def test_unknown_ids(orders):
    for call in (lambda: orders.get_return(str(uuid.uuid4())), lambda: orders.receive_return("nope"),
                 lambda: orders.close_return(str(uuid.uuid4())),
                 lambda: orders.create_return(str(uuid.uuid4()), {"lines": [
                     {"order_line_id": str(uuid.uuid4()), "quantity": "1"}], "reason": "damaged",
                     "resolution": "refund"})):
        with pytest.raises(NotFound):
            call()


def test_list_returns(orders, db):
    order = delivered_order(orders, db, quantities=("3",))
    made = [orders.create_return(order["id"], return_data(order, "1")) for _ in range(3)]
    orders.receive_return(made[0]["id"])

    page = orders.list_returns({"order_id": order["id"], "limit": 2})
    assert [item["id"] for item in page["items"]] == [made[2]["id"], made[1]["id"]]
    rest = orders.list_returns({"order_id": order["id"], "limit": 2, "cursor": page["next_cursor"]})
    assert [item["id"] for item in rest["items"]] == [made[0]["id"]]
    assert [item["id"] for item in orders.list_returns({"account_id": order["account_id"],
                                                        "status": ["received"]})["items"]] == [made[0]["id"]]
    assert [item["id"] for item in orders.list_returns({"q": made[1]["number"]})["items"]] == [made[1]["id"]]
    assert [item["number"] for item in orders.list_returns({"order_id": order["id"], "sort": "number"})["items"]] \
        == [rma["number"] for rma in made]
    with pytest.raises(ValidationFailed):
        orders.list_returns({"status": ["lost"]})


# Refunds ------------------------------------------------------------------------

def test_a_refund_credits_the_invoiced_lines(orders, db):
    order = delivered_order(orders, db, quantities=("2", "3"))
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")
    orders.issue_invoice(invoice["id"], "tester")

    rma = orders.create_return(order["id"], return_data(order, "1", None, resolution="refund"), "tester")

    assert rma["credit_note_id"]
    note = db.one("SELECT * FROM credit_notes WHERE id = %s", (rma["credit_note_id"],))
    assert str(note["return_id"]) == rma["id"]
    assert rma["number"] in note["reason"]
    [line] = db.all("SELECT * FROM credit_note_lines WHERE credit_note_id = %s", (note["id"],))
    invoice_line = db.one("SELECT * FROM invoice_lines WHERE id = %s", (line["source_line_id"],))
    assert str(invoice_line["source_line_id"]) == order["lines"][0]["id"]
    assert line["quantity"] == 1 and line["net_amount"] == invoice_line["net_amount"] / 2
    shown = orders.get_credit_note(rma["credit_note_id"])
    assert shown["return_id"] == rma["id"] and "net_total" not in shown
    assert shown["totals"]["net_total"] == f"{note['net_total']:.2f}"
    assert shown["totals"]["gross_total"] == f"{note['gross_total']:.2f}"


def test_a_refund_of_nothing_invoiced_makes_no_credit_note(orders, db):
    order = delivered_order(orders, db, quantities=("1",))
    rma = orders.create_return(order["id"], return_data(order, "1", resolution="refund"))
    assert rma["credit_note_id"] is None
    assert db.scalar("SELECT count(*) FROM credit_notes WHERE return_id = %s", (rma["id"],)) == 0


def test_a_replacement_makes_no_credit_note(orders, db):
    order = delivered_order(orders, db, quantities=("1",))
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")
    orders.issue_invoice(invoice["id"], "tester")
    rma = orders.create_return(order["id"], return_data(order, "1", resolution="replacement"))
    assert rma["credit_note_id"] is None
    assert db.scalar("SELECT count(*) FROM credit_notes WHERE return_id = %s", (rma["id"],)) == 0


def test_goods_returned_for_a_refund_are_never_billed_again(orders, db):
    # Invoiced in full, all returned for a refund: the credit note voids the invoice,
    # and the returned goods are not left to invoice again.
    order = delivered_order(orders, db, quantities=("2",))
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")
    orders.issue_invoice(invoice["id"], "tester")
    orders.create_return(order["id"], return_data(order, "2", resolution="refund"), "tester")
    assert orders.get_invoice(invoice["id"])["status"] == "void"
    with pytest.raises(ValidationFailed) as raised:
        orders.create_invoice({"order_id": order["id"]}, "tester")
    assert raised.value.errors == {"order_id": ["Nothing left to invoice."]}


def test_a_refunded_return_before_invoicing_is_not_billed(orders, db):
    order = delivered_order(orders, db, quantities=("5",))
    orders.create_return(order["id"], return_data(order, "2", resolution="refund"), "tester")
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")
    assert [line["quantity"] for line in invoice["lines"]] == ["3"]


def test_a_correction_by_full_credit_can_be_invoiced_again(orders, db):
    # A full credit without a return (say, a wrong address) voids the invoice; the goods are billed anew.
    order = delivered_order(orders, db, quantities=("2",))
    invoice = orders.create_invoice({"order_id": order["id"]}, "tester")
    orders.issue_invoice(invoice["id"], "tester")
    orders.issue_credit_note(invoice["id"], {"reason": "wrong billing address"}, "tester")
    again = orders.create_invoice({"order_id": order["id"]}, "tester")
    assert [line["quantity"] for line in again["lines"]] == ["2"]
