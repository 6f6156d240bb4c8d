"""Forecast periods: a month ("2026-11") or a quarter ("2026-Q4") as its
first and last day."""

import calendar
from dataclasses import dataclass
from datetime import date

from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.forecast import PERIOD_HELP, PERIOD_PATTERN


@dataclass(frozen=True)
class Period:
    label: str   # normalised: "2026-11", "2026-Q4"
    start: date  # first day
    end: date    # last day, inclusive

    def rates_date(self, today):
        """The day whose exchange rates convert this period's amounts: its
        last day, or ``today`` when the period ends later (future rates are
        not known yet)."""
        return min(self.end, today)


def parse_period(text):
    """The Period named by ``text``; ValidationFailed (422, on ``period``) for anything else."""
    match = PERIOD_PATTERN.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValidationFailed(f"{text!r} is not a period. {PERIOD_HELP}", {"period": [PERIOD_HELP]})
    year, month, quarter = int(match.group(1)), match.group(2), match.group(3)
    if month:
        first = last = int(month)
        label = f"{year:04d}-{first:02d}"
    else:
        last = int(quarter) * 3
        first = last - 2
        label = f"{year:04d}-Q{quarter}"
    return Period(label, date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))
