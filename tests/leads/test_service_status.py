"""Status changes by update: every legal move and its events, illegal moves
refused with nothing changed, optimistic concurrency on the version."""

import pytest

from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import IllegalTransition, PreconditionFailed, ValidationFailed
from shared.schemas.events import contract
from tests.leads.conftest import person

# Moves an update may make, and the event each publishes besides lead.updated.
LEGAL_MOVES = {
    ("new", "working"): None,
    ("new", "qualified"): "lead.qualified",
    ("new", "disqualified"): "lead.disqualified",
    ("working", "qualified"): "lead.qualified",
    ("working", "disqualified"): "lead.disqualified",
    ("qualified", "working"): None,
    ("qualified", "disqualified"): "lead.disqualified",
    ("disqualified", "working"): None,
}
ILLEGAL_MOVES = [
    ("working", "new"), ("qualified", "new"), ("disqualified", "new"), ("disqualified", "qualified"),
    ("new", "converted"), ("working", "converted"), ("qualified", "converted"),
]


def lead_in(leads, status):
    """A new lead moved to ``status`` (a disqualified one with a reason)."""
    lead = leads.create_lead(person(), "tester")
    if status in ("working", "qualified"):
        lead = leads.update_lead(lead["id"], {"status": status}, "tester")
    elif status == "disqualified":
        lead = leads.update_lead(lead["id"], {"status": "disqualified", "status_reason": "no budget"}, "tester")
    assert lead["status"] == status
    return lead


def state(leads, db, lead):
    """Everything a refused change must leave as it was."""
    return (leads.get_lead(lead["id"]), len(db.outbox_rows([lead["id"]])),
            db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s", (lead["id"],)))


@pytest.mark.parametrize(("current", "target"), LEGAL_MOVES, ids=[f"{a}-{b}" for a, b in LEGAL_MOVES])
def test_a_legal_move_publishes_lead_updated_and_its_status_event(leads, events, db, current, target):
    lead = lead_in(leads, current)
    changes = {"status": target}
    if target == "disqualified":
        changes["status_reason"] = "chose a competitor"

    updated = leads.update_lead(lead["id"], changes, "rep-1", lead["version"])

    assert updated["status"] == target
    assert updated["version"] == lead["version"] + 1
    assert updated["status_reason"] == changes.get("status_reason")
    expected = {"lead.updated"} | ({LEGAL_MOVES[(current, target)]} - {None})
    events.wait(lambda: expected <= {event.type for event in mine(events, updated)},
                message=f"expected {expected} for the move {current} -> {target}")
    events.settle(db, [lead["id"]])
    published = mine(events, updated)
    assert sorted(event.type for event in published) == sorted(expected)
    for event in published:
        EnvelopeSchema().load(event.envelope)
        contract(event.type).schema().load(event.data)
        assert event.data["lead"] == updated
        if event.type == "lead.updated":
            reason_changed = "disqualified" in (current, target)
            assert event.data["changed"] == (["status", "status_reason"] if reason_changed else ["status"])
        else:
            assert event.data["previous_status"] == current
    history = leads.lead_history(lead["id"])["items"]
    assert history[0]["actor"] == "rep-1"
    assert history[0]["changes"]["status"] == [current, target]


def mine(events, lead):
    """Events about this version of the lead."""
    return [event for event in events.of(subject_id=lead["id"]) if event.data["lead"]["version"] == lead["version"]]


@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES, ids=[f"{a}-{b}" for a, b in ILLEGAL_MOVES])
def test_an_illegal_move_is_refused_and_changes_nothing(leads, db, current, target):
    lead = lead_in(leads, current)
    before = state(leads, db, lead)

    with pytest.raises(IllegalTransition) as raised:
        leads.update_lead(lead["id"], {"status": target, "title": "CTO"}, "tester")

    error = raised.value
    assert error.status == 409
    assert error.errors["status"]
    assert error.extra["current"] == current and error.extra["target"] == target
    if target == "converted":
        assert "convert endpoint" in error.detail
    assert state(leads, db, lead) == before


def test_an_unknown_status_is_a_validation_error(leads, db):
    lead = lead_in(leads, "new")
    before = state(leads, db, lead)
    with pytest.raises(ValidationFailed) as raised:
        leads.update_lead(lead["id"], {"status": "archived"}, "tester")
    assert "status" in raised.value.errors
    assert state(leads, db, lead) == before


def test_setting_the_same_status_again_changes_nothing(leads, db):
    lead = lead_in(leads, "working")
    before = state(leads, db, lead)
    assert leads.update_lead(lead["id"], {"status": "working"}, "tester") == lead
    assert state(leads, db, lead) == before


def test_a_stale_expected_version_is_a_failed_precondition(leads, db):
    lead = lead_in(leads, "new")
    current = leads.update_lead(lead["id"], {"title": "CFO"}, "someone-else")
    before = state(leads, db, lead)

    with pytest.raises(PreconditionFailed) as raised:
        leads.update_lead(lead["id"], {"status": "working"}, "tester", expected_version=lead["version"])

    assert raised.value.status == 412
    assert str(raised.value.extra["current_version"]) == str(current["version"])
    assert state(leads, db, lead) == before
    assert leads.update_lead(lead["id"], {"status": "working"}, "tester", current["version"])["status"] == "working"


def test_error_extras_keep_their_json_types_across_rpc(leads):
    lead = lead_in(leads, "new")
    leads.update_lead(lead["id"], {"title": "CFO"}, "someone-else")
    with pytest.raises(PreconditionFailed) as raised:
        leads.update_lead(lead["id"], {"title": "CIO"}, "tester", expected_version=1)
    assert raised.value.extra["current_version"] == 2
