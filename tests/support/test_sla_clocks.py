"""SLA clocks against the real database (services.support.sla.commands):
opening, pausing and resuming to the second, responses, next-response
cycles, resolution and reopening with the used time kept, a policy change
mid-case, a late achievement, and the sweep's step marking warnings and
breaches exactly once, also with two sweepers racing.

Each test runs in a transaction of its own that is rolled back; the
default policies are switched off in it, so only the test's own apply."""

import datetime
import json
import threading
import uuid
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from services.support.businesshours import add_business_seconds
from services.support.sla import admin, commands, store
from shared.schemas.support.sla import SlaEventSchema

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*parts):
    return datetime.datetime(*parts, tzinfo=BERLIN)


@pytest.fixture
def conn(support_database_url, support_migrated):
    connection = psycopg.connect(support_database_url, row_factory=dict_row,
                                 options="-c search_path=support,public")
    connection.execute("UPDATE sla_policies SET active = false")
    yield connection
    connection.rollback()
    connection.close()


@pytest.fixture
def terms(conn):
    """A Berlin office calendar, a round-the-clock one, and two policies:
    ``urgent`` (1 h / 2 h / 4 h round the clock, warn at 50 %) and the rest
    (4 h / 8 h / 16 h in office hours, warn at 75 %)."""
    office = admin.create_calendar(conn, {"name": f"Berlin {uuid.uuid4().hex[:6]}", "time_zone": "Europe/Berlin",
                                          "weekly_hours": WORKDAYS, "holiday_country": "DE",
                                          "holiday_subdivision": "BE", "dates": []}, "test")
    always = admin.create_calendar(conn, {"name": f"Always {uuid.uuid4().hex[:6]}", "time_zone": "Europe/Berlin",
                                          "weekly_hours": {day: [["00:00", "24:00"]] for day in
                                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
                                   "test")
    urgent = admin.create_policy(conn, {"name": f"Urgent {uuid.uuid4().hex[:6]}", "priorities": ["urgent"],
                                        "calendar_id": always["id"], "first_response_minutes": 60,
                                        "next_response_minutes": 120, "resolution_minutes": 240,
                                        "warn_percent": 50, "position": 1}, "test")
    rest = admin.create_policy(conn, {"name": f"Rest {uuid.uuid4().hex[:6]}", "calendar_id": office["id"],
                                      "first_response_minutes": 240, "next_response_minutes": 480,
                                      "resolution_minutes": 960, "warn_percent": 75}, "test")
    return {"office": office, "always": always, "urgent": urgent, "rest": rest,
            "office_cal": store.calendar_of(conn, office["id"]), "always_cal": store.calendar_of(conn, always["id"])}


def open_case(conn, at, priority="normal", status="new", channel="web"):
    seq = conn.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    case = conn.execute(
        "INSERT INTO cases (id, number_seq, number, subject, priority, channel, status, created_at)"
        " VALUES (%s, %s, %s, 'Printer on fire', %s, %s, %s, %s) RETURNING *",
        (str(uuid.uuid4()), seq, f"CASE-{seq:06d}", priority, channel, status, at)).fetchone()
    commands.case_opened(conn, case, at)
    return case


def change(conn, case, at, **changes):
    after = conn.execute(
        "UPDATE cases SET " + ", ".join(f"{key} = %s" for key in changes) + " WHERE id = %s RETURNING *",
        (*changes.values(), case["id"])).fetchone()
    commands.case_changed(conn, case, after, at)
    return after


def clock(conn, case, metric, cycle=None):
    rows = [row for row in store.clocks(conn, case["id"]) if row["metric"] == metric]
    return rows[-1] if cycle is None else next(row for row in rows if row["cycle"] == cycle)


def test_opening_starts_first_response_and_resolution(conn, terms):
    monday = berlin(2026, 3, 2, 16, 0)
    case = open_case(conn, monday)
    first = clock(conn, case, "first_response")
    assert first["target_seconds"] == 4 * HOUR and str(first["policy_id"]) == terms["rest"]["id"]
    assert first["due_at"] == berlin(2026, 3, 3, 12, 0)  # 1 h on Monday, 3 h on Tuesday
    assert first["warn_at"] == berlin(2026, 3, 3, 11, 0)  # 75 %: 3 h
    assert clock(conn, case, "resolution")["due_at"] == berlin(2026, 3, 4, 16, 0)
    assert {row["metric"] for row in store.clocks(conn, case["id"])} == {"first_response", "resolution"}


def test_pending_pauses_to_the_second_and_open_resumes(conn, terms):
    cal = terms["office_cal"]
    case = open_case(conn, berlin(2026, 3, 2, 10, 0))
    case = change(conn, case, berlin(2026, 3, 2, 11, 0, 17), status="pending")
    paused = clock(conn, case, "resolution")
    assert paused["running_since"] is None and paused["due_at"] is None and paused["used_seconds"] == HOUR + 17
    # a week later (a weekend in between): nothing was used meanwhile
    resumed_at = berlin(2026, 3, 9, 15, 30)
    case = change(conn, case, resumed_at, status="open")
    resumed = clock(conn, case, "resolution")
    assert resumed["used_seconds"] == HOUR + 17 and resumed["running_since"] == resumed_at
    assert resumed["due_at"] == add_business_seconds(cal, resumed_at, 16 * HOUR - HOUR - 17)
    view = commands.clocks_of(conn, [case["id"]], berlin(2026, 3, 9, 16, 30))[str(case["id"])]
    resolution = next(item for item in view if item["metric"] == "resolution")
    assert resolution["used_seconds"] == 2 * HOUR + 17 and resolution["running"] and not resolution["paused"]
    assert resolution["remaining_seconds"] == 14 * HOUR - 17


def test_on_hold_to_pending_stays_paused(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 10, 0))
    case = change(conn, case, berlin(2026, 3, 2, 11, 0), status="on_hold")
    case = change(conn, case, berlin(2026, 3, 2, 12, 0), status="pending")
    assert clock(conn, case, "first_response")["running_since"] is None
    assert clock(conn, case, "first_response")["used_seconds"] == HOUR


def test_responses_are_achieved_with_their_business_time(conn, terms):
    case = open_case(conn, berlin(2026, 3, 6, 16, 0))  # Friday
    commands.customer_replied(conn, case, berlin(2026, 3, 6, 16, 30))  # no next response before the first
    assert [row["metric"] for row in store.clocks(conn, case["id"])].count("next_response") == 0
    commands.agent_replied(conn, case, berlin(2026, 3, 9, 9, 30))  # Monday
    first = clock(conn, case, "first_response")
    assert first["achieved_at"] == berlin(2026, 3, 9, 9, 30) and first["stopped"]
    assert first["used_seconds"] == HOUR + 30 * 60 and first["breached_at"] is None
    # each customer reply waited on is a cycle
    commands.customer_replied(conn, case, berlin(2026, 3, 9, 10, 0))
    commands.customer_replied(conn, case, berlin(2026, 3, 9, 10, 5))  # still the same wait
    commands.agent_replied(conn, case, berlin(2026, 3, 9, 12, 0))
    commands.customer_replied(conn, case, berlin(2026, 3, 9, 13, 0))
    cycles = [row for row in store.clocks(conn, case["id"]) if row["metric"] == "next_response"]
    assert [(row["cycle"], row["used_seconds"], row["stopped"]) for row in cycles] == [(1, 2 * HOUR, True),
                                                                                       (2, 0, False)]
    assert cycles[1]["due_at"] == berlin(2026, 3, 10, 13, 0)
    assert clock(conn, case, "first_response")["achieved_at"] == berlin(2026, 3, 9, 9, 30)  # once


def test_resolving_stops_and_reopening_keeps_the_used_time(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 9, 0))
    case = change(conn, case, berlin(2026, 3, 2, 12, 0), status="resolved")
    resolution = clock(conn, case, "resolution")
    assert resolution["achieved_at"] == berlin(2026, 3, 2, 12, 0) and resolution["used_seconds"] == 3 * HOUR
    first = clock(conn, case, "first_response")
    assert first["stopped"] and first["achieved_at"] is None  # never answered publicly
    case = change(conn, case, berlin(2026, 3, 3, 9, 0), status="open")  # reopened the next morning
    resolution = clock(conn, case, "resolution")
    assert resolution["achieved_at"] is None and not resolution["stopped"]
    assert resolution["used_seconds"] == 3 * HOUR
    assert resolution["due_at"] == berlin(2026, 3, 4, 14, 0)  # 13 h left: 8 on Tuesday, 5 on Wednesday
    case = change(conn, case, berlin(2026, 3, 3, 10, 0), status="closed")
    assert clock(conn, case, "resolution")["used_seconds"] == 4 * HOUR


