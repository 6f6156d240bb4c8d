"""The forecast's one aggregate query."""

from services.sales.forecast import rates
from shared.schemas.errors import NotFound

# One statement.  `counted`: every opportunity that counts in the period,
# once: open ones closing in it (an index-only scan of the partial index
# opportunities_open_close) and won ones closed in it (opportunities_won_close);
# lost ones never, open ones whose forecast category is `omitted` neither.
# `sums`: their amounts summed per (owner, pipeline, currency), in their own
# currency.  The outer query converts those few sums with the rates in force
# on the rates date (exact: a rate is constant within a currency; converting
# a few hundred sums instead of every row makes the query ~40% faster) and
# adds them up into the totals, per owner, per pipeline and per currency (the
# last only to find currencies without a rate) with GROUPING SETS.  Nothing
# is rounded here: figures.py rounds each figure once.  The weighted sum is
# kept x100 (amount x probability) so that no division rounds in the database.
FORECAST_SQL = """
WITH counted AS (
    SELECT o.owner, o.pipeline_id, o.currency, o.amount, o.probability, false AS won,
           coalesce(o.forecast_category, s.forecast_category) AS forecast_category
      FROM opportunities o
      JOIN pipeline_stages s ON s.pipeline_id = o.pipeline_id AND s.key = o.stage
     WHERE o.category = 'open' AND o.expected_close_date BETWEEN %(start)s AND %(end)s {filters}
    UNION ALL
    SELECT o.owner, o.pipeline_id, o.currency, o.amount, 100, true, 'closed'
      FROM opportunities o
     WHERE o.category = 'won' AND o.closed_on BETWEEN %(start)s AND %(end)s {filters}
), sums AS (
    SELECT owner, pipeline_id, currency, count(*) AS opportunities,
           sum(amount) FILTER (WHERE NOT won) AS pipeline,
           sum(amount * probability) FILTER (WHERE NOT won) AS weighted_x100,
           sum(amount) FILTER (WHERE NOT won AND forecast_category = 'commit') AS open_commit,
           sum(amount) FILTER (WHERE NOT won AND forecast_category = 'best_case') AS open_best_case,
           sum(amount) FILTER (WHERE won) AS closed_won
      FROM counted
     WHERE won OR forecast_category <> 'omitted'
     GROUP BY owner, pipeline_id, currency
)
SELECT grouping(c.owner, c.pipeline_id, c.currency) AS grouping_set,
       c.owner, c.pipeline_id, c.currency,
       coalesce(sum(c.opportunities) FILTER (WHERE fx.rate IS NOT NULL), 0) AS count,
       coalesce(sum(c.opportunities) FILTER (WHERE fx.rate IS NULL), 0) AS unconverted,
       sum({pipeline}) AS pipeline,
       sum({weighted_x100}) AS weighted_x100,
       sum({open_commit}) AS open_commit,
       sum({open_best_case}) AS open_best_case,
       sum({closed_won}) AS closed_won
  FROM sums c
  {rate_join}
 GROUP BY GROUPING SETS ((), (c.owner), (c.pipeline_id), (c.currency))
"""

SUMS = ("pipeline", "weighted_x100", "open_commit", "open_best_case", "closed_won")
# grouping(owner, pipeline_id, currency): a bit is set for each column NOT grouped by.
TOTALS, BY_OWNER, BY_PIPELINE, BY_CURRENCY = 0b111, 0b011, 0b101, 0b110


def forecast_sql(owner=None, pipeline_id=None):
    filters = ""
    if owner is not None:
        filters += " AND o.owner = %(owner)s"
    if pipeline_id is not None:
        filters += " AND o.pipeline_id = %(pipeline_id)s"
    converted = {name: rates.convert_sql(f"c.{name}") for name in SUMS}
    return FORECAST_SQL.format(filters=filters, rate_join=rates.rate_join_sql("c.currency"), **converted)


def forecast_rows(conn, period, rates_date, reporting_currency, owner=None, pipeline_id=None):
    """The grouped sums of the period (rows of FORECAST_SQL)."""
    if pipeline_id is not None and not conn.execute("SELECT 1 FROM pipelines WHERE id = %s", (pipeline_id,)).fetchone():
        raise NotFound(f"No pipeline {pipeline_id!r}; list_pipelines shows the ids.",
                       {"pipeline_id": ["No such pipeline."]})
    params = {"start": period.start, "end": period.end, "owner": owner, "pipeline_id": pipeline_id,
              **rates.rate_params(reporting_currency, rates_date)}
    return conn.execute(forecast_sql(owner, pipeline_id), params).fetchall()
