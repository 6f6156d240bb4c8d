"""Forecast periods: a month or a quarter as first and last day; junk is a 422 on `period`."""

from datetime import date

import pytest

from services.sales.forecast.periods import Period, parse_period
from shared.schemas.errors import ValidationFailed


@pytest.mark.parametrize(("text", "label", "start", "end"), [
    ("2026-11", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-01", "2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ("2026-12", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2028-02", "2028-02", date(2028, 2, 1), date(2028, 2, 29)),   # leap year
    ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2100-02", "2100-02", date(2100, 2, 1), date(2100, 2, 28)),   # not a leap year
    ("2026-Q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q2", "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-Q3", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    (" 2026-11 ", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("0001-01", "0001-01", date(1, 1, 1), date(1, 1, 31)),
    ("9999-Q4", "9999-Q4", date(9999, 10, 1), date(9999, 12, 31)),
])
def test_periods_parse_to_their_first_and_last_day(text, label, start, end):
    assert parse_period(text) == Period(label, start, end)


@pytest.mark.parametrize("text", [
    "", " ", "2026", "2026-", "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "2026-Q0",
    "2026-Q5", "2026-Q", "2026-H1", "Q4-2026", "0000-01", "0000-Q1", "２０２６-11", "2026-11\nx", "nov 2026",
    None, 202611, ["2026-11"],
])
def test_anything_else_is_a_clear_422_on_period(text):
    with pytest.raises(ValidationFailed) as raised:
        parse_period(text)
    assert raised.value.status == 422
    assert raised.value.errors == {"period": ["Use a month as YYYY-MM (like 2026-11) or a quarter as YYYY-Qn "
                                              "(like 2026-Q4)."]}
    assert "YYYY-Qn" in raised.value.detail


def test_the_rates_date_is_the_period_end_or_today_when_that_is_earlier():
    quarter = parse_period("2026-Q4")
    assert quarter.rates_date(date(2027, 3, 1)) == date(2026, 12, 31)   # past period: its last day
    assert quarter.rates_date(date(2026, 12, 31)) == date(2026, 12, 31)
    assert quarter.rates_date(date(2026, 11, 23)) == date(2026, 11, 23)  # current period: today
    assert quarter.rates_date(date(2025, 1, 1)) == date(2025, 1, 1)      # future period: today
