"""Customer value from per-currency sums: pure rules, no database.

Each figure is summed per document currency first (the breakdown), then
converted to the reporting currency with the rates in force and rounded
half-even once, at the end, to the reporting currency's minor unit.  A
currency without a rate is left out of every converted figure and count and
listed in ``missing_rates`` (never silently dropped: its own breakdown entry
still shows it).  Counts (orders, open orders) and dates take every
currency; the average order value is over the orders that convert.

Rates are sales' (units of sales' reporting currency, ``base``, per unit of
a currency).  When orders reports in another currency the rate is a cross
rate: ``rate(currency) / rate(reporting currency)``.
"""

from decimal import Decimal

from services.orders import money

ZERO = Decimal(0)
ONE = Decimal(1)


def conversion_factors(reporting_currency, base_currency, rates, currencies):
    """``{currency: factor into the reporting currency}`` for those of
    ``currencies`` that can be converted."""
    def to_base(currency):
        if currency == base_currency:
            return ONE
        return rates.get(currency)

    reporting_to_base = ONE if reporting_currency == base_currency else rates.get(reporting_currency)
    factors = {}
    for currency in currencies:
        if currency == reporting_currency:
            factors[currency] = ONE
        elif base_currency is not None and reporting_to_base and to_base(currency) is not None:
            factors[currency] = to_base(currency) / reporting_to_base
    return factors


def _merge(orders, invoices, credit_notes):
    """``{currency: figures}`` from the three per-currency row lists."""
    empty = {"order_count": 0, "orders_net": ZERO, "first_order_at": None, "last_order_at": None,
             "open_count": 0, "open_net": ZERO, "invoiced_net": ZERO, "unpaid": ZERO, "overdue": ZERO,
             "credited_net": ZERO}
    figures = {}
    for rows in (orders, invoices, credit_notes):
        for row in rows:
            entry = figures.setdefault(row["currency"].strip(), dict(empty))
            entry.update({key: value for key, value in row.items() if key != "currency" and value is not None})
    return figures


def _earliest(values):
    values = [value for value in values if value is not None]
    return min(values) if values else None


def _latest(values):
    values = [value for value in values if value is not None]
    return max(values) if values else None


def customer_value(orders, invoices, credit_notes, reporting_currency, base_currency, rates):
    """The customer value of one account (CustomerValueSchema form, without
    the account) from ``store.orders_by_currency``,
    ``invoices_by_currency`` and ``credit_notes_by_currency`` rows."""
    figures = _merge(orders, invoices, credit_notes)
    factors = conversion_factors(reporting_currency, base_currency, rates, figures)
    totals = {"revenue": ZERO, "open_net": ZERO, "unpaid": ZERO, "overdue": ZERO, "orders_net": ZERO}
    converted_orders = 0
    breakdown = []
    for currency in sorted(figures):
        entry = figures[currency]
        revenue = entry["invoiced_net"] - entry["credited_net"]
        factor = factors.get(currency)
        if factor is not None:
            for key, amount in (("revenue", revenue), ("open_net", entry["open_net"]), ("unpaid", entry["unpaid"]),
                                ("overdue", entry["overdue"]), ("orders_net", entry["orders_net"])):
                totals[key] += amount * factor
            converted_orders += entry["order_count"]
        breakdown.append({
            "currency": currency,
            "rate": money.decimal_text(factor) if factor is not None else None,
            "lifetime_revenue": money.money_text(revenue, currency),
            "open_orders": {"count": entry["open_count"], "amount": money.money_text(entry["open_net"], currency)},
            "unpaid_balance": money.money_text(entry["unpaid"], currency),
            "overdue_balance": money.money_text(entry["overdue"], currency),
            "order_count": entry["order_count"],
            "orders_total": money.money_text(entry["orders_net"], currency),
        })
    converted = {key: money.money_text(amount, reporting_currency) for key, amount in totals.items()}
    return {
        "reporting_currency": reporting_currency,
        "lifetime_revenue": converted["revenue"],
        "open_orders": {"count": sum(entry["open_count"] for entry in figures.values()),
                        "amount": converted["open_net"]},
        "unpaid_balance": converted["unpaid"],
        "overdue_balance": converted["overdue"],
        "first_order_at": _iso(_earliest(entry["first_order_at"] for entry in figures.values())),
        "last_order_at": _iso(_latest(entry["last_order_at"] for entry in figures.values())),
        "order_count": sum(entry["order_count"] for entry in figures.values()),
        "average_order_value": (money.money_text(totals["orders_net"] / converted_orders, reporting_currency)
                                if converted_orders else None),
        "currencies": breakdown,
        "missing_rates": sorted(currency for currency in figures if currency not in factors),
    }


def _iso(value):
    return value.isoformat() if value is not None else None
