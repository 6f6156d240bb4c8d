"""Cases over RPC against the running support service: open (validated
against the projections, keyed), reply and notes, status moves (legal ones
only, If-Match, concurrent moves), merge, history, and their events."""

import uuid

import pytest

from shared.schemas.errors import Conflict, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.support.conftest import concurrently, known_account, known_contact, known_order, unique


@pytest.fixture
def account(db):
    return known_account(db)


@pytest.fixture
def contact(db, account):
    return known_contact(db, account, email=f"Ada.{unique()}@Example.org")


def agent(db, name="Grace"):
    user_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO agents (user_id, name, email) VALUES (%s, %s, %s)",
                    (user_id, name, f"{unique()}@crm.local"))
    return user_id


def case_count(db):
    return db.scalar("SELECT count(*) FROM cases")


def test_open_a_case_for_a_contact(support, db, events, account, contact):
    case = support.create_case({"subject": "  Printer on fire ", "description": "Smoke", "contact_id": contact,
                                "priority": "high", "type": "incident", "channel": "phone",
                                "tags": [" Hardware", "hardware", "urgent "]}, "ann")
    assert case["number"].startswith("CASE-") and len(case["number"]) >= 11
    assert case["subject"] == "Printer on fire" and case["status"] == "new" and case["version"] == 1
    assert case["account_id"] == account and case["account_name"].startswith("Initech")
    assert case["contact_email"].startswith("ada.") and case["contact_name"].startswith("Ada Lovelace")
    assert case["tags"] == ["hardware", "urgent"]
    assert case["allowed_statuses"] == ["open", "pending", "on_hold", "resolved", "closed"]
    assert case["created_by"] == "ann" and case["reopen_count"] == 0
    assert isinstance(case["sla"], list)
    # the clocks are live (their used seconds go on between two reads): the rest reads back the same
    assert {**support.get_case(case["id"]), "sla": None} == {**case, "sla": None}
    [opened] = events.wait_for("case.opened", case["id"])
    assert opened.data["case"]["number"] == case["number"]
    assert support.case_history(case["id"])["items"][0]["action"] == "created"


def test_an_unknown_sender_is_kept_and_a_known_address_finds_the_contact(support, db, account):
    stranger = support.create_case({"subject": "Hello", "channel": "email", "contact_email": "Who@Example.org",
                                    "contact_name": "Who"})
    assert (stranger["contact_id"], stranger["contact_email"], stranger["account_id"]) == \
        (None, "who@example.org", None)
    email = f"{unique()}@example.org"
    contact = known_contact(db, account, email=email)
    known = support.create_case({"subject": "Hello again", "contact_email": email.upper()})
    assert (known["contact_id"], known["account_id"], known["contact_email"]) == (contact, account, email)


def test_an_order_brings_its_account_and_must_be_the_cases(support, db, account):
    order = known_order(db, account, number=f"SO-{unique()}")
    case = support.create_case({"subject": "Where is my parcel", "order_id": order})
    assert (case["account_id"], case["order_id"]) == (account, order)
    assert case["order_number"].startswith("SO-")
    other = known_account(db)
    with pytest.raises(ValidationFailed) as raised:
        support.create_case({"subject": "Mixed up", "order_id": order, "account_id": other})
    assert "order_id" in raised.value.errors


@pytest.mark.parametrize(("data", "field"), [
    ({}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 301}, "subject"),
    ({"subject": "x", "priority": "asap"}, "priority"),
    ({"subject": "x", "type": "rant"}, "type"),
    ({"subject": "x", "channel": "fax"}, "channel"),
    ({"subject": "x", "status": "open"}, "status"),
    ({"subject": "x", "tags": ["a" * 51]}, "tags"),
    ({"subject": "x", "account_id": "nope"}, "account_id"),
    ({"subject": "x", "account_id": str(uuid.uuid4())}, "account_id"),
    ({"subject": "x", "contact_id": str(uuid.uuid4())}, "contact_id"),
    ({"subject": "x", "order_id": str(uuid.uuid4())}, "order_id"),
    ({"subject": "x", "team_id": str(uuid.uuid4())}, "team_id"),
    ({"subject": "x", "owner_id": str(uuid.uuid4())}, "owner_id"),
    ({"subject": "x", "related_case_id": str(uuid.uuid4())}, "related_case_id"),
    ({"subject": "x", "contact_email": "not an address"}, "contact_email"),
])
def test_bad_input_opens_nothing(support, db, data, field):
    before = case_count(db)
    with pytest.raises(ValidationFailed) as raised:
        support.create_case(data)
    assert field in raised.value.errors
    assert case_count(db) == before


