"""Invoice, payment and credit note operations: each takes a connection
inside one transaction and writes its change and its events (outbox)
together.

- An invoice bills an order (everything not on another non-void invoice)
  or one shipment of it; its lines are copies of the order lines, so it
  has the order's prices and tax rates.  It is a draft until issued.
- Issuing assigns the number (``numbering``) as the last step of the
  issuing transaction, and the issue and due dates.  From then on the
  invoice is never edited or deleted (the database refuses it too).
- Payments settle it (never beyond its balance); credit notes correct it
  (never beyond what each line invoiced minus what was credited before).
  Crediting everything makes it ``void``.

The orders area calls ``credit_returned_lines`` for a refunded return.
"""

import datetime
import uuid
from decimal import Decimal

from services.orders import lines, money
from services.orders.customers.commands import require_account
from services.orders.invoicing import numbering, store
from services.orders.invoicing import states as rules
from shared.kit import outbox, versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, ValidationFailed

ZERO = Decimal(0)
INVOICE_FIELDS = (
    "id", "number", "series", "status", "order_id", "order_number", "shipment_id", "account_id", "account_name",
    "currency", "prices_include_tax", "payment_terms_days", "issue_date", "due_date", "billing_address",
    "customer_reference", "notes", "issued_at", "issued_by", "version", "created_by", "created_at", "updated_at",
)
CREDIT_NOTE_FIELDS = (
    "id", "number", "invoice_id", "invoice_number", "order_id", "account_id", "return_id", "reason", "currency",
    "prices_include_tax", "issue_date", "version", "created_by", "created_at", "updated_at",
)
PAYMENT_FIELDS = ("id", "invoice_id", "invoice_number", "account_id", "currency", "paid_on", "method", "reference",
                  "created_by", "created_at")


def today():
    return datetime.date.today()


# Shapes -----------------------------------------------------------------------

def _fields(row, names):
    return {name: plain(row.get(name)) for name in names}


def invoice_snapshot(row, on_date=None):
    """An invoice without lines as the API and events show it (InvoiceSchema)."""
    currency = row["currency"]
    on_date = on_date or today()
    snapshot = _fields(row, INVOICE_FIELDS)
    snapshot.update(
        totals=lines.totals_snapshot(row),
        paid_total=money.money_text(row["paid_total"], currency),
        credited_total=money.money_text(row["credited_total"], currency),
        balance=money.money_text(row["balance"], currency),
        credit_balance=money.money_text(row["credit_balance"], currency),
        overdue=row["status"] in rules.OPEN and row["due_date"] is not None and row["due_date"] < on_date,
    )
    return snapshot


def payment_snapshot(row):
    snapshot = _fields(row, PAYMENT_FIELDS)
    snapshot["amount"] = money.money_text(row["amount"], row["currency"])
    return snapshot


def credit_note_snapshot(row, note_lines=None):
    """A credit note (CreditNoteSummarySchema; with ``note_lines``, CreditNoteSchema)."""
    snapshot = _fields(row, CREDIT_NOTE_FIELDS)
    snapshot["totals"] = lines.totals_snapshot(row)
    if note_lines is not None:
        snapshot["lines"] = [lines.line_snapshot(line, row["currency"]) for line in note_lines]
    return snapshot


def _view(conn, invoice_id):
    row = store.invoice_view(conn, invoice_id)
    if row is None:
        raise NotFound(f"No invoice with id {invoice_id}.")
    return row


def invoice_detail(conn, invoice_id):
    """An invoice with its lines, payments and credit notes (InvoiceDetailSchema)."""
    row = _view(conn, invoice_id)
    snapshot = invoice_snapshot(row)
    snapshot["lines"] = [lines.line_snapshot(line, row["currency"])
                         for line in lines.lines_of(conn, "invoice_lines", "invoice_id", row["id"])]
    snapshot["payments"] = [payment_snapshot(payment) for payment in store.payments_of(conn, row["id"])]
    snapshot["credit_notes"] = [credit_note_snapshot(note) for note in store.credit_notes_of(conn, row["id"])]
    return snapshot


def credit_note_detail(conn, credit_note_id):
    row = store.credit_note_view(conn, credit_note_id)
    if row is None:
        raise NotFound(f"No credit note with id {credit_note_id}.")
    return credit_note_snapshot(row, lines.lines_of(conn, "credit_note_lines", "credit_note_id", row["id"]))


