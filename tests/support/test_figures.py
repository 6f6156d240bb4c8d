"""The support figures against values worked out by hand.

A team of its own (so other tests' cases never count) gets, in March 2021:

| case | owner | opened | status   | first response (target 3600)    | resolution (target 86400)   |
|------|-------|--------|----------|---------------------------------|-----------------------------|
| c1   | A1    | 03-02  | resolved | 600 s, achieved 03-02: met      | 7200 s, achieved 03-03: met |
| c2   | A1    | 03-05  | closed   | 4000 s, achieved, breached      | 36000 s, achieved 03-06: met |
| c3   | A2    | 03-10  | open     | 1800 s, achieved 03-10: met     | breached 03-20, running      |
| c4   | A2    | 03-15  | pending  | breached 03-15, not achieved    | -                           |
| c5   | -     | 02-20  | new      | -                               | -                           |
| c6   | A1    | 03-12  | closed, merged into c1 (a duplicate: counts nowhere)                 |
| c7   | A1    | now    | open     | breached today, not achieved    | -                           |

First response: ended 4 (c1 c2 c3 c4), met 2; times 600, 1800, 4000: median
1800, p90 1800 + 0.8 * 2200 = 3560.  Resolution: ended 3 (c1 c2 c3), met 2;
times 7200, 36000: median 21600, p90 7200 + 0.9 * 28800 = 33120.
Surveys: c1 answered 03-04 CSAT 5 NPS 10, c2 answered 03-07 CSAT 2 NPS 6, c1
sent again 03-20 and open: CSAT 3.5 of 2, NPS (1 - 1) / 2 = 0, response rate 2/3.
"""

import datetime
import uuid

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.support.figures import SupportFiguresSchema
from tests.support.conftest import unique
from tests.support.survey_support import make_agent, make_case, make_team

CALENDAR = "5e1a0000-0000-4000-8000-000000000001"  # the default calendar of 0004_sla.sql
MARCH = {"from": "2021-03-01", "to": "2021-03-31"}


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def clock(db, case, metric, used, target, started, achieved=None, breached=None):
    db.conn.execute(
        "INSERT INTO case_sla (case_id, metric, calendar_id, target_seconds, used_seconds, started_at, achieved_at,"
        " breached_at, stopped, running_since) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (case["id"], metric, CALENDAR, target, used, started, achieved, breached, achieved is not None,
         None if achieved is not None else started))


def survey(db, case, sent, answered=None, csat=None, nps=None):
    db.conn.execute(
        "INSERT INTO surveys (id, case_id, team_id, owner_id, email, nps_asked, status, sent_at, expires_at,"
        " answered_at, csat, nps) VALUES (%s, %s, %s, %s, 'ada@example.com', true, %s, %s, %s, %s, %s, %s)",
        (str(uuid.uuid4()), case["id"], case["team_id"], case["owner_id"], "answered" if answered else "open", sent,
         sent + datetime.timedelta(days=14), answered, csat, nps))


@pytest.fixture(scope="module")
def march(db):
    """The table above; returns its ids."""
    a1, a2 = make_agent(db), make_agent(db)
    team = make_team(db, name=f"Figures {unique()}")
    c1 = make_case(db, "resolved", team_id=team, owner_id=a1, created_at=at("2021-03-02T10:00"),
                   resolved_at=at("2021-03-03T12:00"))
    c2 = make_case(db, "closed", team_id=team, owner_id=a1, created_at=at("2021-03-05T09:00"),
                   resolved_at=at("2021-03-06T09:00"))
    c3 = make_case(db, "open", team_id=team, owner_id=a2, created_at=at("2021-03-10T09:00"))
    c4 = make_case(db, "pending", team_id=team, owner_id=a2, created_at=at("2021-03-15T09:00"))
    make_case(db, "new", team_id=team, created_at=at("2021-02-20T09:00"))
    c6 = make_case(db, "closed", team_id=team, owner_id=a1, created_at=at("2021-03-12T09:00"))
    db.conn.execute("UPDATE cases SET merged_into = %s WHERE id = %s", (c1["id"], c6["id"]))
    c7 = make_case(db, "open", team_id=team, owner_id=a1)

    clock(db, c1, "first_response", 600, 3600, c1["created_at"], achieved=at("2021-03-02T10:10"))
    clock(db, c1, "resolution", 7200, 86400, c1["created_at"], achieved=at("2021-03-03T12:00"))
    clock(db, c2, "first_response", 4000, 3600, c2["created_at"], achieved=at("2021-03-05T11:00"),
          breached=at("2021-03-05T10:00"))
    clock(db, c2, "resolution", 36000, 86400, c2["created_at"], achieved=at("2021-03-06T09:00"))
    clock(db, c3, "first_response", 1800, 3600, c3["created_at"], achieved=at("2021-03-10T09:30"))
    clock(db, c3, "resolution", 86400, 86400, c3["created_at"], breached=at("2021-03-20T09:00"))
    clock(db, c4, "first_response", 3600, 3600, c4["created_at"], breached=at("2021-03-15T12:00"))
    clock(db, c6, "first_response", 10, 3600, c6["created_at"], achieved=at("2021-03-12T09:00"))  # a duplicate's
    today_breach = db.scalar("SELECT date_trunc('day', now()) + (now() - date_trunc('day', now())) / 2")
    clock(db, c7, "first_response", 60, 60, c7["created_at"], breached=today_breach)

    survey(db, c1, at("2021-03-03T12:00"), at("2021-03-04T08:00"), csat=5, nps=10)
    survey(db, c2, at("2021-03-06T09:00"), at("2021-03-07T08:00"), csat=2, nps=6)
    survey(db, c1, at("2021-03-20T09:00"))
    return {"team": team, "a1": a1, "a2": a2, "c7": c7}


