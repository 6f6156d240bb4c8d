"""The SQL of the support figures: every figure is computed by PostgreSQL
(counts with FILTER, percentile_cont for medians and p90, GROUPING SETS),
so the work grows with the index ranges read, never with rows carried into
Python.

Every query takes the named parameters of ``params``: ``start`` and ``end``
(the period as a half-open range of instants), ``tz`` (where days begin),
and ``team_id`` / ``owner_id`` when the figures are for one team or agent.
Cases merged into another are duplicates and count nowhere.

Times are the SLA clocks' business seconds (``case_sla.used_seconds`` of an
achieved clock: the business time the response or resolution took, pauses
excluded).
"""

OPEN_STATUSES = ("new", "open", "pending", "on_hold")


def case_filters(params, alias="c"):
    """The optional team / agent conditions on a cases alias."""
    clauses = [f"{alias}.merged_into IS NULL"]
    if params.get("team_id"):
        clauses.append(f"{alias}.team_id = %(team_id)s")
    if params.get("owner_id"):
        clauses.append(f"{alias}.owner_id = %(owner_id)s")
    return " AND ".join(clauses)


def survey_filters(params, alias="sv"):
    """The same on surveys: the team and owner the case had when it was resolved."""
    clauses = ["true"]
    if params.get("team_id"):
        clauses.append(f"{alias}.team_id = %(team_id)s")
    if params.get("owner_id"):
        clauses.append(f"{alias}.owner_id = %(owner_id)s")
    return " AND ".join(clauses)


IN_PERIOD = "{column} >= %(start)s AND {column} < %(end)s"

PERIOD = """
SELECT (%(from)s::date)::timestamp AT TIME ZONE %(tz)s AS start,
       ((%(to)s::date) + 1)::timestamp AT TIME ZONE %(tz)s AS "end",
       date_trunc('day', now() AT TIME ZONE %(tz)s) AT TIME ZONE %(tz)s AS today_start,
       (date_trunc('day', now() AT TIME ZONE %(tz)s) + interval '1 day') AT TIME ZONE %(tz)s AS tomorrow_start,
       now() AS now
"""

TODAY = "SELECT (now() AT TIME ZONE %(tz)s)::date AS today"


def sla_compliance(params):
    """Per metric: the clocks with a target whose outcome fell in the
    period (achieved then, or breached then and not achieved since), and
    how many of them were achieved within the target."""
    return f"""
SELECT s.metric,
       count(*) AS ended,
       count(*) FILTER (WHERE s.achieved_at IS NOT NULL AND s.breached_at IS NULL
                        AND s.used_seconds <= s.target_seconds) AS met
  FROM case_sla s JOIN cases c ON c.id = s.case_id
 WHERE s.target_seconds IS NOT NULL
   AND ((s.achieved_at >= %(start)s AND s.achieved_at < %(end)s)
        OR (s.achieved_at IS NULL AND s.breached_at >= %(start)s AND s.breached_at < %(end)s))
   AND {case_filters(params)}
 GROUP BY s.metric
"""


def durations(params):
    """Per metric: median and p90 of the business seconds of the clocks achieved in the period."""
    return f"""
SELECT s.metric, count(*) AS count,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.used_seconds) AS median_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s.used_seconds) AS p90_seconds
  FROM case_sla s JOIN cases c ON c.id = s.case_id
 WHERE {IN_PERIOD.format(column="s.achieved_at")} AND {case_filters(params)}
 GROUP BY s.metric
"""


def backlog(params):
    """Open cases now, by status and by age since opened (one row per grouping set)."""
    return f"""
SELECT c.status,
       CASE WHEN now() - c.created_at < interval '1 day' THEN 'under_1d'
            WHEN now() - c.created_at < interval '3 days' THEN '1d_to_3d'
            WHEN now() - c.created_at < interval '7 days' THEN '3d_to_7d'
            WHEN now() - c.created_at < interval '30 days' THEN '7d_to_30d'
            ELSE 'over_30d' END AS bucket,
       GROUPING(c.status) AS by_bucket,
       count(*) AS count
  FROM cases c
 WHERE c.status IN ('new', 'open', 'pending', 'on_hold') AND {case_filters(params)}
 GROUP BY GROUPING SETS ((c.status), (bucket))
"""


def counts(params):
    """Cases opened and resolved in the period."""
    return f"""
SELECT count(*) FILTER (WHERE {IN_PERIOD.format(column="c.created_at")}) AS opened,
       count(*) FILTER (WHERE {IN_PERIOD.format(column="c.resolved_at")}
                        AND c.status IN ('resolved', 'closed')) AS resolved
  FROM cases c
 WHERE (({IN_PERIOD.format(column="c.created_at")}) OR ({IN_PERIOD.format(column="c.resolved_at")}))
   AND {case_filters(params)}
"""


GROUP_KEYS = {"agents": ("c.owner_id", "sv.owner_id"), "teams": ("c.team_id", "sv.team_id")}