def _qty(value):
    return money.decimal_text(value)


# Invoices ---------------------------------------------------------------------

def _invoiceable_order(conn, order_id):
    """The order, locked FOR UPDATE (so two invoices of it cannot both take
    the same quantities), after its account (see ``require_account``)."""
    order = store.find_order(conn, order_id)
    if order is None:
        raise ValidationFailed(f"There is no order with id {order_id}.", {"order_id": ["No such order."]})
    require_account(conn, order["account_id"], field="order_id")
    locked = store.find_order(conn, order_id, lock="update")
    if locked["account_id"] != order["account_id"]:
        raise Conflict("The order moved to another account while it was being invoiced; retry.", retry=True)
    if locked["status"] not in rules.INVOICEABLE_ORDERS:
        hint = " Submit it first." if locked["status"] == "draft" else ""
        raise Conflict(f"Order {locked['number']} is {locked['status']}; only submitted (or shipped, delivered) "
                       f"orders are invoiced.{hint}", status=locked["status"])
    return locked


def _shipment_quantities(conn, order, shipment_id, order_lines, billed):
    shipment = store.find_shipment(conn, shipment_id)
    if shipment is None or shipment["order_id"] != order["id"]:
        raise ValidationFailed(f"Order {order['number']} has no shipment with id {shipment_id}.",
                               {"shipment_id": ["Not a shipment of this order."]})
    existing = store.shipment_invoice(conn, shipment_id)
    if existing is not None:
        shown = existing["number"] or f"draft {existing['id']}"
        raise Conflict(f"Shipment {shipment['number']} is invoiced already (invoice {shown}); credit that invoice "
                       "in full first to invoice the shipment again.", existing_id=str(existing["id"]))
    wanted = store.shipment_quantities(conn, shipment_id)
    messages = []
    for line in order_lines:
        shipped = wanted.get(str(line["id"]))
        left = rules.left_to_bill(line["quantity"], billed.get(str(line["id"]), ZERO))
        if shipped is not None and shipped > left:
            messages.append(f"Line {line['position']} ({line['name']}): the shipment has {_qty(shipped)}, but only "
                            f"{_qty(left)} of {_qty(line['quantity'])} are left to invoice.")
    if messages:
        raise ValidationFailed("The shipment holds more than is left to invoice of its order lines (another invoice "
                               "billed them); invoice the order's rest instead.", {"shipment_id": messages})
    return wanted


def create_invoice(conn, data, actor, default_terms_days):
    """A draft invoice from validated input (InvoiceCreateSchema); returns its id."""
    order = _invoiceable_order(conn, str(data["order_id"]))
    order_lines = store.order_lines(conn, order["id"])
    billed = store.billed_quantities(conn, order["id"])
    if data.get("shipment_id"):
        wanted = _shipment_quantities(conn, order, str(data["shipment_id"]), order_lines, billed)
    else:
        wanted = {}
        for line in order_lines:
            left = rules.left_to_bill(line["quantity"], billed.get(str(line["id"]), ZERO))
            if left > 0:
                wanted[str(line["id"])] = left
        if not wanted:
            raise ValidationFailed(f"Everything of order {order['number']} is on invoices already.",
                                   {"order_id": ["Nothing left to invoice."]})
    rows = lines.copy_lines(order_lines, order["currency"], order["prices_include_tax"], wanted)
    totals = lines.document_totals(rows, order["currency"])
    terms = data.get("payment_terms_days")
    if terms is None:
        terms = order.get("payment_terms_days")
    invoice = store.insert_invoice(conn, {
        "id": str(uuid.uuid4()),
        "series": data.get("series") or rules.INVOICE_SERIES,
        "status": rules.DRAFT,
        "order_id": order["id"],
        "shipment_id": str(data["shipment_id"]) if data.get("shipment_id") else None,
        "account_id": order["account_id"],
        "currency": order["currency"],
        "prices_include_tax": order["prices_include_tax"],
        **totals,
        "payment_terms_days": default_terms_days if terms is None else terms,
        "billing_address": order.get("billing_address"),
        "customer_reference": order.get("customer_reference"),
        "notes": data.get("notes"),
        "created_by": actor,
    })
    lines.insert_lines(conn, "invoice_lines", "invoice_id", invoice["id"], rows)
    return invoice["id"]


