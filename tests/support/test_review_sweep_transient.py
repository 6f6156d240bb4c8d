"""A transient database failure during an escalation (a deadlock, a lock or
statement timeout) is not swallowed: the sweep's batch rolls back, breach
and all, and is taken again, so the escalation is not lost for good; any
other failure of a rule leaves the breach recorded."""

import datetime

import psycopg
import pytest

from services.support.sla import commands
from tests.support.test_sla_clocks import berlin, clock, conn, open_case, terms  # noqa: F401 - fixtures


def test_a_deadlock_in_an_escalation_rolls_the_breach_back_to_be_taken_again(conn, terms):  # noqa: F811
    opened = berlin(2026, 3, 2, 9, 0)
    case = open_case(conn, opened, priority="urgent")

    def deadlocked(*args):
        raise psycopg.errors.DeadlockDetected("deadlock detected")

    later = opened + datetime.timedelta(hours=2)
    with pytest.raises(psycopg.OperationalError), conn.transaction():  # the sweep's batch transaction
        commands.sweep_due(conn, "breach", later, 10, deadlocked)
    assert clock(conn, case, "first_response")["breached_at"] is None  # not marked: the next sweep takes it
    applied = []
    assert commands.sweep_due(conn, "breach", later, 10, lambda *args: applied.append(args[2]["metric"])) >= 1
    assert "first_response" in applied
    assert clock(conn, case, "first_response")["breached_at"] == opened + datetime.timedelta(hours=1)
