"""A case's status machine: pure rules, no database, no broker."""

import datetime

import pytest

from services.support.cases import states
from shared.schemas.errors import IllegalTransition

AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
LEGAL = {
    ("new", "open"), ("new", "pending"), ("new", "on_hold"), ("new", "resolved"), ("new", "closed"),
    ("open", "pending"), ("open", "on_hold"), ("open", "resolved"), ("open", "closed"),
    ("pending", "open"), ("pending", "on_hold"), ("pending", "resolved"), ("pending", "closed"),
    ("on_hold", "open"), ("on_hold", "pending"), ("on_hold", "resolved"), ("on_hold", "closed"),
    ("resolved", "open"), ("resolved", "closed"),
}


@pytest.mark.parametrize("current", states.STATUSES)
@pytest.mark.parametrize("target", states.STATUSES)
def test_every_move_is_legal_or_refused_naming_the_allowed_ones(current, target):
    if (current, target) in LEGAL:
        states.check_transition(current, target, "CASE-000001")
        return
    with pytest.raises(IllegalTransition) as raised:
        states.check_transition(current, target, "CASE-000001")
    error = raised.value
    assert error.extra["allowed"] == list(states.allowed_targets(current))
    assert error.extra["current"] == current and error.extra["target"] == target
    assert "CASE-000001" in str(error)
    for allowed in states.allowed_targets(current):
        assert allowed in str(error)


def test_nothing_moves_back_to_new_and_closed_is_final():
    assert all("new" not in targets for targets in states.TRANSITIONS.values())
    assert states.allowed_targets("closed") == ()
    with pytest.raises(IllegalTransition, match="new case that refers to it"):
        states.check_transition("closed", "open")


def test_resolving_stamps_the_moment_and_closing_keeps_it():
    assert states.stamps("open", "resolved", AT, {}) == {"status": "resolved", "status_changed_at": AT,
                                                        "resolved_at": AT}
    later = AT + datetime.timedelta(days=1)
    closed = states.stamps("resolved", "closed", later, {"resolved_at": AT})
    assert closed == {"status": "closed", "status_changed_at": later, "closed_at": later}
    # closed without being resolved first: it was resolved then too
    assert states.stamps("open", "closed", later, {"resolved_at": None})["resolved_at"] == later


def test_reopening_counts_and_clears_the_resolution():
    values = states.stamps("resolved", "open", AT, {"resolved_at": AT, "reopen_count": 2})
    assert values["reopen_count"] == 3 and values["resolved_at"] is None
    assert "reopen_count" not in states.stamps("pending", "open", AT, {"reopen_count": 2})


@pytest.mark.parametrize(("status", "resolved_days_ago", "effect"), [
    ("new", None, states.STAY),
    ("open", None, states.STAY),
    ("on_hold", None, states.STAY),
    ("pending", None, states.OPEN),
    ("resolved", 0, states.REOPEN),
    ("resolved", 7, states.REOPEN),       # the last moment of the window still reopens
    ("resolved", 7.0001, states.FOLLOW_UP),
    ("resolved", 30, states.FOLLOW_UP),
    ("closed", 1, states.FOLLOW_UP),
])
def test_a_customer_reply(status, resolved_days_ago, effect):
    resolved_at = AT - datetime.timedelta(days=resolved_days_ago) if resolved_days_ago is not None else None
    assert states.customer_reply_effect(status, resolved_at, AT, 7) == effect


def test_an_agent_reply_opens_a_new_case_only():
    assert states.agent_reply_effect("new") == states.OPEN
    assert {states.agent_reply_effect(status) for status in states.STATUSES if status != "new"} == {states.STAY}
