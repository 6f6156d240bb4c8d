"""Unit tests for lead statuses and their transitions (services.leads.records.status)."""

import itertools

import pytest

from services.leads.records.status import (
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    allowed_targets,
    check_manual_transition,
    check_transition,
    event_for_transition,
    is_allowed,
    is_open,
)
from shared.schemas.errors import Conflict, IllegalTransition, ValidationFailed

LEGAL = {
    ("new", "working"),
    ("new", "qualified"),
    ("new", "disqualified"),
    ("working", "qualified"),
    ("working", "disqualified"),
    ("qualified", "working"),
    ("qualified", "disqualified"),
    ("qualified", "converted"),
    ("disqualified", "working"),
}
ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def test_statuses_and_open_statuses():
    assert STATUSES == ("new", "working", "qualified", "disqualified", "converted")
    assert OPEN_STATUSES == ("new", "working", "qualified")
    assert set(TRANSITIONS) == set(STATUSES)
    assert [s for s in STATUSES if is_open(s)] == list(OPEN_STATUSES)


def test_table_is_exactly_the_specified_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transition_passes(current, target):
    assert is_allowed(current, target)
    assert check_transition(current, target) is None


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transition_is_refused_with_the_allowed_moves(current, target):
    assert not is_allowed(current, target)
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target)
    error = caught.value
    assert isinstance(error, Conflict) and error.status == 409
    assert error.errors == {"status": [error.detail]}
    assert error.extra == {
        "current": current,
        "target": target,
        "allowed": list(TRANSITIONS[current]),
    }
    allowed = TRANSITIONS[current]
    if allowed:
        assert ", ".join(allowed) in error.detail
    else:
        assert "cannot change status any more" in error.detail
    problem = error.to_problem()
    assert problem["status"] == 409 and problem["allowed"] == list(allowed)


@pytest.mark.parametrize("status", STATUSES)
def test_same_status_is_not_a_move(status):
    with pytest.raises(IllegalTransition, match=f"already {status}"):
        check_transition(status, status)


def test_converted_is_final():
    assert allowed_targets("converted") == ()
    for target in STATUSES:
        with pytest.raises(IllegalTransition, match="converted lead cannot change status"):
            check_transition("converted", target)


def test_disqualified_can_only_be_reopened_to_working():
    assert allowed_targets("disqualified") == ("working",)


@pytest.mark.parametrize("target", ["", None, "Working", "closed", "won", " new"])
def test_unknown_target_is_a_validation_error(target):
    for check in (check_transition, check_manual_transition):
        with pytest.raises(ValidationFailed) as caught:
            check("new", target)
        assert caught.value.status == 422
        assert "new, working, qualified, disqualified, converted" in caught.value.errors["status"][0]


def test_unknown_current_allows_nothing():
    with pytest.raises(IllegalTransition):
        check_transition("archived", "working")
    assert allowed_targets("archived") == ()


@pytest.mark.parametrize("current", STATUSES)
def test_manual_transition_to_converted_points_to_convert_endpoint(current):
    with pytest.raises(IllegalTransition) as caught:
        check_manual_transition(current, "converted")
    if current != "converted":
        assert "convert endpoint" in caught.value.detail
        assert caught.value.errors == {"status": [caught.value.detail]}


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_manual_transition_equals_check_transition_except_converted(current, target):
    legal = (current, target) in LEGAL and target != "converted"
    if legal:
        check_manual_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_manual_transition(current, target)


@pytest.mark.parametrize(
    ("target", "event"),
    [
        ("qualified", "lead.qualified"),
        ("disqualified", "lead.disqualified"),
        ("working", "lead.updated"),
        ("new", "lead.updated"),
        ("converted", "lead.converted"),
    ],
)
def test_event_for_transition(target, event):
    assert event_for_transition(target) == event


def test_event_for_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError):
        event_for_transition("closed")


def test_errors_survive_nameko_serialisation():
    from shared.kit.testing import over_rpc


    with pytest.raises(IllegalTransition) as caught:
        check_transition("converted", "working")
    again = over_rpc(caught.value)
    assert type(again) is IllegalTransition
    assert again.to_problem() == caught.value.to_problem()