def test_reopening_into_pending_stays_paused(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 9, 0))
    case = change(conn, case, berlin(2026, 3, 2, 10, 0), status="resolved")
    case = change(conn, case, berlin(2026, 3, 2, 11, 0), status="pending")
    resolution = clock(conn, case, "resolution")
    assert not resolution["stopped"] and resolution["running_since"] is None and resolution["used_seconds"] == HOUR


def test_a_policy_change_keeps_the_used_time_and_counts_the_rest_on_the_new_terms(conn, terms):
    """GLPI loses paused time when the SLA changes (glpi#15605): not here."""
    case = open_case(conn, berlin(2026, 3, 6, 15, 0))  # Friday, office hours
    case = change(conn, case, berlin(2026, 3, 6, 15, 30), status="pending")
    case = change(conn, case, berlin(2026, 3, 6, 16, 0), status="open")
    at = berlin(2026, 3, 6, 16, 45)  # used: 30 min + 45 min = 75 min of business time
    case = change(conn, case, at, priority="urgent")
    first = clock(conn, case, "first_response")
    assert str(first["policy_id"]) == terms["urgent"]["id"]
    assert str(first["calendar_id"]) == terms["always"]["id"]
    assert first["used_seconds"] == 75 * 60 and first["target_seconds"] == HOUR
    assert first["due_at"] == at  # already past the new target: due at once
    resolution = clock(conn, case, "resolution")
    assert resolution["used_seconds"] == 75 * 60 and resolution["target_seconds"] == 4 * HOUR
    assert resolution["due_at"] == at + datetime.timedelta(seconds=4 * HOUR - 75 * 60)  # round the clock now
    assert resolution["warn_at"] == at + datetime.timedelta(seconds=2 * HOUR - 75 * 60)
    # and back: the time used round the clock (Friday evening) counts too
    back_at = berlin(2026, 3, 6, 18, 45)
    case = change(conn, case, back_at, priority="normal")
    resolution = clock(conn, case, "resolution")
    assert resolution["used_seconds"] == 75 * 60 + 2 * HOUR and str(resolution["policy_id"]) == terms["rest"]["id"]
    assert resolution["due_at"] == add_business_seconds(terms["office_cal"], back_at,
                                                        16 * HOUR - 75 * 60 - 2 * HOUR)


