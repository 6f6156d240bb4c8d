"""Properties of business-hours arithmetic (hypothesis): adding then
measuring gives back what was added, measuring is additive over any split,
pausing and resuming at arbitrary instants never loses or invents a second,
and time outside open hours adds nothing; across weekends, holidays and the
DST changes of zones with and without them."""

import datetime
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.support.businesshours import (
    Calendar,
    add_business_seconds,
    business_seconds_between,
    is_open,
)

UTC = datetime.UTC
# SLA_EXAMPLES=3000 for a longer hunt (150 keeps the suite fast).
PROFILE = settings(max_examples=int(os.environ.get("SLA_EXAMPLES", 150)), deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])

CALENDARS = [
    Calendar.build("Europe/Berlin", {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
                   holiday_country="DE", holiday_subdivision="BE",
                   dates=[{"date": "2026-12-24", "hours": []}, {"date": "2026-12-31", "hours": [["09:00", "12:00"]]}]),
    Calendar.build("America/New_York", {"mon": [["08:00", "12:00"], ["13:00", "17:30"]],
                                        "tue": [["08:00", "12:00"], ["13:00", "17:30"]],
                                        "wed": [["00:00", "24:00"]], "thu": [["01:30", "03:30"], ["22:00", "24:00"]],
                                        "sat": [["02:00", "02:45"]], "sun": [["01:00", "03:00"]]},
                   holiday_country="US"),
    Calendar.build("Europe/Berlin", {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                                            "sun")}),
    Calendar.build("Australia/Lord_Howe", {"sun": [["01:00", "03:00"]], "mon": [["09:00", "17:00"]]}),
]

calendars = st.sampled_from(CALENDARS)
# Instants spread over three years: every DST change of the zones above, Christmas and New Year.
instants = st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 31),
                        timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0))
amounts = st.integers(min_value=0, max_value=400 * 3600)


@PROFILE
@given(calendars, instants, amounts)
def test_measuring_what_was_added_gives_it_back(cal, start, seconds):
    due = add_business_seconds(cal, start, seconds)
    assert due >= start
    assert business_seconds_between(cal, start, due) == seconds
    if seconds:  # and it is the earliest such instant
        assert business_seconds_between(cal, start, due - datetime.timedelta(seconds=1)) == seconds - 1


@PROFILE
@given(calendars, st.lists(instants, min_size=3, max_size=3))
def test_measuring_is_additive_over_any_split(cal, moments):
    a, b, c = sorted(moments)
    assert business_seconds_between(cal, a, c) == (business_seconds_between(cal, a, b)
                                                   + business_seconds_between(cal, b, c))
    assert business_seconds_between(cal, c, a) == -business_seconds_between(cal, a, c)


@PROFILE
@given(calendars, instants, st.integers(min_value=1, max_value=200 * 3600),
       st.lists(st.tuples(st.integers(min_value=0, max_value=30 * 86400),
                          st.integers(min_value=0, max_value=30 * 86400)), max_size=6))
def test_pausing_and_resuming_never_loses_or_invents_a_second(cal, opened, target, pauses):
    """A clock that runs, pauses for a while, runs again...: its due moment,
    computed from what was used so far at each resumption, is reached after
    exactly ``target`` business seconds of running time."""
    used, running_since, running = 0, opened, []
    for run_for, paused_for in pauses:
        paused_at = running_since + datetime.timedelta(seconds=run_for)
        used_now = used + business_seconds_between(cal, running_since, paused_at)
        if used_now >= target:
            break
        running.append((running_since, paused_at))
        used = used_now
        running_since = paused_at + datetime.timedelta(seconds=paused_for)
    due = add_business_seconds(cal, running_since, target - used)
    running.append((running_since, due))
    assert sum(business_seconds_between(cal, begin, end) for begin, end in running) == target


@PROFILE
@given(calendars, instants, st.integers(min_value=1, max_value=7 * 86400))
def test_outside_hours_adds_nothing(cal, start, length):
    """Walking through a span open interval by open interval: the measure
    only grows where the calendar is open."""
    end = start + datetime.timedelta(seconds=length)
    measured = business_seconds_between(cal, start, end)
    moment, counted = start, 0
    # jump from one opening or closing to the next: add(…, 1) finds the next open second
    while moment < end:
        if is_open(cal, moment):
            step = min(end, _closing(cal, moment))
            counted += int((step - moment).total_seconds())
        else:
            step = min(end, add_business_seconds(cal, moment, 1) - datetime.timedelta(seconds=1))
            assert business_seconds_between(cal, moment, step) == 0
        moment = max(step, moment + datetime.timedelta(seconds=1)) if step == moment else step
    assert counted == measured


def _closing(cal, moment):
    epoch = int(moment.timestamp())
    for begin, end in cal.open_intervals(cal.local_date(epoch)):
        if begin <= epoch < end:
            return datetime.datetime.fromtimestamp(end, UTC)
    raise AssertionError("not open")