def _draft(conn, invoice_id, expected_version, doing):
    row = store.get_invoice(conn, invoice_id, lock="update")
    versions.check_version(row, expected_version, "invoice")
    if row["status"] != rules.DRAFT:
        raise IllegalTransition(
            f"Invoice {row['number']} is issued ({row['status']}) and cannot be {doing}: an issued invoice never "
            "changes; correct it with a credit note.", status=row["status"], allowed=[])
    return row


def issue_invoice(conn, invoice_id, actor, expected_version=None, on_date=None):
    """Issue a draft: its number (gapless per series and year), issue date
    and due date (issue + payment terms); ``invoice.issued``.  Returns the row."""
    on_date = on_date or today()
    row = _draft(conn, invoice_id, expected_version, "issued again")
    order = store.find_order(conn, row["order_id"])
    if order["status"] == "cancelled":
        raise Conflict(f"Order {order['number']} was cancelled; delete this draft invoice instead of issuing it.")
    # The number last, after every check: the series row stays locked until the commit (see numbering).
    number, sequence = numbering.take_number(conn, numbering.INVOICE, row["series"], on_date.year)
    store.update_invoice(conn, row["id"], {
        "status": rules.ISSUED, "number": number, "year": on_date.year, "sequence": sequence, "issue_date": on_date,
        "due_date": rules.due_date(on_date, row["payment_terms_days"]),
        "issued_at": datetime.datetime.now(datetime.UTC), "issued_by": actor})
    view = _view(conn, row["id"])
    shown = [lines.line_snapshot(line, view["currency"])
             for line in lines.lines_of(conn, "invoice_lines", "invoice_id", row["id"])]
    outbox.add(conn, "invoice.issued", {"invoice": invoice_snapshot(view, on_date), "lines": shown})
    return view


def delete_draft_invoice(conn, invoice_id, expected_version=None):
    row = _draft(conn, invoice_id, expected_version, "deleted")
    store.delete_invoice(conn, row["id"])
    return {"id": str(row["id"]), "deleted": True}


# Settlement -------------------------------------------------------------------

def _settle(conn, row, paid, credited, fully_credited, on_date):
    """Write a new paid/credited state and the status it gives; returns
    (view, became paid)."""
    status = rules.settled_status(row["status"], row["gross_total"], paid, credited, fully_credited)
    now = datetime.datetime.now(datetime.UTC)
    values = {"paid_total": paid, "credited_total": credited, "status": status}
    if status == rules.PAID and row["status"] != rules.PAID:
        values["paid_at"] = now
    if status == rules.VOID:
        values["voided_at"] = now
    store.update_invoice(conn, row["id"], values)
    view = _view(conn, row["id"])
    became_paid = status == rules.PAID and row["status"] != rules.PAID
    if became_paid:
        outbox.add(conn, "invoice.paid", {"invoice": invoice_snapshot(view, on_date)})
    return view, became_paid


def record_payment(conn, invoice_id, data, actor, on_date=None):
    """Record a payment (PaymentCreateSchema) of an issued invoice, at most
    its balance; ``payment.recorded`` and, when it settles the invoice,
    ``invoice.paid``.  Returns (payment row, invoice view)."""
    on_date = on_date or today()
    row = store.get_invoice(conn, invoice_id, lock="update")
    if row["status"] == rules.DRAFT:
        raise Conflict("The invoice is a draft; issue it before recording payments.", status=row["status"])
    if row["status"] == rules.VOID:
        raise Conflict(f"Invoice {row['number']} is void (credited in full); nothing is to be paid on it.",
                       status=row["status"])
    currency, amount = row["currency"], data["amount"]
    if not rules.fits_currency(amount, currency):
        places = money.minor_unit(currency)
        raise ValidationFailed(f"{currency} amounts have {places} decimal places at most.",
                               {"amount": [f"At most {places} decimal places in {currency}."]})
    data = {**data, "paid_on": data.get("paid_on") or on_date}
    if data["paid_on"] > on_date:
        raise ValidationFailed("A payment cannot be dated in the future.",
                               {"paid_on": [f"On or before {on_date.isoformat()}."]})
    balance = row["gross_total"] - row["paid_total"] - row["credited_total"]
    if amount > balance:
        shown = money.money_text(max(balance, ZERO), currency)
        raise ValidationFailed(
            f"Invoice {row['number']} has a balance of {shown} {currency}; a payment cannot exceed it. Record at "
            "most the balance; money paid beyond it needs a credit note (the customer's credit) first.",
            {"amount": [f"At most the balance, {shown} {currency}."]}, balance=shown)
    payment = store.insert_payment(conn, {
        "id": str(uuid.uuid4()), "invoice_id": row["id"], "amount": amount, "currency": currency,
        "paid_on": data["paid_on"], "method": data["method"], "reference": data.get("reference"),
        "created_by": actor})
    view, _ = _settle(conn, row, row["paid_total"] + amount, row["credited_total"], False, on_date)
    payment = store.payment_view(conn, payment["id"])
    outbox.add(conn, "payment.recorded", {"payment": payment_snapshot(payment),
                                          "invoice": invoice_snapshot(view, on_date)})
    return payment, view


