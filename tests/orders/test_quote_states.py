"""The quote status rules alone (services.orders.quotes.states): legal
moves, what a superseded revision allows, acceptance within validity."""

import datetime
import uuid

import pytest

from services.orders.quotes import states
from shared.schemas.errors import IllegalTransition, ValidationFailed

TODAY = datetime.date(2026, 3, 10)


def quote(status="draft", superseded=False, valid_until=TODAY):
    return {"status": status, "superseded_by": uuid.uuid4() if superseded else None, "valid_until": valid_until,
            "number": "Q-000007", "revision": 2}


@pytest.mark.parametrize(("status", "target"), [
    ("draft", "sent"), ("draft", "rejected"), ("sent", "accepted"), ("sent", "rejected"), ("sent", "expired")])
def test_legal_moves(status, target):
    states.check_move(quote(status), target, TODAY)


@pytest.mark.parametrize(("status", "target"), [
    ("draft", "accepted"), ("draft", "expired"), ("sent", "sent"), ("accepted", "rejected"), ("accepted", "sent"),
    ("rejected", "accepted"), ("expired", "accepted"), ("rejected", "sent")])
def test_illegal_moves_name_the_allowed_ones(status, target):
    with pytest.raises(IllegalTransition) as raised:
        states.check_move(quote(status), target, TODAY)
    error = raised.value
    assert error.status == 409
    assert error.extra["current"] == status and error.extra["target"] == target
    assert error.extra["allowed"] == states.allowed_moves(quote(status))
    assert "Q-000007 revision 2" in error.detail
    assert error.errors["status"] == [error.detail]


def test_a_superseded_quote_allows_nothing():
    old = quote("sent", superseded=True)
    assert states.allowed_moves(old) == []
    assert states.actions(old, TODAY) == []
    for target in ("accepted", "rejected"):
        with pytest.raises(IllegalTransition) as raised:
            states.check_move(old, target, TODAY)
        assert raised.value.extra["superseded_by"] == str(old["superseded_by"])
    with pytest.raises(IllegalTransition):
        states.check_revisable(old)
    with pytest.raises(IllegalTransition):
        states.check_editable(old)


def test_acceptance_ends_with_the_validity():
    states.check_move(quote("sent", valid_until=TODAY), "accepted", TODAY)  # the last day counts
    late = quote("sent", valid_until=TODAY - datetime.timedelta(days=1))
    with pytest.raises(IllegalTransition) as raised:
        states.check_move(late, "accepted", TODAY)
    assert "revise it" in raised.value.detail
    assert raised.value.extra["allowed"] == ["rejected"]
    assert "accept" not in states.actions(late, TODAY)


@pytest.mark.parametrize(("status", "revisable"), [
    ("draft", False), ("sent", True), ("accepted", False), ("rejected", True), ("expired", True)])
def test_what_can_be_revised(status, revisable):
    if revisable:
        states.check_revisable(quote(status))
    else:
        with pytest.raises(IllegalTransition):
            states.check_revisable(quote(status))


def test_only_a_draft_is_edited():
    states.check_editable(quote("draft"))
    with pytest.raises(IllegalTransition) as raised:
        states.check_editable(quote("sent"))
    assert "revise it" in raised.value.detail


def test_actions():
    assert states.actions(quote("draft"), TODAY) == ["update", "send", "reject"]
    assert states.actions(quote("sent"), TODAY) == ["accept", "reject", "revise"]
    assert states.actions(quote("accepted"), TODAY) == []
    assert states.actions(quote("expired"), TODAY) == ["revise"]


def test_numbers_and_validity():
    assert states.number_text(123) == "Q-000123"
    assert states.number_text(1234567) == "Q-1234567"
    assert states.default_valid_until(TODAY) == datetime.date(2026, 4, 9)
    states.check_valid_until(TODAY, TODAY)
    with pytest.raises(ValidationFailed) as raised:
        states.check_valid_until(TODAY - datetime.timedelta(days=1), TODAY)
    assert list(raised.value.errors) == ["valid_until"]