def test_a_policy_change_while_paused_keeps_it_paused(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 9, 0))
    case = change(conn, case, berlin(2026, 3, 2, 10, 0), status="on_hold")
    case = change(conn, case, berlin(2026, 3, 2, 11, 0), priority="urgent")
    resolution = clock(conn, case, "resolution")
    assert resolution["running_since"] is None and resolution["used_seconds"] == HOUR
    assert resolution["target_seconds"] == 4 * HOUR and resolution["due_at"] is None
    case = change(conn, case, berlin(2026, 3, 2, 12, 0), status="open")
    assert clock(conn, case, "resolution")["due_at"] == berlin(2026, 3, 2, 15, 0)


def test_an_achievement_past_due_is_a_breach_at_its_moment(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 9, 0), priority="urgent")
    commands.agent_replied(conn, case, berlin(2026, 3, 2, 10, 30))
    first = clock(conn, case, "first_response")
    assert first["breached_at"] == berlin(2026, 3, 2, 10, 0) and first["used_seconds"] == 90 * 60
    # the sweep never saw it, yet consumers hear of the breach, once
    events = conn.execute("SELECT event_type, body FROM outbox WHERE body::jsonb->'data'->'case'->>'id' = %s"
                          " AND event_type = 'case.sla_breached'", (str(case["id"]),)).fetchall()
    assert len(events) == 1
    data = json.loads(events[0]["body"])["data"]
    assert data["clock"]["metric"] == "first_response" and SlaEventSchema().validate(data) == {}
    assert commands.sweep_due(conn, "breach", berlin(2026, 3, 2, 11, 0), 10) == 0
    commands.agent_replied(conn, case, berlin(2026, 3, 2, 11, 0))  # nothing left to breach
    assert conn.execute("SELECT count(*) AS n FROM outbox WHERE event_type = 'case.sla_breached'"
                        " AND body::jsonb->'data'->'case'->>'id' = %s", (str(case["id"]),)).fetchone()["n"] == 1


