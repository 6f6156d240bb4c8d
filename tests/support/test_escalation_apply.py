"""Escalation rules applied on an SLA warning or breach
(``escalation.commands.on_sla_event``, as the SLA sweep calls it) on the
real database: the matching rules in position order, each action (mail the
owner, mail the team lead, move to a team, raise the priority), one
case.escalated per applied rule, and once per clock, kind and rule, even
when called twice or by two callers at once."""

import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from services.support.cases import commands as cases
from services.support.escalation import commands
from services.support.teams import commands as teams
from shared.kit.testing import GreenPool
from shared.schemas.support.escalation import CaseEscalatedEventSchema, EscalationListSchema
from tests.services import unique

SCHEMA_OPTIONS = "-c search_path=support,public"


@pytest.fixture
def connect(support_database_url, db):
    opened = []

    def make():
        conn = psycopg.connect(support_database_url, autocommit=True, row_factory=dict_row, options=SCHEMA_OPTIONS)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


@pytest.fixture
def conn(connect):
    return connect()


@pytest.fixture(autouse=True)
def no_rules(db):
    db.conn.execute("DELETE FROM escalation_rules")
    db.conn.execute("DELETE FROM routing_rules")
    yield
    db.conn.execute("DELETE FROM escalation_rules")
    db.conn.execute("DELETE FROM routing_rules")


def person(name):
    return {"user_id": str(uuid.uuid4()), "name": name, "email": f"{name.lower()}.{unique()}@example.org"}


@pytest.fixture
def setting(conn):
    """A first-line team (ann owns its cases, lea leads it), a second-line team (bob)."""
    ann, lea, bob = person("Ann"), person("Lea"), person("Bob")
    with conn.transaction():
        first = teams.create_team(conn, {"name": unique("First "), "assignment_method": "round_robin"}, "tests")
        teams.add_member(conn, first["id"], ann, "tests")
        teams.add_member(conn, first["id"], {**lea, "available": False}, "tests")
        teams.update_team(conn, first["id"], {"lead_id": lea["user_id"]}, "tests")
        second = teams.create_team(conn, {"name": unique("Second ")}, "tests")
        teams.add_member(conn, second["id"], bob, "tests")
    return {"first": str(first["id"]), "second": str(second["id"]), "ann": ann, "lea": lea, "bob": bob}


def open_case(conn, team_id, priority="normal"):
    with conn.transaction():
        return cases.open_case(conn, {"subject": f"Printer on fire {unique()}", "priority": priority,
                                      "channel": "web", "team_id": team_id}, "tests")


def clock(case, metric="first_response", cycle=1):
    """A clock as the SLA sweep passes it (its view: no id)."""
    return {"metric": metric, "cycle": cycle, "due_at": "2026-12-02T10:00:00+00:00"}


def escalate(conn, case, the_clock, kind):
    with conn.transaction():
        return commands.on_sla_event(conn, cases.get_case(conn, case["id"]), the_clock, kind)


def rule(conn, **fields):
    with conn.transaction():
        return commands.create_rule(conn, {"name": unique("Rule "), "on_event": "breach", "metric": None,
                                           "priorities": [], "team_ids": [], "notify_owner": False,
                                           "notify_team_lead": False, "move_to_team_id": None,
                                           "raise_priority": False, "active": True, **fields}, "tests")


def mails(db, case_id):
    return db.all("SELECT * FROM outgoing_mail WHERE case_id = %s AND kind = 'escalation' ORDER BY created_at, id",
                  (case_id,))


def escalated_events(db, case_id):
    return [row["body"]["data"] for row in db.all(
        "SELECT body::jsonb AS body FROM outbox WHERE event_type = 'case.escalated'"
        " AND body::jsonb->'data'->'case'->>'id' = %s ORDER BY id", (str(case_id),))]


def test_a_breach_notifies_the_owner_and_the_lead(conn, db, setting):
    case = open_case(conn, setting["first"])
    assert str(case["owner_id"]) == setting["ann"]["user_id"]
    applied_rule = rule(conn, notify_owner=True, notify_team_lead=True)
    applied = escalate(conn, case, clock(case), "breach")
    assert [item["rule_id"] for item in applied] == [str(applied_rule["id"])]
    assert [action["action"] for action in applied[0]["actions"]] == ["notify_owner", "notify_team_lead"]
    sent = mails(db, case["id"])
    assert sorted(row["to_addresses"] for row in sent) == [[setting["ann"]["email"]], [setting["lea"]["email"]]]
    assert all(case["number"] in row["subject"] and "first response" in row["subject"] for row in sent)
    [event] = escalated_events(db, case["id"])
    assert CaseEscalatedEventSchema().validate(event) == {}
    assert event["escalation"]["rule_name"] == applied_rule["name"]
    assert event["escalation"]["kind"] == "breach" and event["escalation"]["metric"] == "first_response"


