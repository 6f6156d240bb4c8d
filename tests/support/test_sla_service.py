"""The SLA area over the real broker and database: calendars, holidays,
policies and the preview by RPC (bad input, a keyed call twice), and the
sweep of two service containers racing: a breach is detected once, within
one sweep interval of its moment."""

import datetime
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from services.support.service import SupportService
from services.support.sla import commands
from shared.kit.testing import start_container
from shared.schemas.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tests.support.conftest import wait_for

SWEEP_SECONDS = 1.0
WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(scope="module")
def replicas(support_config, db):
    """Two SupportService containers (two replicas) sweeping every second."""
    config = {**support_config, "SLA_SWEEP_SECONDS": str(SWEEP_SECONDS)}
    containers = [start_container(SupportService, config) for _ in range(2)]
    try:
        yield containers
    finally:
        for container in containers:
            container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def service(replicas):
    return replicas[0]


@pytest.fixture
def sql(support_database_url):
    conn = psycopg.connect(support_database_url, row_factory=dict_row, options="-c search_path=support,public",
                           autocommit=True)
    yield conn
    conn.close()


def name(prefix):
    return f"{prefix} {uuid.uuid4().hex[:8]}"


# Calendars, holidays, policies, preview -----------------------------------------------------

def test_calendar_round_trip(support):
    created = support.create_calendar({"name": name("Berlin"), "time_zone": "Europe/Berlin", "weekly_hours": WORKDAYS,
                                       "holiday_country": "de", "holiday_subdivision": "BE",
                                       "dates": [{"date": "2026-12-24", "name": "Christmas Eve"}]}, "admin")
    assert created["holiday_country"] == "DE" and created["version"] == 1
    assert created["dates"] == [{"date": "2026-12-24", "hours": [], "name": "Christmas Eve"}]
    changed = support.update_calendar(created["id"], {"dates": [], "weekly_hours": {"sat": [["10:00", "14:00"]]}},
                                      "admin", 1)
    assert changed["version"] == 2 and changed["dates"] == [] and changed["weekly_hours"] == {
        "sat": [["10:00", "14:00"]]}
    with pytest.raises(PreconditionFailed):
        support.update_calendar(created["id"], {"name": name("Late")}, "admin", 1)
    with pytest.raises(ValidationFailed) as caught:  # BE is no state of the US
        support.update_calendar(created["id"], {"holiday_country": "US"}, "admin")
    assert "holiday_subdivision" in caught.value.errors
    no_holidays = support.update_calendar(created["id"], {"holiday_country": None}, "admin")
    assert no_holidays["holiday_country"] is None and no_holidays["holiday_subdivision"] is None
    assert created["id"] in {item["id"] for item in support.list_calendars()["items"]}
    support.delete_calendar(created["id"], "admin")
    with pytest.raises(NotFound):
        support.get_calendar(created["id"])


@pytest.mark.parametrize("data, field", [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"holiday_country": "XX"}, "holiday_country"),
    ({"weekly_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "weekly_hours.mon.1"),
    ({"weekly_hours": {"mon": [["13:00", "12:00"]]}}, "weekly_hours.mon.0"),
])
def test_bad_calendars_are_refused_naming_the_field(support, data, field):
    before = len(support.list_calendars()["items"])
    with pytest.raises(ValidationFailed) as caught:
        support.create_calendar({"name": name("Bad"), "time_zone": "UTC", "weekly_hours": WORKDAYS, **data}, "admin")
    assert field in caught.value.errors
    assert len(support.list_calendars()["items"]) == before


def test_the_default_calendar_and_used_calendars_stay(support):
    default = next(item for item in support.list_calendars()["items"] if item["is_default"])
    with pytest.raises(Conflict):
        support.delete_calendar(default["id"], "admin")


def test_holidays_of_a_year(support):
    answer = support.list_holidays({"country": "de", "subdivision": "BE", "year": 2026})
    assert {"date": "2026-12-25", "name": "Christmas Day"} in answer["items"]
    with pytest.raises(ValidationFailed) as caught:
        support.list_holidays({"country": "XX", "year": 2026})
    assert "country" in caught.value.errors


