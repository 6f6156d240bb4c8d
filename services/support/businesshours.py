"""Business-hours arithmetic on a calendar: pure (no database, no broker).

A :class:`Calendar` is a time zone, weekly hours (several intervals per
weekday, in local wall-clock time), the public holidays of a country (and
optionally one of its subdivisions) from the ``holidays`` library, and the
company's own dates: a closed day, or special hours on one day.  A company
date wins over the library (special hours on a public holiday open it).

Business time is real elapsed time inside the open intervals, to the second:

- Instants are taken to the whole second (microseconds are dropped), so the
  arithmetic is exact integer seconds: ``business_seconds_between(cal, a,
  add_business_seconds(cal, a, s)) == s`` and measuring is additive over any
  split.
- An interval's bounds are local wall-clock times of its day; each bound is
  the earliest instant at which the local clock reads that time or later.  On
  a day the clocks go forward a bound inside the gap (02:30 in Berlin on the
  last Sunday of March) is the moment of the change (03:00 CEST); on a day
  they go back, an ambiguous bound is its first occurrence.  So a 09:00-17:00
  day is 8 hours on the DST days too, while an interval spanning the change
  counts the hours that really passed (00:00-24:00 is 23 h or 25 h).
- Long spans skip whole weeks that have no holiday, no company date and no
  change of UTC offset, and holiday sets are cached per country, subdivision
  and year.
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from shared.schemas.support.hours import (  # noqa: F401 (re-exported: the checks live with the contracts)
    WEEKDAYS,
    CalendarError,
    check_holiday_region,
    holiday_dates,
    parse_calendar,
)

# A search for open time that finds none within this many days gives up (a
# calendar closed for ever).
MAX_SEARCH_DAYS = 366 * 20
_UTC = datetime.UTC


# The calendar -----------------------------------------------------------------

@dataclass(eq=False)
class Calendar:
    """``weekly``: 7 tuples (Monday first) of (start, end) seconds after local
    midnight; ``dates``: ``{date: intervals}`` of the company's own dates
    (empty intervals: closed that day)."""

    time_zone: str
    weekly: tuple
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    dates: dict = field(default_factory=dict)

    def __post_init__(self):
        self.tz = ZoneInfo(self.time_zone)
        self.weekly = tuple(tuple(day) for day in self.weekly)
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need 7 days, Monday first")
        self.week_seconds = sum(end - start for day in self.weekly for start, end in day)
        self._days = {}

    @classmethod
    def build(cls, time_zone, weekly_hours, holiday_country=None, holiday_subdivision=None, dates=()):
        """From the stored / API form (see shared.schemas.support.sla.parse_calendar);
        raises CalendarError naming the bad fields."""
        tz_name, weekly, special = parse_calendar(time_zone, weekly_hours, holiday_country, holiday_subdivision,
                                                  dates)
        return cls(tz_name, weekly, holiday_country, holiday_subdivision, special)

    # Days

    def holiday(self, day):
        """The holiday's name when ``day`` is a public holiday of the calendar's region."""
        return holiday_dates(self.holiday_country, self.holiday_subdivision, day.year).get(day)

    def hours_of(self, day):
        """The (start, end) wall-clock seconds open on a local date."""
        if day in self.dates:
            return self.dates[day]
        if self.holiday_country and self.holiday(day) is not None:
            return ()
        return self.weekly[day.weekday()]

    def _regular(self, day):
        return day not in self.dates and not (self.holiday_country and self.holiday(day) is not None)

    def instant(self, day, seconds):
        """The epoch second of wall-clock ``seconds`` after local midnight of
        ``day``: the earliest instant the local clock reads that or later."""
        wall = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
        first = int(wall.replace(tzinfo=self.tz, fold=0).timestamp())
        second = int(wall.replace(tzinfo=self.tz, fold=1).timestamp())
        if first == second:
            return first
        real = [epoch for epoch in (first, second) if self.wall(epoch) == wall]
        if real:  # the clocks went back: the first occurrence
            return min(real)
        low, high = min(first, second), max(first, second)  # in a gap: the first instant past it
        while low < high:
            middle = (low + high) // 2
            if self.wall(middle) >= wall:
                high = middle
            else:
                low = middle + 1
        return low

    def wall(self, epoch):
        return datetime.datetime.fromtimestamp(epoch, self.tz).replace(tzinfo=None)

    def local_date(self, epoch):
        return datetime.datetime.fromtimestamp(epoch, self.tz).date()

    def day_start(self, day):
        return self.instant(day, 0)

    def open_intervals(self, day):
        """The day's open intervals as epoch seconds (cached)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) > 4096:
                self._days.clear()
            found = tuple((self.instant(day, start), self.instant(day, end)) for start, end in self.hours_of(day))
            found = tuple((start, end) for start, end in found if end > start)
            self._days[day] = found
        return found

    def plain_week(self, monday):
        """Whether the 7 days from ``monday`` are ordinary weekly hours with one UTC offset throughout."""
        days = [monday + datetime.timedelta(days=offset) for offset in range(8)]
        if not all(self._regular(day) for day in days[:7]):
            return False
        offsets = {datetime.datetime.combine(day, datetime.time(12), self.tz).utcoffset() for day in days}
        offsets |= {datetime.datetime.combine(day, datetime.time(), self.tz).utcoffset() for day in days}
        return len(offsets) == 1