def test_applied_once_even_when_called_twice(conn, db, setting):
    case = open_case(conn, setting["first"])
    rule(conn, notify_owner=True, raise_priority=True)
    the_clock = clock(case)
    assert len(escalate(conn, case, the_clock, "breach")) == 1
    assert escalate(conn, case, the_clock, "breach") == []
    assert len(mails(db, case["id"])) == 1
    assert len(escalated_events(db, case["id"])) == 1
    assert cases.get_case(conn, case["id"])["priority"] == "high"
    # the warning of the same clock, another clock: other moments (no breach rule for a warning)
    assert escalate(conn, case, the_clock, "warning") == []
    assert len(escalate(conn, case, clock(case, "resolution"), "breach")) == 1
    assert cases.get_case(conn, case["id"])["priority"] == "urgent"
    # the clock's row (with its id) is the same clock as its view
    assert escalate(conn, case, {**the_clock, "id": 41}, "breach") == []
    # a next cycle of a clock is another moment
    assert len(escalate(conn, case, clock(case, "next_response", 1), "breach")) == 1
    assert len(escalate(conn, case, clock(case, "next_response", 2), "breach")) == 1
    assert len(escalated_events(db, case["id"])) == 4


def test_two_callers_at_once_apply_it_once(connect, db, setting):
    conn = connect()
    case = open_case(conn, setting["first"])
    rule(conn, notify_owner=True, raise_priority=True)
    the_clock = clock(case)

    def call(conn):
        return escalate(conn, case, the_clock, "breach")

    results = list(GreenPool(4).imap(call, [connect() for _ in range(4)]))
    assert sorted(len(result) for result in results) == [0, 0, 0, 1]
    assert len(mails(db, case["id"])) == 1
    assert len(escalated_events(db, case["id"])) == 1
    assert cases.get_case(conn, case["id"])["priority"] == "high"


def test_move_to_team_gives_it_the_next_owner_there(conn, db, setting):
    case = open_case(conn, setting["first"], priority="urgent")
    rule(conn, move_to_team_id=setting["second"], raise_priority=True)
    [applied] = escalate(conn, case, clock(case), "breach")
    moved = cases.get_case(conn, case["id"])
    assert (str(moved["team_id"]), str(moved["owner_id"]), moved["priority"]) == (
        setting["second"], setting["bob"]["user_id"], "urgent")
    assert applied["actions"] == [
        {"action": "move_to_team", "done": True, "team_id": setting["second"], "owner_id": setting["bob"]["user_id"]},
        {"action": "raise_priority", "done": False, "reason": "already urgent"},
    ]
    [event] = escalated_events(db, case["id"])
    assert event["case"]["team_id"] == setting["second"]
    assert db.scalar("SELECT count(*) FROM outbox WHERE event_type = 'case.assigned'"
                     " AND body::jsonb->'data'->'case'->>'id' = %s", (str(case["id"]),)) == 2


def test_conditions_choose_the_rules_in_position_order(conn, db, setting):
    case = open_case(conn, setting["first"], priority="high")
    other_team = rule(conn, name="other team", team_ids=[setting["second"]], notify_owner=True)
    low_only = rule(conn, name="low only", priorities=["low"], notify_owner=True)
    warning = rule(conn, name="warning", on_event="warning", notify_owner=True)
    resolution = rule(conn, name="resolution", metric="resolution", notify_owner=True)
    inactive = rule(conn, name="inactive", notify_owner=True, active=False)
    rule(conn, name="second", priorities=["high", "urgent"], team_ids=[setting["first"]],
                  notify_team_lead=True)
    rule(conn, name="first", metric="first_response", raise_priority=True, position=1)
    applied = escalate(conn, case, clock(case), "breach")
    assert [item["rule_name"] for item in applied] == ["first", "second"]
    assert {other_team["id"], low_only["id"], warning["id"], resolution["id"], inactive["id"]}.isdisjoint(
        {uuid.UUID(item["rule_id"]) for item in applied})
    # rules are chosen by the case as the sweep found it: still "high" for the second rule
    assert cases.get_case(conn, case["id"])["priority"] == "urgent"


def test_no_move_to_an_inactive_team(conn, db, setting):
    case = open_case(conn, setting["first"])
    rule(conn, move_to_team_id=setting["second"])
    with conn.transaction():
        teams.update_team(conn, setting["second"], {"active": False}, "tests")
    [applied] = escalate(conn, case, clock(case), "breach")
    assert applied["actions"] == [{"action": "move_to_team", "done": False, "reason": "the team is inactive"}]
    assert str(cases.get_case(conn, case["id"])["team_id"]) == setting["first"]


def test_nothing_to_notify_is_recorded_not_failed(conn, db, setting):
    with conn.transaction():
        lonely = teams.create_team(conn, {"name": unique("Lonely "), "assignment_method": "manual"}, "tests")
    case = open_case(conn, str(lonely["id"]))
    assert case["owner_id"] is None
    rule(conn, notify_owner=True, notify_team_lead=True)
    [applied] = escalate(conn, case, clock(case), "breach")
    assert applied["actions"] == [
        {"action": "notify_owner", "done": False, "reason": "the case has no owner"},
        {"action": "notify_team_lead", "done": False, "reason": "the case's team has no lead"},
    ]
    assert mails(db, case["id"]) == []


def test_the_escalations_of_a_case_are_listed(support, conn, setting):
    case = open_case(conn, setting["first"])
    rule(conn, notify_owner=True)
    escalate(conn, case, clock(case), "breach")
    answer = support.list_escalations({"case_id": str(case["id"])})
    assert EscalationListSchema().validate(answer) == {}
    listed = answer["items"]
    assert [(item["kind"], item["metric"], item["actions"][0]["done"]) for item in listed] == [
        ("breach", "first_response", True)]