def test_a_merged_account_is_refused_naming_the_survivor(support, db):
    survivor = known_account(db)
    merged = known_account(db)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, merged))
    with pytest.raises(ValidationFailed) as raised:
        support.create_case({"subject": "x", "account_id": merged})
    assert raised.value.extra["merged_into"] == survivor


def test_a_keyed_create_twice_opens_one_case(rpc_proxy, service, db):
    key = str(uuid.uuid4())
    data = {"subject": f"Keyed {unique()}"}
    answers = []
    for _ in range(2):
        with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
            answers.append(cluster.support.create_case(data, "ann"))
    assert answers[0] == answers[1]
    assert db.scalar("SELECT count(*) FROM cases WHERE subject = %s", (data["subject"],)) == 1


def test_reply_and_note(support, db, events, contact):
    case = support.create_case({"subject": "Cannot log in", "contact_id": contact})
    note = support.add_case_message(case["id"], {"kind": "note", "body": "Checked the logs"}, "ann")
    assert (note["kind"], note["direction"], note["author"]) == ("note", "internal", "ann")
    assert support.get_case(case["id"])["status"] == "new"
    reply = support.add_case_message(case["id"], {"kind": "reply", "body": "Try again now"}, "ann")
    assert (reply["kind"], reply["direction"]) == ("reply", "outbound")
    after = support.get_case(case["id"])
    assert after["status"] == "open" and after["first_response_at"] is not None
    assert db.scalar("SELECT count(*) FROM outgoing_mail WHERE case_id = %s", (case["id"],)) == 1
    assert reply["message_id"] is not None  # the queued mail's Message-ID, for threading the answer
    page = support.list_case_messages(case["id"])
    assert [item["id"] for item in page["items"]] == [note["id"], reply["id"]]
    assert [item["id"] for item in support.list_case_messages(case["id"], {"kind": ["reply"]})["items"]] == \
        [reply["id"]]
    replied = events.wait_for("case.replied", case["id"], count=2)
    assert sorted(event.data["kind"] for event in replied) == ["note", "reply"]
    # a second reply keeps the first response's moment
    support.add_case_message(case["id"], {"kind": "reply", "body": "Anything else?"}, "ann")
    assert support.get_case(case["id"])["first_response_at"] == after["first_response_at"]


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "email", "body": "x"}, "kind"), ({"kind": "reply"}, "body"), ({"kind": "note", "body": "  "}, "body"),
    ({"kind": "note", "body": "x", "author": "me"}, "author"),
])
def test_bad_messages_are_refused(support, data, field):
    case = support.create_case({"subject": "Bad messages"})
    with pytest.raises(ValidationFailed) as raised:
        support.add_case_message(case["id"], data, "ann")
    assert field in raised.value.errors
    assert support.list_case_messages(case["id"])["items"] == []


def test_status_moves_legal_only_with_if_match(support, events):
    case = support.create_case({"subject": "Status"})
    with pytest.raises(IllegalTransition) as raised:
        support.change_case_status(case["id"], "new", "ann")
    assert raised.value.extra["allowed"] == ["open", "pending", "on_hold", "resolved", "closed"]
    with pytest.raises(PreconditionFailed):
        support.change_case_status(case["id"], "open", "ann", 7)
    pending = support.change_case_status(case["id"], "pending", "ann", 1)
    assert pending["status"] == "pending" and pending["version"] == 2
    resolved = support.change_case_status(case["id"], "resolved", "ann")
    assert resolved["resolved_at"] is not None
    events.wait_for("case.resolved", case["id"])
    reopened = support.change_case_status(case["id"], "open", "ann")
    assert reopened["reopen_count"] == 1 and reopened["resolved_at"] is None
    events.wait_for("case.reopened", case["id"])
    closed = support.change_case_status(case["id"], "closed", "ann")
    assert closed["closed_at"] is not None and closed["allowed_statuses"] == []
    events.wait_for("case.closed", case["id"])
    with pytest.raises(IllegalTransition):
        support.change_case_status(case["id"], "open", "ann")
    with pytest.raises(ValidationFailed):
        support.change_case_status(case["id"], "done", "ann")
    with pytest.raises(NotFound):
        support.change_case_status(str(uuid.uuid4()), "open", "ann")
    changes = [item["changes"]["status"] for item in support.case_history(case["id"])["items"]
               if item["action"] == "status_changed"]
    assert changes == [["open", "closed"], ["resolved", "open"], ["pending", "resolved"], ["new", "pending"]]


