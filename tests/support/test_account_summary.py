"""The account's support summary (RPC ``account_support_summary``, the
"Support" part of the customer-360 view): figures computed by hand from rows
written straight into the schema, at a fixed moment; then the RPC itself,
an account without cases, a bad id, and that its plan uses the indexes."""

import datetime
import uuid

import pytest

from services.support.cases import summary
from shared.schemas.errors import NotFound
from shared.schemas.support.cases import AccountSupportSummarySchema
from tests.support.conftest import known_account

DEFAULT_CALENDAR = "5e1a0000-0000-4000-8000-000000000001"
DAY = datetime.timedelta(days=1)


def make_case(db, account_id, at, *, status="open", priority="normal", age_days=1, merged_into=None):
    seq = db.scalar("SELECT nextval('case_numbers')")
    case_id = str(uuid.uuid4())
    created = at - age_days * DAY
    resolved = created + DAY / 2 if status in ("resolved", "closed") else None
    db.conn.execute(
        "INSERT INTO cases (id, number_seq, number, subject, account_id, status, priority, merged_into,"
        " created_at, resolved_at, closed_at) VALUES (%s, %s, %s, 'Printer on fire', %s, %s, %s, %s, %s, %s, %s)",
        (case_id, seq, f"CASE-{seq:06d}", account_id, status, priority, merged_into, created, resolved,
         resolved if status == "closed" else None))
    return {"id": case_id, "number": f"CASE-{seq:06d}", "created_at": created}


def make_clock(db, case_id, at, *, metric="resolution", breached=True, stopped=False):
    running = None if stopped else at - DAY
    db.conn.execute(
        "INSERT INTO case_sla (case_id, metric, calendar_id, target_seconds, used_seconds, started_at,"
        " running_since, due_at, breached_at, achieved_at, stopped) VALUES (%s, %s, %s, 3600, 0, %s, %s, %s, %s,"
        " %s, %s)",
        (case_id, metric, DEFAULT_CALENDAR, at - 2 * DAY, running,
         None if stopped else at - DAY / 2, at - DAY / 2 if breached else None,
         at - DAY / 4 if stopped else None, stopped))


def make_answer(db, case_id, answered_at, csat, comment=None):
    survey_id = str(uuid.uuid4())
    db.conn.execute(
        "INSERT INTO surveys (id, case_id, email, status, sent_at, expires_at, answered_at, csat, comment)"
        " VALUES (%s, %s, 'ada@example.org', 'answered', %s, %s, %s, %s, %s)",
        (survey_id, case_id, answered_at - DAY, answered_at + 10 * DAY, answered_at, csat, comment))
    return survey_id


def make_task(db, case_id, due_at, done=False):
    db.conn.execute(
        "INSERT INTO tasks (id, case_id, title, due_at, status, done_at) VALUES (%s, %s, 'Call back', %s, %s, %s)",
        (str(uuid.uuid4()), case_id, due_at, "done" if done else "open", due_at if done else None))


@pytest.fixture(scope="module")
def at(db):
    return db.scalar("SELECT date_trunc('second', now())")


@pytest.fixture(scope="module")
def account(db, at):
    """An account with every kind of case (and another account's, never counted)."""
    account_id = known_account(db)
    cases = {
        "urgent": make_case(db, account_id, at, status="open", priority="urgent", age_days=10),
        "oldest": make_case(db, account_id, at, status="pending", priority="high", age_days=200),
        "new": make_case(db, account_id, at, status="new", priority="normal", age_days=1),
        "resolved": make_case(db, account_id, at, status="resolved", priority="low", age_days=30),
        "closed": make_case(db, account_id, at, status="closed", priority="urgent", age_days=100),
    }
    # A duplicate merged into the urgent case: closed, not counted even though it is the newest.
    cases["duplicate"] = make_case(db, account_id, at, status="closed", age_days=0.5,
                                   merged_into=cases["urgent"]["id"])
    make_clock(db, cases["urgent"]["id"], at)  # breached and running: counted
    make_clock(db, cases["urgent"]["id"], at, metric="first_response", breached=False)
    make_clock(db, cases["oldest"]["id"], at, breached=True, stopped=True)  # breached but over: not counted
    make_clock(db, cases["closed"]["id"], at, breached=True)  # breached, but the case is not open
    make_answer(db, cases["resolved"]["id"], at - 5 * DAY, 4, "Quick and kind")
    make_answer(db, cases["closed"]["id"], at - 20 * DAY, 2)
    make_answer(db, cases["closed"]["id"], at - 95 * DAY, 1)  # out of the 90 days
    make_answer(db, cases["resolved"]["id"], at + DAY, 5)  # after the moment asked about
    make_task(db, cases["closed"]["id"], at - DAY)  # open, overdue
    make_task(db, cases["resolved"]["id"], at + DAY)  # open
    make_task(db, cases["resolved"]["id"], at - 3 * DAY, done=True)

    other = known_account(db)
    other_case = make_case(db, other, at, status="open", priority="urgent", age_days=300)
    make_clock(db, other_case["id"], at)
    make_answer(db, other_case["id"], at - DAY, 1)
    make_task(db, other_case["id"], at - DAY)
    return account_id, cases


