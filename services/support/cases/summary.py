"""An account's support at a glance (the "Support" part of the customer-360
view the gateway composes): its open cases by priority and status, those with
a breached SLA clock, the oldest open case, recent cases, satisfaction and
open follow-up tasks.  A duplicate merged into another case is not counted
(its conversation lives on in the case it was merged into).

One statement.  Every part starts from the account's cases (index
``cases_account`` of 0003) and reaches clocks, surveys and tasks through
their case indexes (``case_sla``'s unique (case_id, metric, cycle),
``surveys_case``, ``tasks_case``), so its cost is the account's cases, never
the size of the tables.
"""

import datetime

from services.support.cases.states import ACTIVE
from shared.kit.rows import plain
from shared.schemas.support.cases import PRIORITIES, SUMMARY_WINDOW_DAYS

WINDOW_DAYS = SUMMARY_WINDOW_DAYS

SUMMARY = """
WITH acc AS MATERIALIZED (
    SELECT id, number, status, priority, created_at, status = ANY(%(active)s) AS is_open
      FROM cases WHERE account_id = %(account_id)s AND merged_into IS NULL
),
figures AS (
    SELECT count(*) FILTER (WHERE is_open) AS open_total,
           {by_priority},
           {by_status},
           count(*) FILTER (WHERE created_at > %(since)s AND created_at <= %(at)s) AS opened_recently,
           max(created_at) AS last_opened_at
      FROM acc
),
breached AS (
    SELECT count(*) AS n FROM acc
     WHERE is_open AND EXISTS (SELECT 1 FROM case_sla s
                                WHERE s.case_id = acc.id AND s.breached_at IS NOT NULL AND NOT s.stopped)
),
oldest AS (
    SELECT id, number, created_at FROM acc WHERE is_open ORDER BY created_at, id LIMIT 1
),
answers AS MATERIALIZED (
    SELECT sv.case_id, acc.number, sv.csat, sv.nps, sv.comment, sv.answered_at
      FROM acc JOIN surveys sv ON sv.case_id = acc.id
     WHERE sv.status = 'answered' AND sv.answered_at <= %(at)s
),
csat AS (
    SELECT avg(csat)::float8 AS average, count(*) AS n FROM answers WHERE answered_at > %(since)s
),
last_answer AS (
    SELECT * FROM answers ORDER BY answered_at DESC, case_id LIMIT 1
),
open_tasks AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE t.due_at < %(at)s) AS overdue
      FROM acc JOIN tasks t ON t.case_id = acc.id WHERE t.status = 'open'
)
SELECT figures.*, breached.n AS breached,
       oldest.id AS oldest_id, oldest.number AS oldest_number, oldest.created_at AS oldest_created_at,
       csat.average AS csat_average, csat.n AS csat_count,
       last_answer.case_id AS last_case_id, last_answer.number AS last_case_number, last_answer.csat AS last_csat,
       last_answer.nps AS last_nps, last_answer.comment AS last_comment, last_answer.answered_at AS last_answered_at,
       open_tasks.n AS open_tasks, open_tasks.overdue AS overdue_tasks
  FROM figures CROSS JOIN breached CROSS JOIN csat CROSS JOIN open_tasks
  LEFT JOIN oldest ON true LEFT JOIN last_answer ON true
""".format(
    by_priority=",\n           ".join(
        f"count(*) FILTER (WHERE is_open AND priority = '{p}') AS priority_{p}" for p in PRIORITIES),
    by_status=",\n           ".join(
        f"count(*) FILTER (WHERE status = '{s}') AS status_{s}" for s in ACTIVE),
)


def now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


def account_support_summary(conn, account_id, at=None):
    """The summary of ``account_id`` (AccountSupportSummarySchema form) at
    ``at`` (the transaction's now()): an account support never heard of
    answers with zeros, as its cases may come before its projection does."""
    at = at or now(conn)
    since = at - datetime.timedelta(days=WINDOW_DAYS)
    row = conn.execute(SUMMARY, {"account_id": account_id, "active": list(ACTIVE), "at": at,
                                 "since": since}).fetchone()
    oldest = None
    if row["oldest_id"] is not None:
        oldest = {"id": str(row["oldest_id"]), "number": row["oldest_number"],
                  "created_at": plain(row["oldest_created_at"]),
                  "age_seconds": max(0, int((at - row["oldest_created_at"]).total_seconds()))}
    last_answer = None
    if row["last_case_id"] is not None:
        last_answer = {"case_id": str(row["last_case_id"]), "case_number": row["last_case_number"],
                       "csat": row["last_csat"], "nps": row["last_nps"], "comment": row["last_comment"],
                       "answered_at": plain(row["last_answered_at"])}
    average = row["csat_average"]
    return {
        "account_id": str(account_id),
        "as_of": plain(at),
        "window_days": WINDOW_DAYS,
        "open_cases": {
            "total": row["open_total"],
            "by_priority": {p: row[f"priority_{p}"] for p in PRIORITIES},
            "by_status": {s: row[f"status_{s}"] for s in ACTIVE},
            "breached": row["breached"],
            "oldest": oldest,
        },
        "cases_opened_recently": row["opened_recently"],
        "last_case_opened_at": plain(row["last_opened_at"]),
        "csat": {"average": None if average is None else round(average, 2), "count": row["csat_count"],
                 "last_answer": last_answer},
        "open_tasks": {"total": row["open_tasks"], "overdue": row["overdue_tasks"]},
    }