def test_policies_order_and_preview(support):
    calendar = support.create_calendar({"name": name("Always"), "time_zone": "UTC", "weekly_hours": ALWAYS},
                                       "admin")
    policy = support.create_sla_policy({"name": name("VIP chat"), "channels": ["chat"], "priorities": ["urgent"],
                                        "calendar_id": calendar["id"], "first_response_minutes": 10,
                                        "resolution_minutes": 120, "warn_percent": 50, "position": 1}, "admin")
    try:
        items = support.list_sla_policies()["items"]
        assert items[0]["id"] == policy["id"] and [item["position"] for item in items] == list(
            range(1, len(items) + 1))
        preview = support.preview_sla({"priority": "urgent", "channel": "chat",
                                       "opened_at": "2026-03-07T10:00:00+00:00"})
        assert preview["policy_id"] == policy["id"]
        targets = {target["metric"]: target for target in preview["targets"]}
        assert targets["first_response"]["due_at"] == "2026-03-07T10:10:00+00:00"
        assert targets["first_response"]["warn_at"] == "2026-03-07T10:05:00+00:00"
        assert targets["next_response"]["due_at"] is None
        assert targets["resolution"]["due_at"] == "2026-03-07T12:00:00+00:00"
        # the seeded Normal policy: office hours (UTC), a Saturday opening waits for Monday
        normal = support.preview_sla({"priority": "normal", "opened_at": "2026-03-07T10:00:00+00:00"})
        assert normal["policy_name"] == "Normal"
        assert {t["metric"]: t["due_at"] for t in normal["targets"]}["first_response"] == "2026-03-09T17:00:00+00:00"
        reordered = support.reorder_sla_policies({"policy_ids": [item["id"] for item in items[1:]] + [policy["id"]]})
        assert reordered["items"][-1]["id"] == policy["id"]
        with pytest.raises(ValidationFailed) as caught:
            support.reorder_sla_policies({"policy_ids": [policy["id"]]})
        assert "policy_ids" in caught.value.errors
        with pytest.raises(ValidationFailed) as caught:
            support.create_sla_policy({"name": name("Lost"), "calendar_id": str(uuid.uuid4()),
                                       "first_response_minutes": 5}, "admin")
        assert "calendar_id" in caught.value.errors
        with pytest.raises(Conflict):
            support.create_sla_policy({"name": policy["name"].upper(), "calendar_id": calendar["id"],
                                       "first_response_minutes": 5}, "admin")
        with pytest.raises(Conflict):
            support.delete_calendar(calendar["id"], "admin")  # a policy uses it
    finally:
        support.delete_sla_policy(policy["id"], "admin")


def test_a_keyed_create_twice_is_one_calendar(rpc_proxy, service):
    key = uuid.uuid4().hex
    data = {"name": name("Keyed"), "time_zone": "UTC", "weekly_hours": WORKDAYS}
    with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
        first = cluster.support.create_calendar(data, "admin")
        second = cluster.support.create_calendar(data, "admin")
    assert first == second


# The sweep of two replicas ----------------------------------------------------------------------

def _case_with_a_clock(sql, due_in_seconds):
    """A case whose first-response clock falls due ``due_in_seconds`` from now."""
    seq = sql.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    case = sql.execute("INSERT INTO cases (id, number_seq, number, subject, priority, status)"
                       " VALUES (%s, %s, %s, 'Sweep me', 'urgent', 'open') RETURNING *",
                       (str(uuid.uuid4()), seq, f"CASE-{seq:06d}")).fetchone()
    with sql.transaction():
        commands.case_opened(sql, case)
    due_at = sql.execute("UPDATE case_sla SET due_at = now() + make_interval(secs => %s), warn_at = NULL"
                         " WHERE case_id = %s AND metric = 'first_response' RETURNING due_at",
                         (due_in_seconds, case["id"])).fetchone()["due_at"]
    return case, due_at


def test_a_breach_is_detected_once_within_a_sweep_interval(replicas, events, db, sql):
    case, due_at = _case_with_a_clock(sql, 2.5)
    [event] = events.wait_for("case.sla_breached", case["id"], timeout=15)
    detected_at = datetime.datetime.fromisoformat(event.data["detected_at"])
    assert due_at <= detected_at <= due_at + datetime.timedelta(seconds=SWEEP_SECONDS + 0.5)
    assert event.data["clock"]["metric"] == "first_response" and event.data["clock"]["breached"]
    assert event.data["case"]["number"] == case["number"]
    # more sweeps of both replicas later: still one
    wait_for(lambda: sql.execute("SELECT count(*) AS n FROM case_sla WHERE case_id = %s AND breached_at IS NOT NULL",
                                 (case["id"],)).fetchone()["n"] == 1, 5)
    events.drain(2.5 * SWEEP_SECONDS)
    events.settle(db, [case["id"]])
    assert len(events.of("case.sla_breached", case["id"])) == 1
    row = sql.execute("SELECT breached_at FROM case_sla WHERE case_id = %s AND metric = 'first_response'",
                      (case["id"],)).fetchone()
    assert row["breached_at"] == due_at


def test_many_breaches_at_once_are_shared_by_the_replicas_each_once(replicas, events, db, sql):
    cases = [_case_with_a_clock(sql, 1.0)[0] for _ in range(60)]
    ids = [str(case["id"]) for case in cases]
    wait_for(lambda: sql.execute("SELECT count(*) AS n FROM case_sla WHERE case_id = ANY(%s::uuid[])"
                                 " AND breached_at IS NOT NULL", (ids,)).fetchone()["n"] == 60, 20)
    events.drain(SWEEP_SECONDS)
    events.settle(db, ids)
    breached = [event.data["case"]["id"] for event in events.of("case.sla_breached")]
    assert sorted(breached) == sorted(ids)


def test_the_bench_part_runs_small(replicas, support_config, support_database_url):
    """bench/support_sla.py at a small size against the two replicas: every
    probe's breach arrives once, well within the promise."""
    from bench import support_sla

    class Stack:
        database_url = support_database_url
        amqp_uri = support_config["AMQP_URI"]

        def config(self, name):
            return support_config

    result = support_sla.run(Stack(), open_cases=300, probes=10, window=1, lead=1, progress=lambda *args: None)
    assert result["failures"] == [] and result["duplicates"] == 0
    assert result["measured"]["within_promise"] == 10 and result["measured"]["missing"] == 0
    assert result["measured"]["max_ms"] < (SWEEP_SECONDS + 2) * 1000