def _epoch(moment):
    if not isinstance(moment, datetime.datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-hours arithmetic needs timezone-aware datetimes")
    return int(moment.replace(microsecond=0).timestamp())


def _aware(epoch):
    return datetime.datetime.fromtimestamp(epoch, _UTC)


def add_business_seconds(cal, start, seconds):
    """The earliest instant (aware, UTC) at which ``seconds`` business seconds
    have passed since ``start`` (taken to the whole second).  ``seconds`` 0
    is ``start`` itself."""
    seconds = int(seconds)
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    moment = _epoch(start)
    if seconds == 0:
        return _aware(moment)
    remaining = seconds
    day = cal.local_date(moment)
    for _ in range(MAX_SEARCH_DAYS):
        for begin, end in cal.open_intervals(day):
            if end <= moment:
                continue
            begin = max(begin, moment)
            if remaining <= end - begin:
                return _aware(begin + remaining)
            remaining -= end - begin
        day += datetime.timedelta(days=1)
        while day.weekday() == 0 and cal.week_seconds and remaining > cal.week_seconds and cal.plain_week(day):
            remaining -= cal.week_seconds
            day += datetime.timedelta(days=7)
    raise ValueError(f"the calendar has no open time in the {MAX_SEARCH_DAYS} days after {start.isoformat()}")


def business_seconds_between(cal, a, b):
    """Business seconds from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    first, last = _epoch(a), _epoch(b)
    if last < first:
        return -business_seconds_between(cal, b, a)
    total = 0
    day = cal.local_date(first)
    last_day = cal.local_date(last)
    while day <= last_day:
        for begin, end in cal.open_intervals(day):
            begin, end = max(begin, first), min(end, last)
            if end > begin:
                total += end - begin
        day += datetime.timedelta(days=1)
        while (day.weekday() == 0 and day + datetime.timedelta(days=7) <= last_day and cal.week_seconds
               and cal.plain_week(day)):
            total += cal.week_seconds
            day += datetime.timedelta(days=7)
    return total


def is_open(cal, moment):
    """Whether ``moment`` lies inside open hours."""
    epoch = _epoch(moment)
    return any(begin <= epoch < end for begin, end in cal.open_intervals(cal.local_date(epoch)))


def holidays_of_year(country, subdivision, year):
    """``[{"date": date, "name": str}]`` of a region's public holidays in a year, by date."""
    check_holiday_region(country, subdivision)
    return [{"date": day, "name": name} for day, name in sorted(holiday_dates(country, subdivision, year).items())]