def test_sla_compliance_per_metric(support, march):
    figures = support.support_figures({**MARCH, "team_id": march["team"]})
    assert SupportFiguresSchema().validate(figures) == {}  # what the gateway documents
    assert figures["sla"] == [
        {"metric": "first_response", "ended": 4, "met": 2, "compliance": 0.5},
        {"metric": "next_response", "ended": 0, "met": 0, "compliance": None},
        {"metric": "resolution", "ended": 3, "met": 2, "compliance": 0.6667},
    ]


def test_first_response_and_resolution_times(support, march):
    figures = support.support_figures({**MARCH, "team_id": march["team"]})
    assert figures["times"] == [
        {"metric": "first_response", "count": 3, "median_seconds": 1800.0, "p90_seconds": 3560.0},
        {"metric": "next_response", "count": 0, "median_seconds": None, "p90_seconds": None},
        {"metric": "resolution", "count": 2, "median_seconds": 21600.0, "p90_seconds": 33120.0},
    ]
    assert (figures["opened"], figures["resolved"]) == (4, 2)


def test_backlog_by_status_and_age(support, march):
    backlog = support.support_figures({**MARCH, "team_id": march["team"]})["backlog"]
    assert backlog == {"total": 4, "by_status": {"new": 1, "open": 2, "pending": 1, "on_hold": 0},
                       "by_age": {"under_1d": 1, "1d_to_3d": 0, "3d_to_7d": 0, "7d_to_30d": 0, "over_30d": 3}}


def test_per_agent_and_per_team(support, march):
    figures = support.support_figures({**MARCH, "team_id": march["team"]})
    agents = {row["owner_id"]: row for row in figures["agents"]}
    assert set(agents) == {march["a1"], march["a2"], None}
    assert agents[march["a1"]] == {
        "owner_id": march["a1"], "team_id": None, "team_name": None, "open": 1, "opened": 2, "resolved": 2,
        "first_response_median_seconds": 2300.0, "resolution_median_seconds": 21600.0, "csat_average": 3.5,
        "csat_count": 2}
    assert agents[march["a2"]] == {
        "owner_id": march["a2"], "team_id": None, "team_name": None, "open": 2, "opened": 2, "resolved": 0,
        "first_response_median_seconds": 1800.0, "resolution_median_seconds": None, "csat_average": None,
        "csat_count": 0}
    assert agents[None]["open"] == 1 and agents[None]["opened"] == 0
    assert figures["agents"][-1]["owner_id"] is None  # unassigned last
    [team] = figures["teams"]
    assert team["team_id"] == march["team"] and team["team_name"].startswith("Figures ")
    assert (team["open"], team["opened"], team["resolved"], team["csat_average"], team["csat_count"]) == (
        4, 4, 2, 3.5, 2)
    assert (team["first_response_median_seconds"], team["resolution_median_seconds"]) == (1800.0, 21600.0)


def test_csat_and_nps(support, march):
    figures = support.support_figures({**MARCH, "team_id": march["team"]})
    assert figures["csat"] == {"count": 2, "average": 3.5, "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
                               "sent": 3, "response_rate": 0.6667}
    assert figures["nps"] == {"count": 2, "promoters": 1, "passives": 0, "detractors": 1, "score": 0.0}


def test_todays_breaches(db, support, march):
    # "Today" is the service's when it answers, and the module's cases may have been made the day before (a run
    # crossing midnight): c7's breach is put in the middle of today now, and asked about again should midnight
    # fall between the two.
    for _ in range(2):
        today_breach = db.scalar(
            "UPDATE case_sla SET breached_at = date_trunc('day', now()) + (now() - date_trunc('day', now())) / 2"
            " WHERE case_id = %s AND metric = 'first_response' RETURNING breached_at", (march["c7"]["id"],))
        figures = support.support_figures({**MARCH, "team_id": march["team"]})
        answered_at = datetime.datetime.fromisoformat(figures["generated_at"])
        if answered_at.astimezone(datetime.UTC).date() == today_breach.astimezone(datetime.UTC).date():
            break
    [breach] = figures["breaches_today"]
    assert breach["case_id"] == str(march["c7"]["id"]) and breach["metric"] == "first_response"
    assert breach["number"] == march["c7"]["number"] and breach["owner_id"] == march["a1"]
    assert datetime.datetime.fromisoformat(breach["breached_at"]) == today_breach


