"""Assignment: ``teams.commands.route_case`` as cases call it, on the real
database: rules as data in position order, the default team, round-robin
spread evenly under concurrency (the team row is locked per case),
fewest-open counting the members' open cases, unavailable and inactive
members skipped, manual teams giving no owner."""

import uuid
from collections import Counter

import psycopg
import pytest
from psycopg.rows import dict_row

from services.support.teams import commands, store
from shared.kit.testing import GreenPool
from tests.services import concurrently, unique

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


@pytest.fixture
def clean_rules(db):
    db.conn.execute("DELETE FROM routing_rules")
    db.conn.execute("UPDATE teams SET is_default = false WHERE is_default")
    yield
    db.conn.execute("DELETE FROM routing_rules")
    db.conn.execute("UPDATE teams SET is_default = false WHERE is_default")


def make_team(conn, members=0, **fields):
    with conn.transaction():
        team = commands.create_team(conn, {"name": unique("Team "), "assignment_method": "round_robin", **fields},
                                    "tests")
        people = []
        for index in range(members):
            person = {"user_id": str(uuid.uuid4()), "name": f"Agent {index}", "email": f"a{index}@example.org"}
            commands.add_member(conn, team["id"], person, "tests")
            people.append(person["user_id"])
    return str(team["id"]), people


def route(conn, **case):
    with conn.transaction():
        return commands.route_case(conn, {"channel": "web", "subject": "", "tags": [], **case})


def add_open_case(db, owner_id, team_id=None, status="open"):
    number = db.scalar("SELECT nextval('case_numbers')")
    db.conn.execute("INSERT INTO cases (id, number_seq, number, subject, status, owner_id, team_id)"
                    " VALUES (%s, %s, %s, 'load', %s, %s, %s)",
                    (str(uuid.uuid4()), number, f"CASE-{number:06d}", status, owner_id, team_id))


def test_round_robin_deals_in_turn(conn):
    team_id, members = make_team(conn, members=3)
    owners = [route(conn, team_id=team_id)["owner_id"] for _ in range(7)]
    assert sorted(owners[:3]) == sorted(members)
    assert owners[3:] == owners[:3] + owners[:1]


def test_concurrent_cases_spread_evenly(connect):
    """Ten transactions routing at once (20 through the service below): 2 each."""
    team_id, members = make_team(connect(), members=5)
    connections = [connect() for _ in range(10)]

    def open_one(conn):
        with conn.transaction():
            routed = commands.route_case(conn, {"channel": "web", "team_id": team_id})
            conn.execute("SELECT pg_sleep(0.01)")  # hold the turn a moment, as opening a case does
        return routed["owner_id"]

    owners = list(GreenPool(10).imap(open_one, connections))
    assert Counter(owners) == dict.fromkeys(members, 2)


def test_fewest_open_counts_open_cases_only(conn, db):
    team_id, (ann, bob, cid) = make_team(conn, members=3, assignment_method="fewest_open")
    for _ in range(2):
        add_open_case(db, ann)
    add_open_case(db, bob, status="pending")
    for status in ("resolved", "closed", "closed"):
        add_open_case(db, cid, status=status)
    assert route(conn, team_id=team_id)["owner_id"] == cid
    add_open_case(db, cid)
    add_open_case(db, cid, status="on_hold")
    # ann 2, bob 1, cid 2 (new and on_hold count, resolved and closed do not)
    assert route(conn, team_id=team_id)["owner_id"] == bob
    add_open_case(db, bob, status="new")
    # all at 2: the one whose last turn is the oldest (ann never had one)
    assert route(conn, team_id=team_id)["owner_id"] == ann


def test_fewest_open_waits_for_the_case_before_it(connect, db):
    """Two cases at once: the second counts the first's case (the team row is held until it commits)."""
    team_id, (ann, bob) = make_team(connect(), members=2, assignment_method="fewest_open")
    add_open_case(db, ann)
    add_open_case(db, bob)
    connections = [connect() for _ in range(6)]

    def open_one(conn):
        with conn.transaction():
            owner = commands.route_case(conn, {"channel": "web", "team_id": team_id})["owner_id"]
            conn.execute("SELECT pg_sleep(0.01)")
            add_open_case_in(conn, owner, team_id)
        return owner

    owners = list(GreenPool(6).imap(open_one, connections))
    assert Counter(owners) == {ann: 3, bob: 3}