def test_no_matching_policy_counts_without_a_target_on_the_default_calendar(conn, terms):
    conn.execute("UPDATE sla_policies SET active = false")
    case = open_case(conn, berlin(2026, 3, 2, 9, 0))
    first = clock(conn, case, "first_response")
    assert first["policy_id"] is None and first["target_seconds"] is None and first["due_at"] is None
    assert first["calendar_id"] == store.default_calendar_id(conn)


def test_policy_conditions_channel_and_account(conn, terms):
    account_id = str(uuid.uuid4())
    conn.execute("INSERT INTO accounts (id, name, type, tier, country, source_version)"
                 " VALUES (%s, 'Globex', 'partner', 'gold', 'DE', 1)", (account_id,))
    gold = admin.create_policy(conn, {"name": f"Gold {uuid.uuid4().hex[:6]}", "account_tiers": ["gold"],
                                      "channels": ["phone"], "calendar_id": terms["always"]["id"],
                                      "first_response_minutes": 15, "position": 1}, "test")
    facts = {"priority": "normal", "channel": "phone", "account_id": account_id}
    assert str(commands.policy_for(conn, facts)["id"]) == gold["id"]
    assert str(commands.policy_for(conn, {**facts, "channel": "email"})["id"]) == terms["rest"]["id"]
    assert str(commands.policy_for(conn, {**facts, "account_id": None})["id"]) == terms["rest"]["id"]


# The sweep's step ------------------------------------------------------------------------

def test_warning_and_breach_are_marked_once_with_their_events(conn, terms):
    opened = berlin(2026, 3, 2, 9, 0)
    case = open_case(conn, opened, priority="urgent")
    seen = []

    def on_event(conn_, case_, clock_, kind):
        seen.append((case_["number"], clock_["metric"], kind))

    assert commands.sweep_due(conn, "warning", opened + datetime.timedelta(minutes=29), 10, on_event) == 0
    assert commands.sweep_due(conn, "warning", opened + datetime.timedelta(minutes=30), 10, on_event) == 1
    assert commands.sweep_due(conn, "warning", opened + datetime.timedelta(minutes=31), 10, on_event) == 0
    assert commands.sweep_due(conn, "breach", opened + datetime.timedelta(minutes=61), 10, on_event) == 1
    assert commands.sweep_due(conn, "breach", opened + datetime.timedelta(minutes=62), 10, on_event) == 0
    assert seen == [(case["number"], "first_response", "warning"), (case["number"], "first_response", "breach")]
    first = clock(conn, case, "first_response")
    assert first["warned_at"] == opened + datetime.timedelta(minutes=30)
    assert first["breached_at"] == opened + datetime.timedelta(minutes=60)
    events = conn.execute("SELECT event_type, body FROM outbox WHERE body::jsonb->'data'->'case'->>'id' = %s"
                          " ORDER BY id", (str(case["id"]),)).fetchall()
    assert [row["event_type"] for row in events] == ["case.sla_warning", "case.sla_breached"]
    data = json.loads(events[1]["body"])["data"]
    assert data["clock"]["breached"] is True
    assert SlaEventSchema().validate(data) == {}  # the event's contract


def test_a_breach_found_before_its_warning_records_the_warning_first(conn, terms):
    """Both moments passed before any sweep saw the clock (or between one
    replica's warning and breach passes): the breach pass owes the warning."""
    opened = berlin(2026, 3, 2, 9, 0)
    case = open_case(conn, opened, priority="urgent")
    seen = []

    def on_event(conn_, case_, clock_, kind):
        seen.append((clock_["metric"], kind))

    assert commands.sweep_due(conn, "breach", opened + datetime.timedelta(minutes=61), 10, on_event) == 1
    assert commands.sweep_due(conn, "warning", opened + datetime.timedelta(minutes=62), 10, on_event) == 0
    assert commands.sweep_due(conn, "breach", opened + datetime.timedelta(minutes=62), 10, on_event) == 0
    assert seen == [("first_response", "warning"), ("first_response", "breach")]
    first = clock(conn, case, "first_response")
    assert first["warned_at"] == opened + datetime.timedelta(minutes=30)
    assert first["breached_at"] == opened + datetime.timedelta(minutes=60)
    events = conn.execute("SELECT event_type FROM outbox WHERE body::jsonb->'data'->'case'->>'id' = %s"
                          " AND event_type LIKE 'case.sla_%%' ORDER BY id", (str(case["id"]),)).fetchall()
    assert [row["event_type"] for row in events] == ["case.sla_warning", "case.sla_breached"]