def expected(account_id, cases, at):
    oldest = cases["oldest"]
    return {
        "account_id": account_id, "as_of": at.isoformat(), "window_days": 90,
        "open_cases": {
            "total": 3,
            "by_priority": {"low": 0, "normal": 1, "high": 1, "urgent": 1},
            "by_status": {"new": 1, "open": 1, "pending": 1, "on_hold": 0},
            "breached": 1,
            "oldest": {"id": oldest["id"], "number": oldest["number"], "created_at": oldest["created_at"].isoformat(),
                       "age_seconds": 200 * 86400},
        },
        "cases_opened_recently": 3,  # urgent (10 days), new (1), resolved (30); not oldest (200), closed (100)
        "last_case_opened_at": cases["new"]["created_at"].isoformat(),
        "csat": {"average": 3.0, "count": 2,
                 "last_answer": {"case_id": cases["resolved"]["id"], "case_number": cases["resolved"]["number"],
                                 "csat": 4, "nps": None, "comment": "Quick and kind",
                                 "answered_at": (at - 5 * DAY).isoformat()}},
        "open_tasks": {"total": 2, "overdue": 1},
    }


def test_the_figures_are_those_counted_by_hand(db, account, at):
    account_id, cases = account
    figures = summary.account_support_summary(db.conn, account_id, at=at)
    assert figures == expected(account_id, cases, at)
    assert AccountSupportSummarySchema().validate(figures) == {}


def test_the_average_is_rounded_to_two_decimals(db, at):
    account_id = known_account(db)
    case = make_case(db, account_id, at, status="resolved")
    for score in (5, 4, 4):
        make_answer(db, case["id"], at - 2 * DAY, score)
    assert summary.account_support_summary(db.conn, account_id, at=at)["csat"]["average"] == 4.33


def test_the_rpc_answers_the_summary_now(support, account, at):
    account_id, cases = account
    figures = support.account_support_summary(account_id)
    assert AccountSupportSummarySchema().validate(figures) == {}
    as_of = datetime.datetime.fromisoformat(figures["as_of"])
    assert as_of >= at
    want = expected(account_id, cases, at)
    age = figures["open_cases"]["oldest"].pop("age_seconds")
    assert 200 * 86400 <= age <= 200 * 86400 + (as_of - at).total_seconds() + 1
    want["open_cases"]["oldest"].pop("age_seconds")
    want["as_of"] = figures["as_of"]
    # The answer 1 day after ``at`` is now in the past only if a day went by: it is not.
    assert figures == want


def test_an_account_without_cases_answers_zeros(support):
    account_id = str(uuid.uuid4())  # not even in the projection
    figures = support.account_support_summary(account_id)
    assert figures["open_cases"] == {"total": 0, "by_priority": {"low": 0, "normal": 0, "high": 0, "urgent": 0},
                                     "by_status": {"new": 0, "open": 0, "pending": 0, "on_hold": 0},
                                     "breached": 0, "oldest": None}
    assert figures["cases_opened_recently"] == 0 and figures["last_case_opened_at"] is None
    assert figures["csat"] == {"average": None, "count": 0, "last_answer": None}
    assert figures["open_tasks"] == {"total": 0, "overdue": 0}


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "12345", None])
def test_a_bad_id_is_not_found(support, bad):
    with pytest.raises(NotFound):
        support.account_support_summary(bad)


def test_every_table_is_reached_through_an_index(db, account, at):
    """The plan with sequential scans priced out: a table without a usable
    index would still be scanned whole (at 100,000 cases over 1,000 accounts
    the planner picks these index paths by itself; the summary reads about
    100 cases' rows)."""
    account_id, _ = account
    params = {"account_id": account_id, "active": ["new", "open", "pending", "on_hold"], "at": at,
              "since": at - 90 * DAY}
    with db.conn.transaction(force_rollback=True):
        db.conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row["QUERY PLAN"] for row in db.all("EXPLAIN " + summary.SUMMARY, params))
    assert "Seq Scan" not in plan, plan
