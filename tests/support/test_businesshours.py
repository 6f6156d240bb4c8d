"""Business-hours arithmetic (services.support.businesshours): hand-written
cases around weekends, a Christmas holiday and the DST changes of
Europe/Berlin and America/New_York, plus bad calendar data.  The
properties (hypothesis) are in test_businesshours_properties.py."""

import datetime
import time

import pytest

from services.support.businesshours import (
    Calendar,
    CalendarError,
    add_business_seconds,
    business_seconds_between,
    holidays_of_year,
    is_open,
)

UTC = datetime.UTC
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOUR = 3600


def berlin(**kwargs):
    return Calendar.build("Europe/Berlin", NINE_TO_FIVE, **kwargs)


def at(zone, *parts):
    from zoneinfo import ZoneInfo
    return datetime.datetime(*parts, tzinfo=ZoneInfo(zone))


def test_within_one_day_and_to_the_next_morning():
    cal = berlin()
    start = at("Europe/Berlin", 2026, 3, 2, 10, 0)  # a Monday
    assert add_business_seconds(cal, start, 2 * HOUR) == at("Europe/Berlin", 2026, 3, 2, 12, 0)
    assert add_business_seconds(cal, start, 7 * HOUR) == at("Europe/Berlin", 2026, 3, 2, 17, 0)
    assert add_business_seconds(cal, start, 7 * HOUR + 1) == at("Europe/Berlin", 2026, 3, 3, 9, 0, 1)
    assert business_seconds_between(cal, start, at("Europe/Berlin", 2026, 3, 3, 10, 0)) == 8 * HOUR


def test_outside_hours_a_start_waits_for_the_opening():
    cal = berlin()
    friday_evening = at("Europe/Berlin", 2026, 3, 6, 18, 30)
    assert add_business_seconds(cal, friday_evening, HOUR) == at("Europe/Berlin", 2026, 3, 9, 10, 0)
    assert business_seconds_between(cal, friday_evening, at("Europe/Berlin", 2026, 3, 9, 8, 59)) == 0
    assert not is_open(cal, friday_evening)
    assert is_open(cal, at("Europe/Berlin", 2026, 3, 9, 9, 0))


def test_the_weekend_adds_nothing():
    cal = berlin()
    friday = at("Europe/Berlin", 2026, 3, 6, 16, 0)
    assert add_business_seconds(cal, friday, 2 * HOUR) == at("Europe/Berlin", 2026, 3, 9, 10, 0)
    assert business_seconds_between(cal, friday, at("Europe/Berlin", 2026, 3, 9, 10, 0)) == 2 * HOUR


def test_several_intervals_a_day():
    cal = Calendar.build("Europe/Berlin", {"mon": [["13:00", "17:00"], ["08:00", "12:00"]]})
    monday = at("Europe/Berlin", 2026, 3, 2, 11, 0)
    assert add_business_seconds(cal, monday, 2 * HOUR) == at("Europe/Berlin", 2026, 3, 2, 14, 0)
    assert business_seconds_between(cal, monday, at("Europe/Berlin", 2026, 3, 2, 18, 0)) == 5 * HOUR
    # 5 h left on Monday (11-12, 13-17), then the next Monday (the week has 8 h)
    assert add_business_seconds(cal, monday, 6 * HOUR) == at("Europe/Berlin", 2026, 3, 9, 9, 0)
    assert add_business_seconds(cal, monday, 13 * HOUR) == at("Europe/Berlin", 2026, 3, 9, 17, 0)


def test_christmas_is_closed_with_the_library_and_company_dates():
    cal = berlin(holiday_country="DE", holiday_subdivision="BE",
                 dates=[{"date": "2026-12-24", "hours": []}, {"date": "2026-12-31", "hours": [["09:00", "12:00"]]}])
    wednesday = at("Europe/Berlin", 2026, 12, 23, 16, 0)  # 24th closed (company), 25th/26th holidays
    assert add_business_seconds(cal, wednesday, 2 * HOUR) == at("Europe/Berlin", 2026, 12, 28, 10, 0)
    assert business_seconds_between(cal, wednesday, at("Europe/Berlin", 2027, 1, 4, 9, 0)) == (
        1 * HOUR + 4 * 8 * HOUR - 8 * HOUR + 3 * HOUR)  # 23rd: 1 h; 28-30: 24 h; 31st: 3 h; Jan 1st holiday
    assert cal.holiday(datetime.date(2026, 12, 25)) is not None
    assert not is_open(cal, at("Europe/Berlin", 2026, 12, 25, 10, 0))


def test_special_hours_open_a_holiday():
    cal = berlin(holiday_country="DE", dates=[{"date": "2026-12-25", "hours": [["10:00", "12:00"]]}])
    assert business_seconds_between(cal, at("Europe/Berlin", 2026, 12, 25, 0, 0),
                                    at("Europe/Berlin", 2026, 12, 26, 0, 0)) == 2 * HOUR


@pytest.mark.parametrize("zone, spring, autumn", [
    ("Europe/Berlin", (2026, 3, 29), (2026, 10, 25)),
    ("America/New_York", (2026, 3, 8), (2026, 11, 1)),
])
def test_a_nine_to_five_day_is_eight_hours_on_dst_days(zone, spring, autumn):
    every_day = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = Calendar.build(zone, every_day)
    for day in (spring, autumn):
        assert business_seconds_between(cal, at(zone, *day, 0, 0), at(zone, *day, 23, 0)) == 8 * HOUR
        assert add_business_seconds(cal, at(zone, *day, 9, 0), 8 * HOUR) == at(zone, *day, 17, 0)


