"""The pipeline board: a pipeline's opportunities grouped by stage, in stage
order, with each stage's count, amount and weighted amount in the reporting
currency, and its largest opportunities.

Amounts are converted with the exchange rates in force today
(``services.sales.forecast.rates``).  An opportunity whose currency has no
rate is counted and listed, but left out of the sums; its currency is named
in ``missing_rates``.  Sums are exact and rounded to cents once, at the end.
"""

from decimal import Decimal

from services.sales.forecast import rates
from services.sales.opportunities import commands, pipelines

ZERO = Decimal("0.00")


def _filters(query):
    where, params = ["o.pipeline_id = %(pipeline_id)s"], {}
    if query.get("owner"):
        where.append("o.owner = ANY(%(owners)s)")
        params["owners"] = list(query["owner"])
    if query.get("close_from") is not None:
        where.append("o.expected_close_date >= %(close_from)s")
        params["close_from"] = query["close_from"]
    if query.get("close_to") is not None:
        where.append("o.expected_close_date <= %(close_to)s")
        params["close_to"] = query["close_to"]
    return " AND ".join(where), params


def _board_cte(query):
    where, params = _filters(query)
    cte = (f"WITH board AS (SELECT o.*, {rates.convert_sql('o.amount')} AS converted"
           f" FROM opportunities o {rates.rate_join_sql('o.currency')} WHERE {where})")
    return cte, params


FIGURES_SQL = """
SELECT stage, count(*) AS count,
       round(coalesce(sum(converted), 0), 2) AS amount,
       round(coalesce(sum(converted * probability / 100), 0), 2) AS weighted_amount,
       array_agg(DISTINCT currency::text) FILTER (WHERE converted IS NULL) AS missing
  FROM board GROUP BY stage"""

ITEMS_SQL = """
SELECT * FROM (
    SELECT board.*, row_number() OVER (PARTITION BY stage ORDER BY converted DESC NULLS LAST, amount DESC, id)
           AS rank
      FROM board) AS ranked
 WHERE rank <= %(limit)s
 ORDER BY stage, rank"""


def pipeline_board(conn, pipeline_id, query, reporting_currency, as_of):
    """The board of a pipeline (BoardSchema) for validated ``query`` (BoardQuerySchema)."""
    row, stages = pipelines.get_pipeline(conn, pipeline_id)
    cte, params = _board_cte(query)
    params.update(rates.rate_params(reporting_currency, as_of), pipeline_id=pipeline_id,
                  limit=query.get("limit_per_stage", 20))
    figures = {figure["stage"]: figure for figure in conn.execute(cte + FIGURES_SQL, params)}
    items = {}
    if params["limit"] > 0:
        for item in conn.execute(cte + ITEMS_SQL, params):
            items.setdefault(item["stage"], []).append(commands.opportunity_snapshot(item))
    missing = sorted({currency for figure in figures.values() for currency in figure["missing"] or ()})
    columns = []
    for stage in stages:
        figure = figures.get(stage["key"], {})
        columns.append({
            "key": stage["key"], "name": stage["name"], "category": stage["category"],
            "probability": stage["probability"], "count": figure.get("count", 0),
            "amount": f"{figure.get('amount', ZERO):.2f}",
            "weighted_amount": f"{figure.get('weighted_amount', ZERO):.2f}",
            "items": items.get(stage["key"], []),
        })
    return {"pipeline": pipelines.pipeline_snapshot(row, stages), "currency": reporting_currency,
            "stages": columns, "missing_rates": missing}
