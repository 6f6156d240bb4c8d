"""Assignment of new leads by the rules (round robin, territories by
priority), reassignment and its event, and round robin under concurrency."""

import collections
from datetime import datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.kit.testing import spawn
from shared.schemas.errors import DuplicateFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.leads import AssignmentRulesChangesPageSchema, AssignmentRulesStateSchema
from tests.leads.conftest import concurrently, person, unique, wait_for


def round_robin(owners, rule_id="pool", priority=100):
    return {"id": rule_id, "name": "Sales pool", "priority": priority, "kind": "round_robin", "owners": owners}


def test_round_robin_deals_the_pool_in_turn(leads, assignment_rules):
    owners = [unique("anna-"), unique("ben-"), unique("cleo-")]
    assignment_rules([round_robin(owners)])

    dealt = [leads.create_lead(person(), "tester")["owner"] for _ in range(9)]

    assert dealt == owners * 3


def test_a_lead_with_an_owner_keeps_it_and_takes_no_turn(leads, assignment_rules):
    owners = [unique("anna-"), unique("ben-")]
    assignment_rules([round_robin(owners)])
    assert leads.create_lead(person(), "tester")["owner"] == owners[0]
    assert leads.create_lead(person(owner="olga"), "tester")["owner"] == "olga"
    assert leads.create_lead(person(), "tester")["owner"] == owners[1]


def test_territory_rules_match_by_country_and_industry_in_priority_order(leads, assignment_rules):
    owner = {name: unique(f"{name}-") for name in ("de_software", "de", "software", "rest", "off")}
    assignment_rules([  # deliberately not in priority order
        round_robin([owner["rest"]], "rest", priority=1000),
        {"id": "software", "name": "Software anywhere", "priority": 30, "kind": "territory",
         "industries": ["software"], "owners": [owner["software"]]},
        {"id": "de", "name": "Germany", "priority": 20, "kind": "territory", "countries": ["DE"],
         "owners": [owner["de"]]},
        {"id": "de-software", "name": "German software", "priority": 10, "kind": "territory",
         "countries": ["DE"], "industries": ["Software"], "owners": [owner["de_software"]]},
        {"id": "off", "name": "Switched off", "priority": 1, "kind": "territory", "countries": ["DE", "FR"],
         "owners": [owner["off"]], "enabled": False},
    ])
    cases = [
        ({"country": "DE", "industry": "Software"}, "de_software"),
        ({"country": "de", "industry": "  SOFTWARE "}, "de_software"),
        ({"country": "DE", "industry": "Retail"}, "de"),
        ({"country": "DE"}, "de"),
        ({"country": "FR", "industry": "software"}, "software"),
        ({"country": "FR", "industry": "Retail"}, "rest"),
        ({}, "rest"),
    ]
    for fields, expected in cases:
        assert leads.create_lead(person(**fields), "tester")["owner"] == owner[expected], fields


def test_reassignment_publishes_lead_assigned_with_the_previous_owner(leads, events, db):
    lead = leads.create_lead(person(owner="olga"), "tester")

    moved = leads.assign_lead(lead["id"], "pete", "manager")

    assert moved["owner"] == "pete"
    assert moved["version"] == lead["version"] + 1
    assert leads.assign_lead(lead["id"], "pete", "manager") == moved  # no change, no event
    received = events.wait_for("lead.assigned", lead["id"])
    events.settle(db, [lead["id"]])
    assert len(events.of(subject_id=lead["id"])) == 2  # lead.created and this one
    assert len(received) == 1
    data = contract("lead.assigned").schema().load(received[0].data)
    assert data["previous_owner"] == "olga"
    assert received[0].data["lead"] == moved
    history = leads.lead_history(lead["id"])["items"]
    assert history[0]["action"] == "assigned" and history[0]["actor"] == "manager"
    assert history[0]["changes"]["owner"] == ["olga", "pete"]


@pytest.mark.parametrize("owner", ["", "x" * 101, None, 42])
def test_reassignment_to_a_bad_owner_is_refused(leads, owner):
    lead = leads.create_lead(person(owner="olga"), "tester")
    with pytest.raises(ValidationFailed) as raised:
        leads.assign_lead(lead["id"], owner, "manager")
    assert "owner" in raised.value.errors
    assert leads.get_lead(lead["id"]) == lead


def test_invalid_assignment_rules_are_refused_naming_the_rule(leads, assignment_rules):
    good = round_robin(["anna"])
    kept = assignment_rules([good])
    territory_without_criteria = {"id": "t", "name": "T", "kind": "territory", "owners": ["ben"]}
    with pytest.raises(ValidationFailed) as raised:
        leads.set_assignment_rules([good, territory_without_criteria], "tests")
    assert "rules[1].kind" in raised.value.errors, raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        leads.set_assignment_rules([good, {**good, "id": "other", "owners": []}], "tests")
    assert "1" in raised.value.errors["rules"], raised.value.errors
    assert leads.get_assignment_rules()["rules"] == kept


def test_concurrent_creations_never_skip_or_double_a_round_robin_turn(rpc_proxy, leads, assignment_rules):
    owners = [unique(f"rep{index}-") for index in range(5)]
    assignment_rules([round_robin(owners)])

    def create_three(cluster):
        return [cluster.leads.create_lead(person(), "tester")["owner"] for _ in range(3)]

    results = concurrently(rpc_proxy, [create_three] * 10)

    dealt = collections.Counter(owner for result in results for owner in result)
    assert dealt == dict.fromkeys(owners, 6), results
    assert leads.create_lead(person(), "tester")["owner"] == owners[0]  # 30 turns: the cursor is back at the start


