"""The pure rules of invoicing, without database or broker."""

import datetime
from decimal import Decimal as D

from services.orders.invoicing import states


def test_document_numbers_and_due_dates():
    assert states.document_number("INV", 2026, 1) == "INV-2026-000001"
    assert states.document_number("CN", 2026, 1234567) == "CN-2026-1234567"
    assert states.due_date(datetime.date(2026, 12, 20), 30) == datetime.date(2027, 1, 19)


def test_settled_status():
    status = states.settled_status
    assert status("issued", D("100"), D("0"), D("0"), False) == "issued"
    assert status("overdue", D("100"), D("0"), D("10"), False) == "overdue"  # a credit alone keeps it
    assert status("issued", D("100"), D("40"), D("0"), False) == "partly_paid"
    assert status("overdue", D("100"), D("40"), D("0"), False) == "partly_paid"
    assert status("partly_paid", D("100"), D("60"), D("40"), False) == "paid"
    assert status("paid", D("100"), D("100"), D("30"), False) == "paid"
    assert status("issued", D("100"), D("0"), D("100"), True) == "void"
    assert status("paid", D("100"), D("100"), D("100"), True) == "void"


def amounts(quantity, net, tax, discount="0"):
    return {"quantity": D(quantity), "net_amount": D(net), "tax_amount": D(tax), "discount_total": D(discount)}


def test_part_amounts_never_exceed_the_rest_and_the_last_part_takes_it_exactly():
    line = amounts("3", "1.00", "0.19")
    copy = amounts("1", "0.34", "0.06")
    first = states.part_amounts(line, amounts("0", "0", "0"), copy)
    assert first == {"net_amount": D("0.34"), "tax_amount": D("0.06"), "discount_total": D("0"),
                     "gross_amount": D("0.40")}
    second = states.part_amounts(line, amounts("1", "0.34", "0.06"), copy)
    assert second["net_amount"] == D("0.34")
    last = states.part_amounts(line, amounts("2", "0.68", "0.12"), copy)
    assert last == {"net_amount": D("0.32"), "tax_amount": D("0.07"), "discount_total": D("0"),
                    "gross_amount": D("0.39")}
    capped = states.part_amounts(amounts("3", "1.00", "0.19"), amounts("1", "0.70", "0.10"), amounts("1", "0.34",
                                                                                                       "0.06"))
    assert capped["net_amount"] == D("0.30")


def test_fits_currency():
    assert states.fits_currency(D("1.25"), "EUR")
    assert not states.fits_currency(D("1.255"), "EUR")
    assert states.fits_currency(D("3300"), "JPY") and not states.fits_currency(D("0.5"), "JPY")
    assert states.fits_currency(D("1.234"), "KWD")