def test_a_failing_escalation_leaves_the_breach_recorded(conn, terms):
    opened = berlin(2026, 3, 2, 9, 0)
    case = open_case(conn, opened, priority="urgent")

    def broken(*args):
        conn.execute("SELECT 1/0")

    assert commands.sweep_due(conn, "breach", opened + datetime.timedelta(hours=2), 10, broken) == 1
    assert clock(conn, case, "first_response")["breached_at"] == opened + datetime.timedelta(hours=1)


def test_two_sweepers_racing_take_each_clock_once(support_database_url, support_migrated):
    """Two sweepers on their own connections, committing batches of 20
    concurrently over 120 due clocks: each breach is marked and written once."""
    setup = psycopg.connect(support_database_url, row_factory=dict_row, options="-c search_path=support,public",
                            autocommit=True)
    opened = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    label = uuid.uuid4().hex[:8]
    with setup.transaction():
        always = admin.create_calendar(setup, {"name": f"Race {label}", "time_zone": "UTC", "weekly_hours": {
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}, "test")
        setup.execute("UPDATE sla_policies SET active = false WHERE created_by = 'race'")
        policy = admin.create_policy(setup, {"name": f"Race {label}", "calendar_id": always["id"],
                                             "channels": ["chat"], "first_response_minutes": 1, "position": 1},
                                     "race")
        cases = [open_case(setup, opened, channel="chat") for _ in range(120)]
    case_ids = [str(case["id"]) for case in cases]
    counts, errors = [], []

    def sweeper():
        try:
            with psycopg.connect(support_database_url, row_factory=dict_row,
                                 options="-c search_path=support,public", autocommit=True) as own:
                while True:
                    with own.transaction():
                        taken = commands.sweep_due(own, "breach", datetime.datetime.now(datetime.UTC), 20)
                    counts.append(taken)
                    if taken == 0:
                        break
        except Exception as exc:  # noqa: BLE001 - a thread's failure is reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == []
        events = setup.execute(
            "SELECT body::jsonb->'data'->'case'->>'id' AS case_id FROM outbox WHERE event_type = 'case.sla_breached'"
            " AND body::jsonb->'data'->'case'->>'id' = ANY(%s)", (case_ids,)).fetchall()
        assert sorted(row["case_id"] for row in events) == sorted(case_ids)  # each exactly once
        assert sum(counts) == 120
        marked = setup.execute("SELECT count(*) AS n FROM case_sla WHERE case_id = ANY(%s::uuid[])"
                               " AND metric = 'first_response' AND breached_at IS NOT NULL", (case_ids,)).fetchone()
        assert marked["n"] == 120
    finally:
        setup.execute("UPDATE sla_policies SET active = false WHERE id = %s", (policy["id"],))
        setup.close()


def test_new_hours_keep_what_was_used_and_count_the_rest_on_them(conn, terms):
    case = open_case(conn, berlin(2026, 3, 2, 9, 0))
    paused = open_case(conn, berlin(2026, 3, 2, 9, 0))
    paused = change(conn, paused, berlin(2026, 3, 2, 10, 0), status="on_hold")
    at = berlin(2026, 3, 2, 12, 0)  # 3 h used on 09:00-17:00
    short = {day: [["09:00", "13:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    admin.update_calendar(conn, terms["office"]["id"], {"weekly_hours": short}, "test", at=at)
    first = clock(conn, case, "first_response")
    assert first["used_seconds"] == 3 * HOUR and first["running_since"] == at
    assert first["due_at"] == berlin(2026, 3, 2, 13, 0)  # 1 h left, on the new hours
    assert clock(conn, case, "resolution")["due_at"] == berlin(2026, 3, 5, 13, 0)  # 13 h left: 1 + 4 + 4 + 4
    assert clock(conn, paused, "resolution")["used_seconds"] == HOUR  # paused: untouched
    assert clock(conn, paused, "resolution")["running_since"] is None
