"""Pure rules of invoices: numbers, due dates, what an invoice's status is
from its settlement, and how much of a line may still be invoiced or
credited.  No database, no broker."""

import datetime
from decimal import Decimal

from services.orders import money

DRAFT, ISSUED, PARTLY_PAID, PAID, OVERDUE, VOID = "draft", "issued", "partly_paid", "paid", "overdue", "void"
STATUSES = (DRAFT, ISSUED, PARTLY_PAID, PAID, OVERDUE, VOID)
# Issued and not settled: payments may be recorded, the sweep may mark them overdue.
OPEN = (ISSUED, PARTLY_PAID, OVERDUE)
# Issued and not void: credit notes may be issued against them.
CREDITABLE = (ISSUED, PARTLY_PAID, PAID, OVERDUE)
# Orders that may be invoiced.
INVOICEABLE_ORDERS = ("submitted", "partly_shipped", "shipped", "delivered")

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
SEQUENCE_DIGITS = 6
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")


def document_number(series, year, sequence):
    """``INV-2026-000001``: series, year, and the sequence within them (six
    digits; more when a series outgrows them)."""
    return f"{series}-{year:04d}-{sequence:0{SEQUENCE_DIGITS}d}"


def due_date(issue_date, payment_terms_days):
    return issue_date + datetime.timedelta(days=payment_terms_days)


def settled_status(current, gross, paid, credited, fully_credited):
    """The status of an issued invoice (``current``: issued, partly_paid,
    paid or overdue) once a payment or credit note is added:

    - ``void`` once every line is credited in full (a payment made before
      becomes the customer's credit balance);
    - ``paid`` when nothing is left to pay;
    - ``partly_paid`` when something was paid (an overdue invoice too: it
      comes back from ``overdue`` with a payment, as a customer sees it);
    - else it stays as it is (``issued``, or ``overdue``, which only the
      sweep sets).
    """
    if fully_credited:
        return VOID
    if gross - paid - credited <= 0:
        return PAID
    if paid > 0:
        return PARTLY_PAID
    return current


def left_to_bill(ordered, billed):
    """What of an order line is not on a (non-void) invoice yet."""
    return max(ordered - billed, Decimal(0))


def part_amounts(line, credited, copy):
    """The amounts of a credit for part of an invoice line: ``copy``'s
    (computed for its quantity) but never above what is left of the line
    (``line`` minus ``credited``, the sums of earlier credits); a credit of
    everything that is left takes exactly what is left, so the credits of a
    line always add up to the line."""
    names = ("net_amount", "tax_amount", "discount_total")
    left = {name: line[name] - credited[name] for name in names}
    if copy["quantity"] >= line["quantity"] - credited["quantity"]:
        amounts = left
    else:
        amounts = {name: min(copy[name], left[name]) for name in names}
    amounts["gross_amount"] = amounts["net_amount"] + amounts["tax_amount"]
    return amounts


def fits_currency(amount, currency):
    """Whether ``amount`` has no more decimals than the currency's minor unit."""
    return money.round_money(amount, currency) == amount
