"""The five attribution models alone (no database): each model's shape on
known cases, and that every model credits exactly the amount, to the minor
unit, whatever the touches (hypothesis)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.campaigns.attribution.models import MODELS, Touch, credit, credit_all, split, weights

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def touches(*campaigns, step_days=1):
    return [Touch(campaign, T0 + timedelta(days=index * step_days)) for index, campaign in enumerate(campaigns)]


def test_first_and_last_touch_give_everything_to_one_end():
    found = touches("a", "b", "c")
    assert credit("first_touch", found, Decimal("100.00"), "EUR") == {
        "a": Decimal("100.00"), "b": Decimal("0.00"), "c": Decimal("0.00")}
    assert credit("last_touch", found, Decimal("100.00"), "EUR")["c"] == Decimal("100.00")


def test_the_order_of_the_touches_given_does_not_matter():
    found = touches("a", "b", "c")
    assert credit("first_touch", list(reversed(found)), Decimal(90), "EUR")["a"] == Decimal("90.00")


def test_linear_splits_evenly_and_the_cent_left_goes_to_the_first_touched():
    assert credit("linear", touches("a", "b", "c"), Decimal("100.00"), "EUR") == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}


def test_linear_sums_a_campaigns_touches():
    assert credit("linear", touches("a", "b", "a", "a"), Decimal("100.00"), "EUR") == {
        "a": Decimal("75.00"), "b": Decimal("25.00")}


@pytest.mark.parametrize(("count", "expected"), [
    (1, [Fraction(1)]),
    (2, [Fraction(1, 2), Fraction(1, 2)]),
    (3, [Fraction(2, 5), Fraction(1, 5), Fraction(2, 5)]),
    (4, [Fraction(2, 5), Fraction(1, 10), Fraction(1, 10), Fraction(2, 5)]),
])
def test_u_shaped_is_40_20_40_with_one_and_two_touches_special(count, expected):
    assert weights("u_shaped", touches(*"abcd"[:count])) == expected


def test_u_shaped_on_money():
    assert credit("u_shaped", touches("a", "b", "c", "d"), Decimal("1000.00"), "EUR") == {
        "a": Decimal("400.00"), "b": Decimal("100.00"), "c": Decimal("100.00"), "d": Decimal("400.00")}


def test_time_decay_halves_a_touch_weight_every_half_life():
    found = [Touch("old", T0), Touch("new", T0 + timedelta(days=7))]
    shares = weights("time_decay", found, revenue_at=T0 + timedelta(days=7), half_life_days=7)
    assert shares == [Fraction(1, 3), Fraction(2, 3)]
    assert credit("time_decay", found, Decimal("300.00"), "EUR", T0 + timedelta(days=7), 7) == {
        "old": Decimal("100.00"), "new": Decimal("200.00")}


def test_minor_units_of_the_currency():
    assert credit("linear", touches("a", "b", "c"), Decimal("100"), "JPY") == {
        "a": Decimal("34"), "b": Decimal("33"), "c": Decimal("33")}
    assert sum(credit("linear", touches("a", "b", "c"), Decimal("1.000"), "KWD").values()) == Decimal("1.000")


def test_no_touches_credit_nothing():
    assert credit_all([], Decimal("10.00"), "EUR") == {model: {} for model in MODELS}


def test_the_largest_remainder_wins_the_leftover_cents():
    shares = [("a", Fraction(1, 6)), ("b", Fraction(1, 2)), ("c", Fraction(1, 3))]
    # 0.10 EUR: a 1.67 -> 1 (.67), b 5, c 3.33 -> 3 (.33); one cent left, to a.
    assert split(Decimal("0.10"), "EUR", shares) == {"a": Decimal("0.02"), "b": Decimal("0.05"),
                                                     "c": Decimal("0.03")}


def test_an_unknown_model_is_refused():
    with pytest.raises(ValueError):
        credit("w_shaped", touches("a"), Decimal(1), "EUR")


CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "USD"])
TOUCH = st.builds(Touch, st.sampled_from(["a", "b", "c", "d", "e"]),
                  st.integers(min_value=0, max_value=90 * 24).map(lambda hours: T0 + timedelta(hours=hours)))


@settings(max_examples=120, deadline=None)
@given(found=st.lists(TOUCH, min_size=1, max_size=12), cents=st.integers(min_value=0, max_value=10**14),
       currency=CURRENCIES, half_life=st.floats(min_value=0.1, max_value=60))
def test_every_model_credits_exactly_the_amount(found, cents, currency, half_life):
    amount = Decimal(cents).scaleb(-3)
    revenue_at = T0 + timedelta(days=91)
    for model, shares in credit_all(found, amount, currency, revenue_at, half_life).items():
        rounded = split(amount, currency, [("x", Fraction(1))])["x"]
        assert sum(shares.values()) == rounded, model
        assert set(shares) == {touch.campaign_id for touch in found}
        assert all(value >= 0 for value in shares.values())
        assert all(value.as_tuple().exponent == rounded.as_tuple().exponent for value in shares.values())
