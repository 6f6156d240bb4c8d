"""Exchange rates: storing them, and converting amounts to the reporting
currency in SQL.

A rate is how many units of the reporting currency one unit of ``currency``
is worth, from ``valid_from`` on.  The rate *in force* on a day is the one
with the latest ``valid_from`` on or before that day; a currency whose first
rate starts later than the day uses that first rate (better than nothing for
a past period whose rates were entered afterwards).  The reporting currency
always has rate 1 (a stored row for it is ignored, and refused on input).
A currency without any stored rate has no rate: its amounts convert to NULL.

Converting in a query (the forecast, the pipeline board)::

    sql = f"SELECT sum({rates.convert_sql('o.amount')}) AS total, ..."
          f" FROM opportunities o {rates.rate_join_sql('o.currency')} WHERE ..."
    conn.execute(sql, {**rates.rate_params(reporting_currency, as_of), ...})

The query must use named (``%(name)s``) parameters; the fragment's are
``fx_reporting`` and ``fx_as_of``.
"""

from datetime import date
from decimal import Decimal

from shared.schemas.errors import ValidationFailed

# (currency, rate) of every currency with a rate on %(fx_as_of)s, the
# reporting currency included (rate 1).  exchange_rates is small (a few rows
# per currency), so this is a cheap hash-join input.
RATES_IN_FORCE_SQL = """(
    SELECT currency, rate FROM (
        SELECT DISTINCT ON (currency) currency, rate
          FROM exchange_rates
         WHERE currency <> %(fx_reporting)s
         ORDER BY currency, valid_from > %(fx_as_of)s,
                  CASE WHEN valid_from <= %(fx_as_of)s THEN valid_from END DESC NULLS LAST, valid_from
    ) AS stored
    UNION ALL
    SELECT %(fx_reporting)s::char(3), 1::numeric
)"""


def rate_params(reporting_currency, as_of):
    """The parameters of ``rate_join_sql``: the reporting currency and the day
    whose rates apply (a ``date``)."""
    if not isinstance(as_of, date):
        raise TypeError("as_of must be a date")
    return {"fx_reporting": reporting_currency, "fx_as_of": as_of}


def rate_join_sql(currency_column="o.currency", alias="fx"):
    """``LEFT JOIN (rates in force) AS fx ON fx.currency = <currency_column>``.

    After it, ``fx.rate`` is the rate of the row's currency, NULL when that
    currency has no rate (``count(fx.rate)`` counts the convertible rows;
    ``fx.rate IS NULL`` finds the missing ones).  Needs ``rate_params(...)``
    among the query's named parameters.
    """
    return f"LEFT JOIN {RATES_IN_FORCE_SQL} AS {alias} ON {alias}.currency = {currency_column}"


def convert_sql(amount_column="o.amount", alias="fx"):
    """The SQL expression of an amount in the reporting currency, exact (not
    rounded; round the sum), NULL when its currency has no rate.  Use it
    with ``rate_join_sql``."""
    return f"({amount_column} * {alias}.rate)"


def rates_in_force(conn, reporting_currency, as_of):
    """{currency: Decimal rate} in force on ``as_of``, the reporting currency included."""
    rows = conn.execute(f"SELECT currency, rate FROM {RATES_IN_FORCE_SQL} AS fx",
                        rate_params(reporting_currency, as_of)).fetchall()
    return {row["currency"]: row["rate"] for row in rows}


def has_rate(conn, currency):
    """Whether ``currency`` has a stored rate (so its amounts convert on any
    day: before its first rate, that one is used).  The reporting currency
    needs none: ask about the others."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM exchange_rates WHERE currency = %s) AS known",
                        (currency,)).fetchone()["known"]


def convert(amount, currency, rates):
    """``amount`` (Decimal) in the reporting currency with ``rates`` from
    ``rates_in_force``; None when the currency has no rate."""
    rate = rates.get(currency)
    return None if rate is None else Decimal(amount) * rate


# Storage ----------------------------------------------------------------------

def rate_item(row):
    return {"currency": row["currency"], "rate": format(row["rate"].normalize(), "f"),
            "valid_from": row["valid_from"].isoformat(), "set_by": row["set_by"], "set_at": row["set_at"].isoformat()}


def list_rates(conn, reporting_currency):
    rows = conn.execute(
        "SELECT currency, rate, valid_from, set_by, set_at FROM exchange_rates WHERE currency <> %s"
        " ORDER BY currency, valid_from",
        (reporting_currency,),
    ).fetchall()
    return {"currency": reporting_currency, "items": [rate_item(row) for row in rows]}


def set_rates(conn, rates, reporting_currency, actor=None):
    """Add or replace rates (loaded ``ExchangeRateSchema`` items; same currency
    and valid_from: replaced).  The reporting currency's rate is always 1."""
    errors = {f"rates.{index}.currency": [f"{reporting_currency} is the reporting currency; its rate is always 1."]
              for index, item in enumerate(rates) if item["currency"] == reporting_currency}
    if errors:
        raise ValidationFailed("The reporting currency has no exchange rate to set; leave it out.", errors)
    if rates:
        conn.execute(
            "INSERT INTO exchange_rates (currency, valid_from, rate, set_by)"
            " SELECT currency, valid_from, rate, %s FROM unnest(%s::text[], %s::date[], %s::numeric[])"
            "   AS given (currency, valid_from, rate)"
            " ON CONFLICT (currency, valid_from) DO UPDATE"
            " SET rate = EXCLUDED.rate, set_by = EXCLUDED.set_by, set_at = now()",
            (actor, [item["currency"] for item in rates], [item["valid_from"] for item in rates],
             [item["rate"] for item in rates]),
        )
    return list_rates(conn, reporting_currency)
