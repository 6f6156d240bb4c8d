"""The agent's queue (``sort=due``: least business time left first, paused
clocks last) reads a page's worth of rows, whatever the number of cases:
EXPLAIN ANALYZE of the very statements services.support.cases.store.list_cases
runs, unfiltered and by status (one, several), team, owner, and team with
statuses, over three pages each (cursor paging); and the pages, read to
the end, are the cases in the queue's order.

The cases are written by SQL (bench.support_cases.seed_queue, the bench's
seeding) in a transaction that is rolled back.  The bench measures the same
at 100,000 open cases (``python -m bench --only support_cases``)."""

import psycopg
import pytest
from psycopg.rows import dict_row

from bench.support_cases import explain_queue, queue_queries, seed_queue, seed_queue_teams
from services.support.cases import store

CASES = 6_000
PAGE = 50


@pytest.fixture(scope="module")
def seeded(support_database_url, support_migrated):
    conn = psycopg.connect(support_database_url, row_factory=dict_row, options="-c search_path=support,public")
    try:
        calendar_id = conn.execute("SELECT id FROM calendars WHERE is_default").fetchone()["id"]
        team_ids, owner_ids = seed_queue_teams(conn, "Queue plans", teams=4, agents=20)
        seed_queue(conn, CASES, team_ids, owner_ids, "Queue plans", calendar_id)
        conn.execute("ANALYZE cases")
        yield conn, team_ids[0], owner_ids[0]
    finally:
        conn.rollback()
        conn.close()


def test_each_page_of_the_queue_reads_a_page_of_rows(seeded):
    conn, team_id, owner_id = seeded
    # At this test's size a sort of a rarer status's few hundred rows may cost the planner less than
    # the ordered index range; a sort made dear (not impossible: without an index that serves
    # filter + order + cursor the plan still sorts and this fails) shows the range is there.  At
    # 100,000 cases the planner takes it unasked (the bench reports those plans).
    conn.execute("SET LOCAL enable_sort = off")
    plans = explain_queue(conn, team_id, owner_id, limit=PAGE, pages=3)
    for name, pages in plans.items():
        statuses = len(queue_queries(team_id, owner_id)[name].get("status") or [None])
        for number, page in enumerate(pages, start=1):
            where = f"{name}, page {number}: {page}"
            assert page["rows"] == PAGE, where
            assert page["sorts"] == 0 and page["seq_scans"] == 0, where
            assert page["indexes"] and all(index.startswith("cases_queue") for index in page["indexes"]), where
            # at most a page (+1, to know there is more) per status branch
            assert page["rows_read"] <= (PAGE + 1) * statuses, where
            # rows read and thrown away: a filter the index does not hold (status within a team) only
            limit = 0 if name in ("unfiltered", "team", "owner") or name.startswith("status") else 10 * PAGE
            assert page["rows_removed"] <= limit, where


@pytest.mark.parametrize("name", ["unfiltered", "status new+open", "status pending", "team + status new+open"])
def test_the_pages_are_the_queue_in_order(seeded, name):
    conn, team_id, owner_id = seeded
    query = queue_queries(team_id, owner_id)[name]
    got, cursor = [], None
    while True:
        rows, cursor = store.list_cases(conn, {**query, "sort": "due", "limit": 400, "cursor": cursor})
        got += [str(row["id"]) for row in rows]
        if cursor is None:
            break
    where, params = ["merged_into IS NULL"], []
    if query.get("status"):
        where.append("status = ANY(%s)")
        params.append(query["status"])
    if query.get("team_id"):
        where.append("team_id = %s")
        params.append(team_id)
    expected = [str(row["id"]) for row in conn.execute(
        f"SELECT id FROM cases WHERE {' AND '.join(where)} ORDER BY due_at NULLS LAST, id", params)]
    assert got == expected