def add_open_case_in(conn, owner_id, team_id):
    number = conn.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    conn.execute("INSERT INTO cases (id, number_seq, number, subject, status, owner_id, team_id)"
                 " VALUES (%s, %s, %s, 'load', 'new', %s, %s)",
                 (str(uuid.uuid4()), number, f"CASE-{number:06d}", owner_id, team_id))


def test_unavailable_and_inactive_members_get_nothing(conn, db):
    team_id, (ann, bob, cid) = make_team(conn, members=3)
    with conn.transaction():
        commands.update_member(conn, team_id, bob, {"available": False}, "tests")
    db.conn.execute("UPDATE agents SET active = false WHERE user_id = %s", (cid,))
    assert {route(conn, team_id=team_id)["owner_id"] for _ in range(3)} == {ann}


def test_manual_inactive_and_empty_teams_give_no_owner(conn):
    manual, _ = make_team(conn, members=2, assignment_method="manual")
    assert route(conn, team_id=manual) == {"team_id": manual, "owner_id": None}
    empty, _ = make_team(conn)
    assert route(conn, team_id=empty) == {"team_id": empty, "owner_id": None}
    inactive, _ = make_team(conn, members=1, active=False)
    assert route(conn, team_id=inactive)["owner_id"] is None


def test_a_given_owner_is_kept(conn):
    team_id, members = make_team(conn, members=2)
    someone = str(uuid.uuid4())
    assert route(conn, team_id=team_id, owner_id=someone) == {"team_id": team_id, "owner_id": someone}


def test_rules_send_cases_to_teams_in_position_order(conn, db, clean_rules):
    email_team, (ann,) = make_team(conn, members=1)
    vip_team, (bob,) = make_team(conn, members=1)
    partner_team, _ = make_team(conn)
    default_team, (cid,) = make_team(conn, members=1, is_default=True)
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type) VALUES (%s, 'Partner Co', 'partner')", (account_id,))
    with conn.transaction():
        commands.create_rule(conn, {"name": "vip", "team_id": vip_team, "tags": ["VIP"]}, "tests")
        commands.create_rule(conn, {"name": "email refunds", "team_id": email_team, "channels": ["email"],
                                    "keywords": ["refund"]}, "tests")
        commands.create_rule(conn, {"name": "partners", "team_id": partner_team, "account_types": ["partner"]},
                             "tests")
        commands.create_rule(conn, {"name": "off", "team_id": email_team, "active": False}, "tests")

    assert route(conn, channel="email", subject="Refund please", tags=["vip"]) == {"team_id": vip_team,
                                                                                   "owner_id": bob}
    assert route(conn, channel="email", subject="About my refund") == {"team_id": email_team, "owner_id": ann}
    assert route(conn, channel="email", subject="refunded already") == {"team_id": default_team, "owner_id": cid}
    assert route(conn, account_id=account_id, subject="hi") == {"team_id": partner_team, "owner_id": None}
    # the vip rule moved last: the email rule takes it first
    with conn.transaction():
        vip = next(rule for rule in store.list_rules(conn) if rule["name"] == "vip")
        commands.update_rule(conn, vip["id"], {"position": 4}, "tests")
    assert route(conn, channel="email", subject="refund", tags=["vip"])["team_id"] == email_team
    # no default team: no team at all
    db.conn.execute("UPDATE teams SET is_default = false WHERE is_default")
    assert route(conn, channel="phone", subject="hello") == {"team_id": None, "owner_id": None}


def test_cases_opened_at_once_through_the_service_spread_evenly(support, rpc_proxy, conn, db, clean_rules):
    """20 cases created concurrently by RPC, routed by a rule to a round-robin team of 4: 5 each."""
    team_id, members = make_team(conn, members=4)
    tag = unique("rr")
    with conn.transaction():
        commands.create_rule(conn, {"name": "rr", "team_id": team_id, "tags": [tag]}, "tests")
    calls = [lambda cluster, n=n: cluster.support.create_case(
        {"subject": f"Concurrent {n}", "channel": "web", "tags": [tag]}, "tests") for n in range(20)]
    created = concurrently(rpc_proxy, calls)
    assert all(isinstance(case, dict) for case in created), created
    assert {case["team_id"] for case in created} == {team_id}
    assert Counter(case["owner_id"] for case in created) == dict.fromkeys(members, 5)
