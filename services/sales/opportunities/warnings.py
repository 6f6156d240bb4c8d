"""What a save of an opportunity tells besides the opportunity itself.

``missing_exchange_rate``: the opportunity's currency has no exchange rate
into the reporting currency (no stored rate at all, see
``services.sales.forecast.rates``), so its amount is left out of the board's
sums and of the forecast until an admin sets one.  The save succeeds; the
answer says so at that moment, so that nobody wonders later why the sums
leave the deal out.
"""

from services.sales.forecast import rates

MISSING_RATE = ("There is no {currency} exchange rate, so this amount is left out of board sums and the forecast "
                "until an admin sets one (PUT /api/v1/exchange-rates).")


def save_warnings(conn, currency, reporting_currency):
    """The warnings of saving an opportunity in ``currency`` (a list, empty when there is nothing to say)."""
    if currency == reporting_currency or rates.has_rate(conn, currency):
        return []
    return [{"code": "missing_exchange_rate", "currency": currency, "detail": MISSING_RATE.format(currency=currency)}]


def with_warnings(snapshot, warnings):
    """An opportunity as a save answers it (OpportunitySavedSchema): ``warnings`` only when there are some."""
    return {**snapshot, "warnings": warnings} if warnings else snapshot