# Credit notes -----------------------------------------------------------------

def _creditable(row):
    if row["status"] == rules.DRAFT:
        raise Conflict("The invoice is a draft: delete it (or leave it) instead of crediting it.",
                       status=row["status"])
    if row["status"] == rules.VOID:
        raise Conflict(f"Invoice {row['number']} is void: it was credited in full already.", status=row["status"])


def _left_to_credit(invoice_lines, credited):
    """{invoice line id (str): quantity not credited yet}."""
    left = {}
    for line in invoice_lines:
        done = credited.get(str(line["id"]))
        left[str(line["id"])] = line["quantity"] - (done["quantity"] if done else ZERO)
    return left


def _wanted_lines(invoice_lines, left, inputs):
    """{invoice line id: quantity} from CreditLineInputSchema dicts; 422 on
    ``lines.N.*`` for a line of another invoice, a repeat, or too much."""
    by_id = {str(line["id"]): line for line in invoice_lines}
    wanted, errors = {}, {}
    for index, item in enumerate(inputs):
        line_id = str(item["invoice_line_id"])
        line = by_id.get(line_id)
        if line is None:
            errors[f"lines.{index}.invoice_line_id"] = ["Not a line of this invoice."]
        elif line_id in wanted:
            errors[f"lines.{index}.invoice_line_id"] = ["This line is named twice; name each line once."]
        elif item["quantity"] > left[line_id]:
            credited = line["quantity"] - left[line_id]
            errors[f"lines.{index}.quantity"] = [
                f"Line {line['position']} ({line['name']}) invoiced {_qty(line['quantity'])}"
                + (f", of which {_qty(credited)} are credited already" if credited else "")
                + f"; at most {_qty(left[line_id])} can be credited."]
        else:
            wanted[line_id] = item["quantity"]
    if errors:
        raise ValidationFailed("Some lines cannot be credited; see errors.", errors)
    return wanted


def _credit(conn, row, invoice_lines, credited, wanted, reason, series, actor, on_date, return_id=None):
    """Issue the credit note for ``wanted`` ({invoice line id: quantity},
    checked) of the locked invoice ``row``; returns the credit note row."""
    currency = row["currency"]
    copies = lines.copy_lines(invoice_lines, currency, row["prices_include_tax"], wanted)
    by_id = {str(line["id"]): line for line in invoice_lines}
    nothing = {"quantity": ZERO, "net_amount": ZERO, "tax_amount": ZERO, "discount_total": ZERO}
    for copy in copies:
        line = by_id[copy["source_line_id"]]
        copy.update(rules.part_amounts(line, credited.get(copy["source_line_id"]) or nothing, copy))
    totals = lines.document_totals(copies, currency)
    number, sequence = numbering.take_number(conn, numbering.CREDIT_NOTE, series, on_date.year)
    note = store.insert_credit_note(conn, {
        "id": str(uuid.uuid4()), "number": number, "series": series, "year": on_date.year, "sequence": sequence,
        "invoice_id": row["id"], "order_id": row["order_id"], "account_id": row["account_id"],
        "return_id": str(return_id) if return_id else None, "reason": reason, "currency": currency,
        "prices_include_tax": row["prices_include_tax"], **totals, "issue_date": on_date, "created_by": actor})
    note_lines = lines.insert_lines(conn, "credit_note_lines", "credit_note_id", note["id"], copies)
    left = _left_to_credit(invoice_lines, credited)
    fully = all(left[line_id] - wanted.get(line_id, ZERO) <= 0 for line_id in left)
    view, _ = _settle(conn, row, row["paid_total"], row["credited_total"] + totals["gross_total"], fully, on_date)
    note = store.credit_note_view(conn, note["id"])
    outbox.add(conn, "credit_note.issued", {"credit_note": credit_note_snapshot(note, note_lines),
                                            "invoice": invoice_snapshot(view, on_date)})
    return note


