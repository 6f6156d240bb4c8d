"""The rules of business-hours calendars that both the API (the gateway
checks a calendar before any service sees it) and the support service's
arithmetic (services/support/businesshours.py) use: times of day, weekly
intervals, IANA time zones, the holidays library's countries and
subdivisions, and the holidays of a year (cached)."""

import datetime
import functools
import re
from zoneinfo import available_timezones

import holidays

DAY = 86400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$|^24:00(?::00)?$")


class CalendarError(ValueError):
    """Bad calendar data: ``errors`` maps each field (dotted path) to messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {' '.join(value)}" for key, value in errors.items()))


# Parsing and checking -------------------------------------------------------

def parse_time(text):
    """``"09:00"`` / ``"09:00:30"`` / ``"24:00"`` -> seconds after midnight, or ValueError."""
    if not isinstance(text, str) or not _TIME.match(text):
        raise ValueError(f"{text!r} is not a time of day HH:MM (00:00 to 24:00).")
    if text.startswith("24"):
        return DAY
    parts = [int(part) for part in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0)


def format_time(seconds):
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def parse_intervals(pairs, where):
    """``[["09:00", "12:00"], ["13:00", "17:00"]]`` -> sorted ((start, end), ...)
    in seconds; start before end, no overlaps (touching is fine, and merged)."""
    errors = {}
    intervals = []
    if not isinstance(pairs, list | tuple):
        raise CalendarError({where: ["A list of [start, end] pairs of times HH:MM."]})
    for index, pair in enumerate(pairs):
        key = f"{where}.{index}"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            errors[key] = ["A pair [start, end] of times HH:MM."]
            continue
        try:
            start, end = parse_time(pair[0]), parse_time(pair[1])
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        if start >= end:
            errors[key] = [f"The start {pair[0]} must be before the end {pair[1]}."]
            continue
        intervals.append((start, end, key))
    intervals.sort()
    merged = []
    for start, end, key in intervals:
        if merged and start < merged[-1][1]:
            errors[key] = [f"{format_time(start)}-{format_time(end)} overlaps "
                           f"{format_time(merged[-1][0])}-{format_time(merged[-1][1])}."]
        elif merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    if errors:
        raise CalendarError(errors)
    return tuple(merged)


def check_time_zone(name, where="time_zone"):
    if not isinstance(name, str) or name not in _zone_names():
        raise CalendarError({where: [f"{name!r} is not a known IANA time zone such as Europe/Berlin."]})
    return name


@functools.cache
def _zone_names():
    return frozenset(available_timezones())


def time_zone_names():
    """The IANA time zones a calendar takes (the document lists them)."""
    return _zone_names()


@functools.cache
def supported_countries():
    """``{country code: (subdivision codes)}`` of the holidays library."""
    return {code: tuple(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()
            if len(code) == 2 and code.isupper()}


def check_holiday_region(country, subdivision):
    """Raises CalendarError naming ``holiday_country`` or ``holiday_subdivision``
    (the country in any letter case: the schemas upper-case it once loaded)."""
    if country is None:
        if subdivision is not None:
            raise CalendarError({"holiday_subdivision": ["A subdivision needs a holiday_country."]})
        return
    countries = supported_countries()
    country = country.upper() if isinstance(country, str) else country
    if country not in countries:
        raise CalendarError({"holiday_country": [
            f"{country!r} is not a country the holidays library knows (ISO 3166-1 alpha-2 such as DE or US)."]})
    if subdivision is not None and subdivision not in countries[country]:
        shown = ", ".join(countries[country][:30]) or "none"
        raise CalendarError({"holiday_subdivision": [
            f"{subdivision!r} is not a subdivision of {country} (known: {shown})."]})


@functools.lru_cache(maxsize=512)
def holiday_dates(country, subdivision, year):
    """``{date: name}`` of the public holidays of a country (and subdivision) in a year; cached."""
    if country is None:
        return {}
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year, language="en_US").items())


def parse_calendar(time_zone, weekly_hours, holiday_country=None, holiday_subdivision=None, dates=()):
    """``weekly_hours`` ``{"mon": [["09:00", "17:00"]], ...}`` (missing days
    closed), ``dates`` ``[{"date": date or "YYYY-MM-DD", "hours": [[...]] or
    [] / None (closed)}]`` -> (time zone, 7 tuples of (start, end) seconds,
    {date: intervals}).  Raises CalendarError naming the bad fields."""
    errors = {}
    try:
        tz_name = check_time_zone(time_zone)
    except CalendarError as exc:
        errors.update(exc.errors)
        tz_name = None
    try:
        check_holiday_region(holiday_country, holiday_subdivision)
    except CalendarError as exc:
        errors.update(exc.errors)
    weekly = []
    weekly_hours = weekly_hours or {}
    unknown = [key for key in weekly_hours if key not in WEEKDAYS]
    for key in unknown:
        errors[f"weekly_hours.{key}"] = [f"Not a weekday; use one of {', '.join(WEEKDAYS)}."]
    for day in WEEKDAYS:
        try:
            weekly.append(parse_intervals(weekly_hours.get(day) or [], f"weekly_hours.{day}"))
        except CalendarError as exc:
            errors.update(exc.errors)
    special = {}
    for index, entry in enumerate(dates or ()):
        try:
            day = entry["date"]
            if isinstance(day, str):
                day = datetime.date.fromisoformat(day)
            if day in special:
                errors[f"dates.{index}.date"] = [f"{day} is given twice."]
                continue
            special[day] = parse_intervals(entry.get("hours") or [], f"dates.{index}.hours")
        except CalendarError as exc:
            errors.update(exc.errors)
        except (KeyError, TypeError, ValueError):
            errors[f"dates.{index}.date"] = ["A date YYYY-MM-DD."]
    if not errors and not any(weekly) and not any(special.values()):
        errors["weekly_hours"] = ["Open at least one interval in the week."]
    if errors:
        raise CalendarError(errors)
    return tz_name, tuple(weekly), special
