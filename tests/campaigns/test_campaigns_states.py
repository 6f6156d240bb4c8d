"""The campaign's pure rules: the status moves, money rounded to a
currency's minor unit, a member's funnel stage, parent loops."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.campaigns.campaigns import states
from shared.schemas.errors import IllegalTransition

LEGAL = {("planned", "launch"): "active", ("planned", "abort"): "aborted", ("active", "complete"): "completed",
         ("active", "abort"): "aborted"}
STATUSES = ("planned", "active", "completed", "aborted")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", states.ACTIONS)
def test_only_the_legal_moves_are_allowed(status, action):
    if (status, action) in LEGAL:
        assert states.target(status, action) == LEGAL[(status, action)]
        assert action in states.actions(status)
    else:
        with pytest.raises(IllegalTransition) as caught:
            states.target(status, action, "campaign 'Spring'")
        error = caught.value
        assert error.extra["current"] == status
        assert error.extra["allowed"] == states.actions(status)
        assert action not in error.extra["allowed"]
        assert "campaign 'Spring'" in error.detail and status in error.detail
        assert error.errors["status"]


def test_final_statuses_allow_nothing_and_costs_close_on_completion():
    assert states.actions("completed") == [] and states.actions("aborted") == []
    assert states.actions("planned") == ["launch", "abort"]
    assert states.actions("active") == ["complete", "abort"]
    assert [states.costs_open(status) for status in STATUSES] == [True, True, False, True]


@pytest.mark.parametrize(("amount", "exponent", "expected"), [
    ("10.005", 2, "10.01"), ("10.004999", 2, "10.00"), ("0.5", 0, "1"), ("1249.4", 0, "1249"),
    ("1.2345", 3, "1.235"), ("7", 2, "7.00"), ("0.000001", 2, "0.00"), ("99999999999999.999999", 2,
                                                                          "100000000000000.00"),
])
def test_money_is_rounded_half_up_to_the_minor_unit(amount, exponent, expected):
    assert states.money_text(Decimal(amount), exponent) == expected
    assert states.round_money(Decimal(amount), exponent) == Decimal(expected)


@given(st.decimals(min_value=0, max_value=Decimal("99999999999999"), places=6), st.sampled_from([0, 2, 3]))
def test_rounding_moves_an_amount_by_at_most_half_a_unit(amount, exponent):
    rounded = states.round_money(amount, exponent)
    assert abs(rounded - amount) <= states.minor_unit(exponent) / 2
    assert -rounded.as_tuple().exponent == exponent
    assert rounded < 10 ** 15  # fits numeric(18, 3)


def test_none_stays_none():
    assert states.round_money(None, 2) is None and states.money_text(None, 2) is None


@pytest.mark.parametrize(("member", "stage"), [
    ({}, "targeted"), ({"sent_at": 1}, "sent"), ({"sent_at": 1, "opened_at": 2}, "opened"),
    ({"sent_at": 1, "clicked_at": 2}, "clicked"), ({"responded_at": 3}, "responded"),
    ({"sent_at": 1, "opened_at": 2, "clicked_at": 3, "responded_at": 4, "converted_at": 5}, "converted"),
])
def test_the_stage_is_the_furthest_reached(member, stage):
    assert states.stage(member) == stage


def test_a_parent_among_the_campaigns_descendants_makes_a_loop():
    assert states.creates_cycle("a", ["c", "b", "a"])
    assert states.creates_cycle("a", ["a"])
    assert not states.creates_cycle("a", ["c", "b"])
    assert not states.creates_cycle("a", [])