def issue_credit_note(conn, invoice_id, data, actor, on_date=None):
    """A credit note (CreditNoteCreateSchema) for the whole invoice (what is
    not credited yet) or some of its lines; ``credit_note.issued``.  Crediting
    every line in full makes the invoice ``void``.  Returns the credit note row."""
    on_date = on_date or today()
    row = store.get_invoice(conn, invoice_id, lock="update")
    _creditable(row)
    invoice_lines = lines.lines_of(conn, "invoice_lines", "invoice_id", row["id"])
    credited = store.credited_lines(conn, row["id"])
    left = _left_to_credit(invoice_lines, credited)
    if data.get("lines"):
        wanted = _wanted_lines(invoice_lines, left, data["lines"])
    else:
        wanted = {line_id: quantity for line_id, quantity in left.items() if quantity > 0}
    return _credit(conn, row, invoice_lines, credited, wanted, data["reason"],
                   data.get("series") or rules.CREDIT_NOTE_SERIES, actor, on_date)


def credit_returned_lines(conn, order_id, quantities, reason, actor, return_id, on_date=None):
    """Credit returned quantities (``{order line id: Decimal}``) on the
    issued invoices that billed those order lines, oldest invoice first, as
    far as they are not credited yet: one credit note per invoice, each with
    ``return_id``.  Returns the first credit note row, or None when nothing
    of those lines is on an issued invoice (nothing was billed, so nothing
    is to be refunded).  Quantities beyond what was invoiced are not credited."""
    on_date = on_date or today()
    need = {str(line_id): Decimal(quantity) for line_id, quantity in quantities.items()}
    if not store.issued_invoices_billing(conn, need):
        return None
    invoice_ids = list(dict.fromkeys(line["invoice_id"] for line in store.issued_invoices_billing(conn, need)))
    invoices = {row["id"]: row for row in store.lock_invoices(conn, invoice_ids)}
    billing = store.issued_invoices_billing(conn, need)  # again, under the locks
    plans, credited = {}, {}
    for line in billing:
        order_line_id, invoice_id = str(line["source_line_id"]), line["invoice_id"]
        if need[order_line_id] <= 0:
            continue
        if invoice_id not in credited:
            credited[invoice_id] = store.credited_lines(conn, invoice_id)
        done = credited[invoice_id].get(str(line["id"]))
        take = min(need[order_line_id], line["quantity"] - (done["quantity"] if done else ZERO))
        if take > 0:
            plans.setdefault(invoice_id, {})[str(line["id"])] = take
            need[order_line_id] -= take
    notes = []
    for invoice_id, wanted in plans.items():
        invoice_lines = lines.lines_of(conn, "invoice_lines", "invoice_id", invoice_id)
        notes.append(_credit(conn, invoices[invoice_id], invoice_lines, credited[invoice_id], wanted, reason,
                             rules.CREDIT_NOTE_SERIES, actor, on_date, return_id))
    return notes[0] if notes else None


# Sweep ------------------------------------------------------------------------

def mark_overdue(conn, today, limit):
    """Mark up to ``limit`` unpaid invoices due before ``today`` overdue; returns how many."""
    rows = store.mark_overdue(conn, today, limit)
    if not rows:
        return 0
    orders = store.order_numbers(conn, {row["order_id"] for row in rows})
    names = store.account_names(conn, {row["account_id"] for row in rows})
    events = []
    for row in rows:
        view = {**row, "order_number": orders.get(str(row["order_id"])),
                "account_name": names.get(str(row["account_id"]))}
        events.append(("invoice.overdue", {"invoice": invoice_snapshot(view, today)}))
    outbox.add_many(conn, events)
    return len(rows)