def test_an_import_with_a_duplicate_of_an_open_lead_deals_turns_without_gaps(leads, assignment_rules):
    owners = [unique("anna-"), unique("ben-"), unique("cleo-")]
    assignment_rules([round_robin(owners)])
    known = leads.create_lead(person(), "tester")
    domain = f"{unique('rr')}.example"
    job = leads.start_import("turns.csv", ["Last Name", "Email"], "importer")
    leads.import_rows(job["id"], 1, [["Known", known["email"]], ["One", f"one@{domain}"], ["Two", f"two@{domain}"]])
    leads.finish_import(job["id"], 1)
    wait_for(lambda: leads.get_import(job["id"])["status"] == "done")
    imported = sorted(leads.list_leads({"q": domain})["items"], key=lambda lead: lead["email"])

    dealt = [known["owner"], *(lead["owner"] for lead in imported), leads.create_lead(person(), "tester")["owner"]]

    assert [lead["email"] for lead in imported] == [f"one@{domain}", f"two@{domain}"]
    assert dealt == [owners[0], owners[1], owners[2], owners[0]]


def test_the_rules_answer_says_who_changed_them_and_when(leads, assignment_rules, db):
    before = db.scalar("SELECT now()")
    set_answer = leads.set_assignment_rules([round_robin([unique("anna-")])], "alice")
    answer = leads.get_assignment_rules()

    assert answer == set_answer
    assert answer["changed_by"] == "alice"
    assert before <= datetime.fromisoformat(answer["changed_at"]) <= db.scalar("SELECT now()")
    AssignmentRulesStateSchema().load(answer)
    leads.set_assignment_rules([], "bob")
    assert leads.get_assignment_rules()["changed_by"] == "bob"

    changes = leads.assignment_rules_changes(None, 2)["items"]
    assert [(change["changed_by"], change["rules"]) for change in changes] == [("bob", []),
                                                                               ("alice", set_answer["rules"])]
    assert changes[1]["changed_at"] == set_answer["changed_at"]
    AssignmentRulesChangesPageSchema().load({"items": changes})


@pytest.fixture
def other_transaction(leads_database_url):
    """A transaction of another client, rolled back at the end of the test."""
    with psycopg.connect(leads_database_url, row_factory=dict_row, options="-c search_path=leads,public") as conn:
        yield conn
        conn.rollback()


def test_a_create_never_waits_for_a_rule_it_does_not_match(leads, rpc_proxy, assignment_rules, other_transaction):
    pool = [unique("pool-")]
    assignment_rules([round_robin([unique("de-")], "de", priority=1) | {"kind": "territory", "countries": ["DE"]},
                      round_robin(pool)])
    # Another writer (an import batch dealing German leads, say) holds the German rule.
    other_transaction.execute("SELECT cursor FROM assignment_rules WHERE id = 'de' FOR UPDATE")

    with rpc_proxy(timeout=5) as quick:
        assert quick.leads.create_lead(person(country="US"), "tester")["owner"] == pool[0]
        assert quick.leads.create_lead(person(owner="olga"), "tester")["owner"] == "olga"


def test_a_create_waiting_on_its_insert_holds_up_no_other_create(leads, rpc_proxy, assignment_rules, db,
                                                                  other_transaction):
    owners = [unique("anna-"), unique("ben-"), unique("cleo-")]
    assignment_rules([round_robin(owners)])
    email = f"{unique('slow')}@example.com"
    # An uncommitted lead with the same email: the create below takes its turn, then waits on the unique index.
    other_transaction.execute("INSERT INTO leads (id, email, email_norm, source) VALUES (gen_random_uuid(), %s, %s,"
                              " 'manual')", (email, email))

    def create_slow():
        with rpc_proxy() as cluster:
            return cluster.leads.create_lead(person(email=email), "tester")

    slow = spawn(create_slow)
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                               " AND wait_event_type = 'Lock' AND query LIKE '%%INSERT INTO leads%%'"),
             message="the create did not reach its insert")

    with rpc_proxy(timeout=5) as quick:
        meanwhile = quick.leads.create_lead(person(), "tester")
    other_transaction.rollback()

    assert (slow.wait()["owner"], meanwhile["owner"]) == (owners[0], owners[1])
    assert leads.create_lead(person(), "tester")["owner"] == owners[2]


def test_a_create_refused_after_taking_its_turn_costs_that_turn(leads, rpc_proxy, assignment_rules, db,
                                                                 other_transaction):
    owners = [unique("anna-"), unique("ben-"), unique("cleo-")]
    assignment_rules([round_robin(owners)])
    email = f"{unique('twin')}@example.com"
    existing_id = db.scalar("SELECT gen_random_uuid()")
    other_transaction.execute("INSERT INTO leads (id, email, email_norm, source) VALUES (%s, %s, %s, 'manual')",
                              (existing_id, email, email))

    def create_twin():
        with rpc_proxy() as cluster:
            try:
                return cluster.leads.create_lead(person(email=email), "tester")
            except DuplicateFound as exc:
                return exc

    twin = spawn(create_twin)
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                               " AND wait_event_type = 'Lock' AND query LIKE '%%INSERT INTO leads%%'"),
             message="the create did not reach its insert")
    other_transaction.commit()

    refused = twin.wait()
    assert isinstance(refused, DuplicateFound) and refused.extra["existing_id"] == str(existing_id)
    assert leads.create_lead(person(), "tester")["owner"] == owners[1]  # owners[0]'s turn went to the refused one
    db.one("DELETE FROM leads WHERE id = %s RETURNING id", (existing_id,))