def test_concurrent_status_changes_move_once(rpc_proxy, support, db, events):
    case = support.create_case({"subject": "Race"})
    results = concurrently(rpc_proxy, [lambda cluster: cluster.support.change_case_status(case["id"], "resolved",
                                                                                         "ann")] * 6)
    won = [result for result in results if isinstance(result, dict)]
    lost = [result for result in results if isinstance(result, IllegalTransition)]
    assert len(won) == 1 and len(lost) == 5, results
    events.settle(db, [case["id"]])
    assert len(events.of("case.resolved", case["id"])) == 1


def test_update_a_case(support, db, events, account):
    owner = agent(db)
    case = support.create_case({"subject": "Update me", "account_id": account})
    changed = support.update_case(case["id"], {"priority": "urgent", "tags": ["VIP"], "owner_id": owner}, "ann", 1)
    assert (changed["priority"], changed["tags"], changed["owner_id"], changed["version"]) == \
        ("urgent", ["vip"], owner, 2)
    assigned = events.wait_for("case.assigned", case["id"])
    assert assigned[-1].data["case"]["owner_id"] == owner
    same = support.update_case(case["id"], {"priority": "urgent"}, "ann")
    assert same["version"] == 2  # nothing differs: no new version
    with pytest.raises(PreconditionFailed):
        support.update_case(case["id"], {"priority": "low"}, "ann", 1)
    with pytest.raises(ValidationFailed):
        support.update_case(case["id"], {}, "ann")
    with pytest.raises(ValidationFailed):
        support.update_case(case["id"], {"priority": None}, "ann")
    with pytest.raises(ValidationFailed):
        support.update_case(case["id"], {"status": "open"}, "ann")
    history = support.case_history(case["id"])["items"]
    assert history[0]["changes"]["priority"] == ["normal", "urgent"]


def test_merge_a_duplicate(support, db, events, contact):
    target = support.create_case({"subject": "Printer broken", "contact_id": contact})
    duplicate = support.create_case({"subject": "Printer still broken", "contact_id": contact})
    first = support.add_case_message(target["id"], {"kind": "note", "body": "On the target"}, "ann")
    second = support.add_case_message(duplicate["id"], {"kind": "note", "body": "On the duplicate"}, "ann")
    with pytest.raises(ValidationFailed):
        support.merge_case(duplicate["id"], {"target_id": duplicate["id"]}, "ann")
    with pytest.raises(ValidationFailed):
        support.merge_case(duplicate["id"], {"target_id": str(uuid.uuid4())}, "ann")
    answer = support.merge_case(duplicate["id"], {"target_id": target["id"]}, "ann")
    assert answer["id"] == target["id"]
    merged = support.get_case(duplicate["id"])
    assert (merged["status"], merged["merged_into"]) == ("closed", target["id"])
    assert [item["id"] for item in support.list_case_messages(target["id"])["items"]] == [first["id"], second["id"]]
    [event] = events.wait_for("case.merged", target["id"])
    assert event.data["merged"]["id"] == duplicate["id"]
    events.wait_for("case.closed", duplicate["id"])
    with pytest.raises(Conflict):
        support.merge_case(duplicate["id"], {"target_id": target["id"]}, "ann")
    with pytest.raises(Conflict):  # into a closed case
        support.merge_case(target["id"], {"target_id": duplicate["id"]}, "ann")
    # the merged case's notes and the customer's mail land on the target
    note = support.add_case_message(duplicate["id"], {"kind": "note", "body": "Late note"}, "ann")
    assert note["case_id"] == target["id"]
    listed = support.list_cases({"q": "Printer", "contact_id": contact})["items"]
    assert [item["id"] for item in listed] == [target["id"]]
    listed = support.list_cases({"contact_id": contact, "include_merged": True})["items"]
    assert {item["id"] for item in listed} == {target["id"], duplicate["id"]}