def groups(params, kind):
    """Per agent (owner) or per team: open now, opened and resolved in the
    period, median first response and resolution (business seconds), CSAT."""
    case_key, survey_key = GROUP_KEYS[kind]
    where = case_filters(params)
    team_name = ("(SELECT name FROM teams WHERE teams.id = keys.k)" if kind == "teams" else "NULL::text")
    return f"""
WITH open_n AS (
    SELECT {case_key} AS k, count(*) AS n FROM cases c
     WHERE c.status IN ('new', 'open', 'pending', 'on_hold') AND {where} GROUP BY 1),
opened_n AS (
    SELECT {case_key} AS k, count(*) AS n FROM cases c
     WHERE {IN_PERIOD.format(column="c.created_at")} AND {where} GROUP BY 1),
resolved_n AS (
    SELECT {case_key} AS k, count(*) AS n FROM cases c
     WHERE {IN_PERIOD.format(column="c.resolved_at")} AND c.status IN ('resolved', 'closed') AND {where}
     GROUP BY 1),
times AS (
    SELECT {case_key} AS k,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY s.used_seconds)
               FILTER (WHERE s.metric = 'first_response') AS first_response,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY s.used_seconds)
               FILTER (WHERE s.metric = 'resolution') AS resolution
      FROM case_sla s JOIN cases c ON c.id = s.case_id
     WHERE s.metric IN ('first_response', 'resolution') AND {IN_PERIOD.format(column="s.achieved_at")}
       AND {where}
     GROUP BY 1),
csat AS (
    SELECT {survey_key} AS k, avg(sv.csat)::float8 AS average, count(*) AS n FROM surveys sv
     WHERE sv.status = 'answered' AND {IN_PERIOD.format(column="sv.answered_at")} AND {survey_filters(params)}
     GROUP BY 1),
keys AS (
    SELECT k FROM open_n UNION SELECT k FROM opened_n UNION SELECT k FROM resolved_n
    UNION SELECT k FROM times UNION SELECT k FROM csat)
SELECT keys.k AS key, {team_name} AS team_name,
       coalesce(open_n.n, 0) AS open, coalesce(opened_n.n, 0) AS opened, coalesce(resolved_n.n, 0) AS resolved,
       times.first_response AS first_response_median_seconds, times.resolution AS resolution_median_seconds,
       csat.average AS csat_average, coalesce(csat.n, 0) AS csat_count
  FROM keys
  LEFT JOIN open_n ON open_n.k IS NOT DISTINCT FROM keys.k
  LEFT JOIN opened_n ON opened_n.k IS NOT DISTINCT FROM keys.k
  LEFT JOIN resolved_n ON resolved_n.k IS NOT DISTINCT FROM keys.k
  LEFT JOIN times ON times.k IS NOT DISTINCT FROM keys.k
  LEFT JOIN csat ON csat.k IS NOT DISTINCT FROM keys.k
 ORDER BY keys.k NULLS LAST
"""


def satisfaction(params):
    """CSAT (count, average, 1-5 distribution), the response rate of the
    surveys sent in the period, and NPS of the answers in the period."""
    answered = f"sv.status = 'answered' AND {IN_PERIOD.format(column='sv.answered_at')}"
    sent = IN_PERIOD.format(column="sv.sent_at")
    return f"""
SELECT count(*) FILTER (WHERE {answered}) AS count,
       (avg(sv.csat) FILTER (WHERE {answered}))::float8 AS average,
       count(*) FILTER (WHERE {answered} AND sv.csat = 1) AS c1,
       count(*) FILTER (WHERE {answered} AND sv.csat = 2) AS c2,
       count(*) FILTER (WHERE {answered} AND sv.csat = 3) AS c3,
       count(*) FILTER (WHERE {answered} AND sv.csat = 4) AS c4,
       count(*) FILTER (WHERE {answered} AND sv.csat = 5) AS c5,
       count(*) FILTER (WHERE {sent}) AS sent,
       count(*) FILTER (WHERE {sent} AND sv.status = 'answered') AS sent_answered,
       count(sv.nps) FILTER (WHERE {answered}) AS nps_count,
       count(*) FILTER (WHERE {answered} AND sv.nps >= 9) AS promoters,
       count(*) FILTER (WHERE {answered} AND sv.nps BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE {answered} AND sv.nps <= 6) AS detractors
  FROM surveys sv
 WHERE (({answered}) OR ({sent})) AND {survey_filters(params)}
"""


def breaches_today(params):
    """The SLA breaches since today's start (in the time zone), newest first."""
    return f"""
SELECT c.id AS case_id, c.number, c.subject, c.priority, c.status, c.team_id, c.owner_id,
       s.metric, s.breached_at, s.achieved_at
  FROM case_sla s JOIN cases c ON c.id = s.case_id
 WHERE s.breached_at >= %(today_start)s AND s.breached_at < %(tomorrow_start)s AND {case_filters(params)}
 ORDER BY s.breached_at DESC, s.id DESC
 LIMIT 200
"""


# The knowledge base keeps views as counters per article (no date), votes
# with their time: views are all time, votes and cases the period's.  The
# whole knowledge base against all cases (articles belong to no team).
DEFLECTION = f"""
SELECT (SELECT coalesce(sum(st.views), 0) FROM article_stats st JOIN articles a ON a.id = st.article_id
         WHERE a.visibility = 'public' AND a.status = 'published') AS public_article_views,
       count(*) FILTER (WHERE v.helpful) AS helpful_votes,
       count(*) FILTER (WHERE NOT v.helpful) AS not_helpful_votes,
       (SELECT count(*) FROM cases c WHERE {IN_PERIOD.format(column="c.created_at")}
           AND c.merged_into IS NULL) AS cases_opened
  FROM article_votes v JOIN articles a ON a.id = v.article_id
 WHERE a.visibility = 'public' AND {IN_PERIOD.format(column="v.created_at")}
"""
