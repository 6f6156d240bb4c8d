"""The figures' period with one end given: checked like a whole one (a 422
naming `from`, never a 500 or an unbounded period)."""

import datetime

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.support.figures import MAX_PERIOD_DAYS, period_of

TODAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize("query", [
    {"from_": datetime.date(2000, 1, 1)},  # up to today: far more than MAX_PERIOD_DAYS
    {"from_": TODAY + datetime.timedelta(days=1)},  # starts after today, the default end
])
def test_one_end_alone_is_checked(query):
    with pytest.raises(ValidationFailed) as caught:
        period_of(query, TODAY)
    assert "from" in caught.value.errors


def test_the_defaults_and_a_period_at_the_limit():
    assert period_of({}, TODAY) == (TODAY - datetime.timedelta(days=29), TODAY)
    # the default start would fall before the calendar's first day (an OverflowError, a 500, before)
    assert period_of({"to": datetime.date(1, 1, 5)}, TODAY) == (datetime.date(1, 1, 1), datetime.date(1, 1, 5))
    start = TODAY - datetime.timedelta(days=MAX_PERIOD_DAYS - 1)
    assert period_of({"from_": start}, TODAY) == (start, TODAY)


def test_over_rpc_a_422_not_a_500(support):
    assert support.support_figures({"to": "0001-01-05"})["period"]["from"] == "0001-01-01"
    with pytest.raises(ValidationFailed):
        support.support_figures({"from": "2000-01-01"})
