"""Today's date for tests, read when a test runs, never at import.

A run of the suite may cross midnight: a date read when a module is imported
(or a parametrize list collected) is yesterday's by the time its test runs,
while a service reads its clock when it handles the call.  So a test reads
the clock with these functions itself, and where the service dates something
during a call, brackets the call with ``during`` and accepts the day before
or the day after it (a call may straddle midnight).

Use the clock of the service under test: the orders service dates quotes,
prices, invoices, credit notes and payments in the local time zone
(``datetime.date.today()``); sales (closed_on, rates) and orders' customer
value in UTC.
"""

import contextlib
import datetime


def today():
    """Today in the local time zone."""
    return datetime.date.today()


def today_iso():
    return today().isoformat()


def utc_today():
    """Today in UTC."""
    return datetime.datetime.now(datetime.UTC).date()


def utc_today_iso():
    return utc_today().isoformat()


def days_from_today(days, clock=today):
    """The day ``days`` after (before, if negative) ``clock()``'s today."""
    return clock() + datetime.timedelta(days=days)


class Days:
    """The day a block of code ran on, read with ``clock`` before and after
    it: one value, or two when the block straddled midnight.

    ``value in days`` and ``value == days`` hold for a value equal to either,
    so it can stand for "today" in a tuple or dict compared whole."""

    __hash__ = None

    def __init__(self, clock):
        self.clock = clock
        self.values = (clock(),)

    def close(self):
        after = self.clock()
        if after != self.values[0]:
            self.values += (after,)

    def __contains__(self, value):
        return value in self.values

    def __eq__(self, other):
        return other in self.values

    def __repr__(self):
        return " or ".join(repr(value) for value in self.values)


@contextlib.contextmanager
def during(clock=today):
    """``with during(clock) as today:`` around a call that dates something by
    its clock; afterwards ``today`` is the day(s) the call ran on (``Days``)."""
    days = Days(clock)
    yield days
    days.close()
