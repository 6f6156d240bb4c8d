"""``cases.due_at`` (0009_queue.sql: the queue's sort key, kept by triggers
on case_sla) always equals what the SLA clocks say: the earliest due moment
of the case's running clocks, NULL when none runs with a target.

Random sequences (hypothesis) of replies, customer messages, status moves
(pending, on hold, open, resolved, reopened, closed) and priority changes
run through services.support.cases.commands at advancing moments; after
every step each case's column is compared to a recomputation from its
clocks (as sla.commands.clocks_of returns them, and in SQL over every
cycle).  Each example runs in a transaction that is rolled back."""

import contextlib
import datetime
import os

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from services.support.cases import commands, states
from services.support.sla import commands as sla
from tests.support.conftest import unique

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending", "on_hold", "resolved", "closed")
PROFILE = settings(max_examples=int(os.environ.get("QUEUE_EXAMPLES", 15)), deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

steps = st.lists(st.one_of(
    st.tuples(st.just("reply"), st.integers(0, 1)),
    st.tuples(st.just("customer"), st.integers(0, 1)),
    st.tuples(st.just("status"), st.integers(0, 1), st.sampled_from(STATUSES)),
    st.tuples(st.just("priority"), st.integers(0, 1), st.sampled_from(PRIORITIES)),
), min_size=1, max_size=12)
gaps = st.integers(min_value=1, max_value=3 * 86400)


@contextlib.contextmanager
def rolled_back(url):
    conn = psycopg.connect(url, row_factory=dict_row, options="-c search_path=support,public")
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def expected_due(conn, case_id, at):
    """The earliest due moment of the running clocks, two ways (they must agree)."""
    views = sla.clocks_of(conn, [case_id], at)[str(case_id)]
    from_views = min((datetime.datetime.fromisoformat(view["due_at"]) for view in views
                      if view["running"] and view["due_at"] is not None), default=None)
    in_sql = conn.execute(
        "SELECT min(due_at) AS due FROM case_sla WHERE case_id = %s AND running_since IS NOT NULL"
        " AND achieved_at IS NULL AND NOT stopped", (case_id,)).fetchone()["due"]
    assert from_views == in_sql
    return in_sql


def check(conn, case_ids, at):
    for case_id in case_ids:
        column = conn.execute("SELECT due_at FROM cases WHERE id = %s", (case_id,)).fetchone()["due_at"]
        assert column == expected_due(conn, case_id, at), f"case {case_id} at {at}"


def apply(conn, case_id, step, at):
    kind = step[0]
    if kind in ("reply", "priority") and commands.get_case(conn, case_id)["status"] == "closed":
        return case_id  # refused (409): nothing changes
    if kind == "reply":
        commands.add_message(conn, case_id, kind="reply", body="On it.", actor="ann", at=at)
        return case_id
    if kind == "customer":
        message = commands.add_message(conn, case_id, kind="customer", body="Still broken.",
                                       author_email=None, at=at)
        return message["case_id"]  # a follow-up case when this one was closed
    if kind == "status":
        current = commands.get_case(conn, case_id)["status"]
        if step[2] in states.allowed_targets(current):
            commands.change_status(conn, case_id, step[2], "ann", at=at)
        return case_id
    commands.update_case(conn, case_id, {"priority": step[2]}, "ann", at=at)
    return case_id


@PROFILE
@given(priorities=st.tuples(st.sampled_from(PRIORITIES), st.sampled_from(PRIORITIES)), steps=steps,
       gaps=st.lists(gaps, min_size=12, max_size=12))
def test_the_queue_column_follows_the_clocks(support_database_url, support_migrated, priorities, steps, gaps):
    with rolled_back(support_database_url) as conn:
        at = START
        cases = [commands.open_case(conn, {"subject": f"Queue {unique()}", "priority": priority, "channel": "web"},
                                    "ann", at=at)["id"] for priority in priorities]
        seen = set(cases)
        check(conn, seen, at)
        for step, gap in zip(steps, gaps, strict=False):
            at += datetime.timedelta(seconds=gap)
            index = step[1]
            cases[index] = apply(conn, cases[index], step, at)
            seen.add(cases[index])
            check(conn, seen, at)


def test_paused_and_resumed_clocks_move_the_case_in_the_queue(support_database_url, support_migrated):
    with rolled_back(support_database_url) as conn:
        case = commands.open_case(conn, {"subject": f"Queue {unique()}", "priority": "urgent"}, "ann", at=START)
        due = conn.execute("SELECT due_at FROM cases WHERE id = %s", (case["id"],)).fetchone()["due_at"]
        assert due is not None
        commands.change_status(conn, case["id"], "pending", "ann", at=START + datetime.timedelta(minutes=10))
        assert conn.execute("SELECT due_at FROM cases WHERE id = %s", (case["id"],)).fetchone()["due_at"] is None
        commands.change_status(conn, case["id"], "open", "ann", at=START + datetime.timedelta(minutes=40))
        resumed = conn.execute("SELECT due_at FROM cases WHERE id = %s", (case["id"],)).fetchone()["due_at"]
        assert resumed == due + datetime.timedelta(minutes=30)  # urgent: round the clock, 30 min paused
        version = commands.get_case(conn, case["id"])["version"]
        commands.add_message(conn, case["id"], kind="note", body="internal", actor="ann",
                             at=START + datetime.timedelta(minutes=41))
        assert commands.get_case(conn, case["id"])["version"] == version  # derived, not an edit


def test_new_office_hours_move_the_cases_of_that_calendar(support_database_url, support_migrated):
    from services.support.sla import admin

    with rolled_back(support_database_url) as conn:
        case = commands.open_case(conn, {"subject": f"Queue {unique()}", "priority": "normal"}, "ann", at=START)
        before = conn.execute("SELECT due_at FROM cases WHERE id = %s", (case["id"],)).fetchone()["due_at"]
        clock = conn.execute("SELECT calendar_id FROM case_sla WHERE case_id = %s AND metric = 'first_response'",
                             (case["id"],)).fetchone()
        shorter = {day: [["09:00", "13:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
        admin.update_calendar(conn, clock["calendar_id"], {"weekly_hours": shorter}, "ann",
                              at=START + datetime.timedelta(hours=2))
        after = conn.execute("SELECT due_at FROM cases WHERE id = %s", (case["id"],)).fetchone()["due_at"]
        assert after != before
        assert after == expected_due(conn, case["id"], START + datetime.timedelta(hours=2))