@pytest.mark.parametrize("zone, spring, autumn", [
    ("Europe/Berlin", (2026, 3, 29), (2026, 10, 25)),
    ("America/New_York", (2026, 3, 8), (2026, 11, 1)),
])
def test_round_the_clock_days_count_the_hours_that_really_pass(zone, spring, autumn):
    always = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = Calendar.build(zone, always)
    one_day = datetime.timedelta(days=1)
    for day, hours in ((spring, 23), (autumn, 25)):
        start = at(zone, *day, 0, 0)
        end = at(zone, *(datetime.date(*day) + one_day).timetuple()[:3], 0, 0)
        assert business_seconds_between(cal, start, end) == hours * HOUR
        assert add_business_seconds(cal, start, hours * HOUR) == end.astimezone(UTC)


def test_bounds_in_the_spring_gap_and_the_autumn_overlap():
    # Berlin: 2026-03-29 02:00 -> 03:00; 2026-10-25 03:00 -> 02:00.
    sunday = {"sun": [["02:30", "05:00"]]}
    cal = Calendar.build("Europe/Berlin", sunday)
    spring_start = at("Europe/Berlin", 2026, 3, 29, 0, 0)
    # 02:30 does not exist: the interval starts at the change (03:00 CEST = 01:00 UTC)
    assert add_business_seconds(cal, spring_start, 1) == datetime.datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC)
    assert business_seconds_between(cal, spring_start, at("Europe/Berlin", 2026, 3, 29, 12, 0)) == 2 * HOUR
    # 02:30 happens twice: the first one (00:30 UTC), so 02:30 CEST .. 05:00 CET is 3.5 h
    autumn_start = at("Europe/Berlin", 2026, 10, 25, 0, 0)
    assert add_business_seconds(cal, autumn_start, 1) == datetime.datetime(2026, 10, 25, 0, 30, 1, tzinfo=UTC)
    assert business_seconds_between(cal, autumn_start, at("Europe/Berlin", 2026, 10, 25, 12, 0)) == 3.5 * HOUR


def test_new_york_across_the_spring_change_with_a_weekend():
    cal = Calendar.build("America/New_York", NINE_TO_FIVE)
    friday = at("America/New_York", 2026, 3, 6, 15, 0)  # EST; Monday is EDT
    assert add_business_seconds(cal, friday, 4 * HOUR) == at("America/New_York", 2026, 3, 9, 11, 0)
    assert add_business_seconds(cal, friday, 4 * HOUR) == datetime.datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_instants_are_taken_to_the_whole_second():
    cal = berlin()
    start = at("Europe/Berlin", 2026, 3, 2, 10, 0).replace(microsecond=999999)
    assert add_business_seconds(cal, start, 1) == at("Europe/Berlin", 2026, 3, 2, 10, 0, 1)
    assert business_seconds_between(cal, start, start + datetime.timedelta(seconds=1.5)) == 2  # 10:00:00 .. 10:00:02


def test_measuring_backwards_is_negative():
    cal = berlin()
    a, b = at("Europe/Berlin", 2026, 3, 2, 10, 0), at("Europe/Berlin", 2026, 3, 2, 11, 0)
    assert business_seconds_between(cal, b, a) == -HOUR


def test_long_spans_are_fast_and_exact():
    cal = berlin(holiday_country="DE", holiday_subdivision="BY")
    start = at("Europe/Berlin", 2026, 1, 5, 9, 0)
    began = time.perf_counter()
    ten_years = 10 * 52 * 40 * HOUR
    due = add_business_seconds(cal, start, ten_years)
    assert business_seconds_between(cal, start, due) == ten_years
    assert time.perf_counter() - began < 1.0
    # the same as counting day by day
    day, total = start.date(), 0
    while day < datetime.date(2027, 1, 5):
        total += sum(end - begin for begin, end in cal.open_intervals(day))
        day += datetime.timedelta(days=1)
    assert business_seconds_between(cal, start, at("Europe/Berlin", 2027, 1, 5, 9, 0)) == total


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_seconds(berlin(), datetime.datetime(2026, 3, 2, 10, 0), 60)


@pytest.mark.parametrize("kwargs, field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"holiday_country": "XX"}, "holiday_country"),
    ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "holiday_subdivision"),
    ({"weekly_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "weekly_hours.mon.1"),
    ({"weekly_hours": {"mon": [["17:00", "09:00"]]}}, "weekly_hours.mon.0"),
    ({"weekly_hours": {"mon": [["9am", "17:00"]]}}, "weekly_hours.mon.0"),
    ({"weekly_hours": {"mon": [["09:00", "24:30"]]}}, "weekly_hours.mon.0"),
    ({"weekly_hours": {"funday": [["09:00", "17:00"]]}}, "weekly_hours.funday"),
    ({"weekly_hours": {}}, "weekly_hours"),
    ({"dates": [{"date": "2026-02-30", "hours": []}]}, "dates.0.date"),
    ({"dates": [{"date": "2026-12-24", "hours": [["12:00", "11:00"]]}]}, "dates.0.hours.0"),
])
def test_bad_calendars_name_the_field(kwargs, field):
    args = {"time_zone": "Europe/Berlin", "weekly_hours": NINE_TO_FIVE, **kwargs}
    with pytest.raises(CalendarError) as caught:
        Calendar.build(**args)
    assert field in caught.value.errors


def test_touching_intervals_merge_and_24_00_is_the_end_of_the_day():
    cal = Calendar.build("UTC", {"mon": [["12:00", "24:00"], ["00:00", "12:00"]]})
    assert cal.weekly[0] == ((0, 86400),)


def test_holidays_of_a_year():
    days = holidays_of_year("DE", "BE", 2026)
    assert {"date": datetime.date(2026, 12, 25), "name": "Christmas Day"} in days
    with pytest.raises(CalendarError):
        holidays_of_year("XX", None, 2026)