def test_one_agents_figures(support, march):
    figures = support.support_figures({**MARCH, "team_id": march["team"], "owner_id": march["a2"]})
    assert figures["sla"][0] == {"metric": "first_response", "ended": 2, "met": 1, "compliance": 0.5}
    assert figures["backlog"]["total"] == 2 and figures["opened"] == 2
    assert [row["owner_id"] for row in figures["agents"]] == [march["a2"]]
    assert figures["csat"]["count"] == 0 and figures["breaches_today"] == []


def test_the_period_follows_the_time_zone(db, support, march):
    # 23:30 UTC on the last day of February is 00:30 on March 1st in Berlin.
    make_case(db, "new", team_id=march["team"], created_at=at("2021-02-28T23:30"))
    utc = support.support_figures({**MARCH, "team_id": march["team"]})
    berlin = support.support_figures({**MARCH, "team_id": march["team"], "time_zone": "Europe/Berlin"})
    assert (utc["opened"], berlin["opened"]) == (4, 5)
    assert berlin["period"] == {"from": "2021-03-01", "to": "2021-03-31", "time_zone": "Europe/Berlin",
                                "team_id": march["team"], "owner_id": None}
    db.conn.execute("DELETE FROM cases WHERE team_id = %s AND created_at = %s", (march["team"],
                                                                                 at("2021-02-28T23:30")))


def test_article_deflection(db, support, march):
    before = support.support_figures(MARCH)["deflection"]
    public, internal = str(uuid.uuid4()), str(uuid.uuid4())
    for article_id, visibility in ((public, "public"), (internal, "internal")):
        db.conn.execute(
            "INSERT INTO articles (id, slug, title, body, body_html, body_text, visibility, status)"
            " VALUES (%s, %s, 'Reset', 'x', '<p>x</p>', 'x', %s, 'published')",
            (article_id, f"reset-{article_id}", visibility))
        db.conn.execute("INSERT INTO article_stats (article_id, views) VALUES (%s, 40)", (article_id,))
    votes = [(public, True, "2021-03-02"), (public, True, "2021-03-09"), (public, True, "2021-03-30"),
             (public, False, "2021-03-09"), (public, True, "2021-04-02"), (internal, True, "2021-03-09")]
    for article_id, helpful, day in votes:
        db.conn.execute("INSERT INTO article_votes (id, article_id, helpful, public, created_at)"
                        " VALUES (%s, %s, %s, true, %s)", (str(uuid.uuid4()), article_id, helpful, at(f"{day}T12:00")))
    after = support.support_figures(MARCH)["deflection"]
    assert after["public_article_views"] - before["public_article_views"] == 40
    assert after["helpful_votes"] - before["helpful_votes"] == 3
    assert after["not_helpful_votes"] - before["not_helpful_votes"] == 1
    assert after["cases_opened"] == before["cases_opened"] >= 4
    helpful, opened = after["helpful_votes"], after["cases_opened"]
    assert after["deflection_rate"] == round(helpful / (helpful + opened), 4)


def test_an_empty_period_has_zeros_not_errors(support):
    figures = support.support_figures({"from": "1999-01-01", "to": "1999-01-31", "team_id": str(uuid.uuid4())})
    assert figures["opened"] == 0 and figures["agents"] == [] and figures["teams"] == []
    assert figures["csat"]["average"] is None and figures["nps"]["score"] is None
    assert all(row["compliance"] is None for row in figures["sla"])


def test_the_default_period_is_the_last_30_days(support):
    figures = support.support_figures({})
    start = datetime.date.fromisoformat(figures["period"]["from"])
    end = datetime.date.fromisoformat(figures["period"]["to"])
    assert (end - start).days == 29 and figures["period"]["time_zone"] == "UTC"


@pytest.mark.parametrize(("filters", "field"), [
    ({"from": "2021-03-31", "to": "2021-03-01"}, "from"),
    ({"from": "2020-01-01", "to": "2021-03-01"}, "from"),
    ({"from": "March"}, "from"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"team_id": "sales"}, "team_id"),
    ({"owner_id": "ann"}, "owner_id"),
    ({"colour": "red"}, "colour"),
])
def test_bad_filters_are_refused(support, filters, field):
    with pytest.raises(ValidationFailed) as refused:
        support.support_figures(filters)
    assert field in refused.value.errors
