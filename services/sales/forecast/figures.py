"""Forecast figures from the grouped sums: the arithmetic and the result shape.

    pipeline   = open amounts closing in the period
    weighted   = sum of open amount x probability / 100
    commit     = closed_won + open amounts in the forecast category commit
    best_case  = commit + open amounts in the forecast category best_case
    closed_won = amounts won in the period

Sums arrive exact (converted amounts keep all their decimals); each figure
is rounded once, half up, to two places.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from services.sales.forecast import store

CENT = Decimal("0.01")


def money(value):
    """A decimal string with two places, rounded half up; None counts as 0."""
    with localcontext() as context:
        context.prec = 60
        return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def figures(sums):
    """The Figures of one group from its exact sums (``count`` and store.SUMS,
    in the reporting currency; a missing or None sum is 0)."""
    with localcontext() as context:
        context.prec = 60  # exact: numeric(18,2) x numeric(20,10) x 100, summed, fits easily
        value = {key: Decimal(sums.get(key) or 0) for key in store.SUMS}
        commit = value["closed_won"] + value["open_commit"]
        return {
            "count": int(sums.get("count") or 0),
            "pipeline": money(value["pipeline"]),
            "weighted": money(value["weighted_x100"] / 100),
            "best_case": money(commit + value["open_best_case"]),
            "commit": money(commit),
            "closed_won": money(value["closed_won"]),
        }


def assemble(period, reporting_currency, rates_date, rows):
    """The Forecast result from the rows of store.FORECAST_SQL."""
    totals, by_owner, by_pipeline, missing = {}, [], [], []
    for row in rows:
        kind = row["grouping_set"]
        if kind == store.TOTALS:
            totals = row
        elif kind == store.BY_OWNER:
            by_owner.append({"owner": row["owner"], **figures(row)})
        elif kind == store.BY_PIPELINE:
            by_pipeline.append({"pipeline_id": row["pipeline_id"], **figures(row)})
        elif kind == store.BY_CURRENCY and row["unconverted"]:
            missing.append(row["currency"])
    by_owner.sort(key=lambda item: (item["owner"] is None, item["owner"] or ""))
    by_pipeline.sort(key=lambda item: item["pipeline_id"])
    return {
        "period": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "currency": reporting_currency,
        "rates_date": rates_date.isoformat(),
        "totals": figures(totals),
        "by_owner": by_owner,
        "by_pipeline": by_pipeline,
        "missing_rates": sorted(missing),
    }


def forecast(conn, period, reporting_currency, owner=None, pipeline_id=None, today=None):
    """The forecast of ``period`` (periods.Period) in ``reporting_currency``."""
    today = today or datetime.now(UTC).date()
    rates_date = period.rates_date(today)
    rows = store.forecast_rows(conn, period, rates_date, reporting_currency, owner, pipeline_id)
    return assemble(period, reporting_currency, rates_date, rows)
