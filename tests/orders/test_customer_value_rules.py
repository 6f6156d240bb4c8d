"""The pure rules of customer value: conversion factors (cross rates when
orders reports in another currency than sales keeps rates in), one rounding
at the end, and currencies without a rate listed."""

import datetime
from decimal import Decimal

from services.orders.customers.value import conversion_factors, customer_value

D = Decimal


def orders_row(currency, order_count=0, orders_net="0", open_count=0, open_net="0", first=None, last=None):
    return {"currency": currency, "order_count": order_count, "orders_net": D(orders_net), "open_count": open_count,
            "open_net": D(open_net), "first_order_at": first, "last_order_at": last}


def test_factors_into_the_base_currency_are_its_rates():
    factors = conversion_factors("EUR", "EUR", {"USD": D("0.9")}, ["EUR", "USD", "CHF"])
    assert factors == {"EUR": 1, "USD": D("0.9")}


def test_factors_into_another_reporting_currency_are_cross_rates():
    rates = {"USD": D("0.8"), "GBP": D("1.2")}  # in EUR, sales' reporting currency
    factors = conversion_factors("USD", "EUR", rates, ["USD", "EUR", "GBP", "JPY"])
    assert factors == {"USD": 1, "EUR": D(1) / D("0.8"), "GBP": D("1.2") / D("0.8")}


def test_without_a_rate_for_the_reporting_currency_only_it_converts():
    assert conversion_factors("USD", "EUR", {}, ["USD", "EUR"]) == {"USD": 1}
    assert conversion_factors("EUR", None, {}, ["USD", "EUR"]) == {"EUR": 1}


def test_sums_are_exact_and_rounded_once_half_even():
    # three orders of 0.005 EUR each in a currency at rate 1: 0.015 -> 0.02 (half even), not 3 x 0.00 or 0.01
    rows = [orders_row("USD", order_count=3, orders_net="0.015", open_count=3, open_net="0.015")]
    value = customer_value(rows, [], [], "EUR", "EUR", {"USD": D(1)})
    assert value["open_orders"] == {"count": 3, "amount": "0.02"}
    assert value["average_order_value"] == "0.00"  # 0.005 -> 0.00 (half even)


def test_dates_span_every_currency_and_no_float_appears():
    early = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    late = datetime.datetime(2026, 3, 4, tzinfo=datetime.UTC)
    rows = [orders_row("CHF", 1, "5", first=early, last=early), orders_row("EUR", 1, "7", first=late, last=late)]
    value = customer_value(rows, [{"currency": "EUR", "invoiced_net": D("7"), "unpaid": D("7"), "overdue": D(0)}],
                           [{"currency": "EUR", "credited_net": D("1.5")}], "EUR", "EUR", {})
    assert (value["first_order_at"], value["last_order_at"]) == (early.isoformat(), late.isoformat())
    assert value["missing_rates"] == ["CHF"] and value["lifetime_revenue"] == "5.50"

    def walk(item):
        assert not isinstance(item, float)
        for child in item.values() if isinstance(item, dict) else item if isinstance(item, list) else ():
            walk(child)

    walk(value)
