"""An owner is a member of the case's team: an agent of team A is not made
the owner of a case of team B (on opening, on a change, on a team move)."""

import uuid

import pytest

from shared.schemas.errors import Conflict, ValidationFailed
from tests.services import unique


def member():
    return {"user_id": str(uuid.uuid4()), "name": unique("agent"), "email": f"{unique('a')}@example.org"}


@pytest.fixture(scope="module")
def teams(support):
    """Two manual teams (no automatic owner), one agent in each, one in both."""
    made = {}
    for key in ("a", "b"):
        made[key] = support.create_team({"name": unique(f"Review {key} "), "assignment_method": "manual"}, "admin")
    people = {"ann": member(), "bob": member(), "both": member()}
    support.add_team_member(made["a"]["id"], {**people["ann"], "available": True}, "admin")
    support.add_team_member(made["b"]["id"], {**people["bob"], "available": True}, "admin")
    for key in ("a", "b"):
        support.add_team_member(made[key]["id"], {**people["both"], "available": True}, "admin")
    return {"a": made["a"]["id"], "b": made["b"]["id"], **{name: p["user_id"] for name, p in people.items()}}


def test_an_owner_outside_the_team_is_refused_on_opening(support, db, teams):
    before = db.scalar("SELECT count(*) FROM cases")
    with pytest.raises(ValidationFailed) as caught:
        support.create_case({"subject": "x", "team_id": teams["a"], "owner_id": teams["bob"]}, "ann")
    assert "owner_id" in caught.value.errors
    assert db.scalar("SELECT count(*) FROM cases") == before
    case = support.create_case({"subject": "x", "team_id": teams["a"], "owner_id": teams["ann"]}, "ann")
    assert (case["team_id"], case["owner_id"]) == (teams["a"], teams["ann"])


def test_an_owner_outside_the_team_is_refused_on_a_change(support, teams):
    case = support.create_case({"subject": "y", "team_id": teams["a"]}, "ann")
    with pytest.raises(ValidationFailed) as caught:
        support.update_case(case["id"], {"owner_id": teams["bob"]}, "ann")
    assert "owner_id" in caught.value.errors
    assert support.get_case(case["id"])["owner_id"] is None
    with pytest.raises(ValidationFailed):  # nor with a team the owner is not in
        support.update_case(case["id"], {"team_id": teams["a"], "owner_id": teams["bob"]}, "ann")
    moved = support.update_case(case["id"], {"team_id": teams["b"], "owner_id": teams["bob"]}, "ann")
    assert (moved["team_id"], moved["owner_id"]) == (teams["b"], teams["bob"])


def test_a_team_move_keeps_an_owner_who_is_a_member_and_drops_one_who_is_not(support, teams):
    case = support.create_case({"subject": "z", "team_id": teams["a"], "owner_id": teams["both"]}, "ann")
    kept = support.update_case(case["id"], {"team_id": teams["b"]}, "ann")
    assert kept["owner_id"] == teams["both"]
    other = support.create_case({"subject": "z", "team_id": teams["a"], "owner_id": teams["ann"]}, "ann")
    dropped = support.update_case(other["id"], {"team_id": teams["b"]}, "ann")
    assert (dropped["team_id"], dropped["owner_id"]) == (teams["b"], None)


def test_a_message_id_filed_on_one_case_is_refused_on_another(support):
    first = support.create_case({"subject": f"Pump {uuid.uuid4().hex[:6]}", "contact_email": "a@example.com"}, "ann")
    other = support.create_case({"subject": f"Valve {uuid.uuid4().hex[:6]}", "contact_email": "a@example.com"}, "ann")
    message_id = f"<{uuid.uuid4()}@example.org>"
    filed = support.add_customer_message(first["id"], {"body": "Still broken", "message_id": message_id})
    again = support.add_customer_message(first["id"], {"body": "Still broken", "message_id": message_id})
    assert again["id"] == filed["id"]  # the same mail twice: one message
    with pytest.raises(Conflict):
        support.add_customer_message(other["id"], {"body": "Still broken", "message_id": message_id})
