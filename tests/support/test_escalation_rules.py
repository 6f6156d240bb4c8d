"""Escalation rules through the support service's RPC: create, read,
update (412 on a stale version), delete, positions and reorder, bad input
answered 422 with nothing written."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tests.services import unique


@pytest.fixture(autouse=True)
def no_rules(db):
    db.conn.execute("DELETE FROM escalation_rules")
    yield
    db.conn.execute("DELETE FROM escalation_rules")


@pytest.fixture(scope="module")
def team(support):
    return support.create_team({"name": unique("Escalations ")}, "admin")


def new_rule(support, **fields):
    return support.create_escalation_rule({"name": unique("Rule "), "on_event": "breach", "notify_owner": True,
                                           **fields}, "admin")


def test_create_read_update_delete(support, team):
    rule = new_rule(support, metric="resolution", priorities=["high", "urgent"], team_ids=[team["id"]],
                    move_to_team_id=team["id"], raise_priority=True)
    assert {key: rule[key] for key in ("position", "on_event", "metric", "priorities", "team_ids", "notify_owner",
                                       "notify_team_lead", "move_to_team_id", "raise_priority", "active",
                                       "version", "created_by")} == {
        "position": 1, "on_event": "breach", "metric": "resolution", "priorities": ["high", "urgent"],
        "team_ids": [team["id"]], "notify_owner": True, "notify_team_lead": False, "move_to_team_id": team["id"],
        "raise_priority": True, "active": True, "version": 1, "created_by": "admin"}
    assert support.get_escalation_rule(rule["id"]) == rule
    assert support.list_escalation_rules()["items"] == [rule]

    changed = support.update_escalation_rule(rule["id"], {"metric": None, "on_event": "warning"}, "admin", 1)
    assert (changed["metric"], changed["on_event"], changed["version"]) == (None, "warning", 2)
    with pytest.raises(PreconditionFailed):
        support.update_escalation_rule(rule["id"], {"active": False}, "admin", 1)
    with pytest.raises(PreconditionFailed):
        support.delete_escalation_rule(rule["id"], "admin", 1)
    support.delete_escalation_rule(rule["id"], "admin", 2)
    with pytest.raises(NotFound):
        support.get_escalation_rule(rule["id"])
    assert support.list_escalation_rules()["items"] == []


def test_positions_and_reorder(support):
    a, b, c = (new_rule(support, name=name) for name in "abc")
    new_rule(support, name="d", position=2)
    assert [item["name"] for item in support.list_escalation_rules()["items"]] == ["a", "d", "b", "c"]
    reordered = support.reorder_escalation_rules([c["id"], b["id"], a["id"],
                                                  support.list_escalation_rules()["items"][1]["id"]], "admin")
    assert [(item["name"], item["position"]) for item in reordered["items"]] == [
        ("c", 1), ("b", 2), ("a", 3), ("d", 4)]
    with pytest.raises(Conflict) as caught:
        support.reorder_escalation_rules([a["id"]], "admin")
    assert "ids" in caught.value.errors and len(caught.value.extra["current_ids"]) == 4


def test_a_rule_keeps_doing_something(support):
    rule = new_rule(support)
    with pytest.raises(Conflict) as caught:
        support.update_escalation_rule(rule["id"], {"notify_owner": False}, "admin")
    assert "_schema" in caught.value.errors
    assert support.update_escalation_rule(rule["id"], {"notify_owner": False, "notify_team_lead": True},
                                          "admin")["notify_team_lead"] is True


@pytest.mark.parametrize(("data", "field"), [
    ({"on_event": "breach", "notify_owner": True}, "name"),
    ({"name": "x", "notify_owner": True}, "on_event"),
    ({"name": "x", "on_event": "late", "notify_owner": True}, "on_event"),
    ({"name": "x", "on_event": "breach"}, "_schema"),
    ({"name": "x", "on_event": "breach", "notify_owner": False, "raise_priority": False}, "_schema"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "metric": "reply"}, "metric"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "priorities": ["critical"]}, "priorities"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "priorities": ["low", "low"]}, "priorities"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "team_ids": ["nope"]}, "team_ids"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "team_ids": [str(uuid.uuid4())]}, "team_ids"),
    ({"name": "x", "on_event": "breach", "move_to_team_id": str(uuid.uuid4())}, "move_to_team_id"),
    ({"name": "x", "on_event": "breach", "notify_owner": "maybe"}, "notify_owner"),
    ({"name": "x", "on_event": "breach", "notify_owner": True, "email": "boss@example.org"}, "email"),
])
def test_bad_input_is_422_and_writes_nothing(support, db, data, field):
    with pytest.raises(ValidationFailed) as caught:
        support.create_escalation_rule(data, "admin")
    assert field in caught.value.errors
    assert db.scalar("SELECT count(*) FROM escalation_rules") == 0


def test_bad_ids_are_404_and_a_bad_query_422(support):
    with pytest.raises(NotFound):
        support.get_escalation_rule("rule-1")
    with pytest.raises(NotFound):
        support.update_escalation_rule(str(uuid.uuid4()), {"active": False}, "admin")
    with pytest.raises(ValidationFailed) as caught:
        support.list_escalations({})
    assert "case_id" in caught.value.errors
