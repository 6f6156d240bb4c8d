"""The SLA clocks of cases: the functions the cases area calls in its own
transaction (``case_opened``, ``case_changed``, ``agent_replied``,
``customer_replied``), ``clocks_of`` for lists and the case page, and the
sweep's step (``sweep_due``).

Every case has a clock per metric: ``first_response`` and ``resolution``
from its opening, ``next_response`` from each customer reply that waits for
an answer (one cycle per wait).  Clocks count business seconds on the
calendar of the case's SLA policy (the first active one whose conditions
hold, see store.matching_policy), or on the default calendar without a
target when none matches.  ``at`` is a timezone-aware instant: the
transaction's ``now()`` unless the caller passes one.

- Status into ``pending`` / ``on_hold`` pauses every running clock to the
  second; out of them (to ``new`` / ``open``) resumes them.
- ``resolved`` / ``closed`` achieves the resolution clock and stops the
  response clocks still waiting (not achieved: no response was given).
- Reopening (resolved/closed -> an open status) runs the resolution clock
  again with the time used kept (paused when reopened into pending/on_hold).
- A change of priority, channel or account that selects another policy (or
  a policy whose targets or calendar changed since) keeps the business time
  used so far and counts the rest against the new targets on the new calendar.
"""

import datetime
import logging

import psycopg

from services.support.sla import clocks, store
from shared.kit import outbox
from shared.kit.rows import plain

log = logging.getLogger(__name__)

PAUSED_STATUSES = ("pending", "on_hold")
DONE_STATUSES = ("resolved", "closed")
TARGET_COLUMNS = {"first_response": "first_response_minutes", "next_response": "next_response_minutes",
                  "resolution": "resolution_minutes"}
POLICY_FACTS = ("priority", "channel", "account_id")
# Moments closer than this wake the sweep (the longest it may sleep is SLA_SWEEP_SECONDS).
WAKE_HORIZON = datetime.timedelta(seconds=120)
WAKE_CHANNEL = "support_sla_due"


def now(conn, at=None):
    if at is not None:
        return at
    return conn.execute("SELECT now() AS now").fetchone()["now"]


def _id(value):
    return None if value is None else str(value)


# Policy choice ------------------------------------------------------------------

def policy_for(conn, case):
    """The SLA policy row of a case (or None)."""
    account_type, account_tier = store.account_facts(conn, case.get("account_id"))
    return store.matching_policy(conn, {"priority": case.get("priority"), "channel": case.get("channel"),
                                        "account_type": account_type, "account_tier": account_tier})


def terms_of(conn, policy, metric):
    """(policy id, calendar id, target seconds or None, warn percent) of a metric under a policy."""
    if policy is None:
        return None, store.default_calendar_id(conn), None, 80
    minutes = policy[TARGET_COLUMNS[metric]]
    return policy["id"], policy["calendar_id"], None if minutes is None else minutes * 60, policy["warn_percent"]


def _start_clock(conn, case, policy, metric, at, cycle=1, running=True):
    policy_id, calendar_id, target, warn_percent = terms_of(conn, policy, metric)
    clock = {"case_id": str(case["id"]), "metric": metric, "cycle": cycle, "policy_id": _id(policy_id),
             "calendar_id": str(calendar_id), "target_seconds": target, "warn_percent": warn_percent,
             "used_seconds": 0, "started_at": at, "running_since": at if running else None, "warned_at": None,
             "breached_at": None, "stopped": False}
    clock.update(clocks.schedule(clock, store.calendar_of(conn, calendar_id)))
    return _wake_if_soon(conn, store.insert_clock(conn, clock), at)


# The seams ----------------------------------------------------------------------

def case_opened(conn, case, at=None):
    """Start the first-response and resolution clocks of a new case (paused
    when it is opened pending or on hold)."""
    at = now(conn, at)
    policy = policy_for(conn, case)
    running = case.get("status") not in PAUSED_STATUSES
    started = [_start_clock(conn, case, policy, metric, at, running=running)
               for metric in ("first_response", "resolution")]
    if case.get("status") in DONE_STATUSES:  # opened already solved (a logged phone call)
        _finish_all(conn, case, at)
    return started


def case_changed(conn, before, after, at=None):
    """Follow a change of a case: its status (pause, resume, stop, reopen) and
    the facts its policy is chosen by (priority, channel, account)."""
    at = now(conn, at)
    old, new = before.get("status"), after.get("status")
    if any(before.get(key) != after.get(key) for key in POLICY_FACTS):
        _reselect(conn, after, at)
    if old == new:
        return
    if new in DONE_STATUSES:
        if old not in DONE_STATUSES:
            _finish_all(conn, after, at)
        return
    if old in DONE_STATUSES:
        _reopen(conn, after, at, running=new not in PAUSED_STATUSES)
    elif new in PAUSED_STATUSES and old not in PAUSED_STATUSES:
        _each_open_clock(conn, after["id"], at, clocks.pause)
    elif old in PAUSED_STATUSES and new not in PAUSED_STATUSES:
        _each_open_clock(conn, after["id"], at, clocks.resume)


def agent_replied(conn, case, at=None):
    """An agent's public reply: the first response (once) and the waiting
    next response are achieved."""
    at = now(conn, at)
    for clock in _latest(conn, case["id"]).values():
        if clock["metric"] in ("first_response", "next_response") and not clock["stopped"]:
            _finish(conn, case, clock, store.calendar_of(conn, clock["calendar_id"]), at, True)


def customer_replied(conn, case, at=None):
    """A customer's reply: once the first response was given, it waits for a
    next response (a new cycle, unless one already waits)."""
    at = now(conn, at)
    latest = _latest(conn, case["id"])
    first = latest.get("first_response")
    if first is None or not first["stopped"] or first["achieved_at"] is None:
        return None  # the first response is still to come (or the case is done): that clock covers it
    waiting = latest.get("next_response")
    if waiting is not None and not waiting["stopped"]:
        return waiting
    if case.get("status") in DONE_STATUSES:
        return None
    cycle = 1 if waiting is None else waiting["cycle"] + 1
    return _start_clock(conn, case, policy_for(conn, case), "next_response", at, cycle=cycle,
                        running=case.get("status") not in PAUSED_STATUSES)


def clocks_of(conn, case_ids, at=None):
    """``{case_id: [clock views]}`` (the latest cycle of each metric; live
    used and remaining business seconds at ``at``)."""
    case_ids = [str(case_id) for case_id in case_ids]
    if not case_ids:
        return {}
    at = now(conn, at)
    result = {case_id: [] for case_id in case_ids}
    calendars = {}  # one look-up per calendar, not per clock (a page of the queue is 50 cases)
    for clock in store.clocks_of(conn, case_ids):
        key = str(clock["calendar_id"])
        if key not in calendars:
            calendars[key] = store.calendar_of(conn, key)
        view = clocks.view(clock, calendars[key], at)
        result[str(clock["case_id"])].append({key: plain(value) for key, value in view.items()})
    return result


# Internals -------------------------------------------------------------------------

def _latest(conn, case_id):
    """The latest cycle of each metric of a case, locked."""
    latest = {}
    for clock in store.clocks(conn, case_id, lock=True):
        latest[clock["metric"]] = clock  # ordered by cycle: the last one wins
    return latest


def _update(conn, clock, changes, at=None):
    updated = store.update_clock(conn, clock["id"], changes)
    if updated is None:
        return clock
    return _wake_if_soon(conn, updated, at)


def _finish(conn, case, clock, cal, at, achieved):
    """Stop a clock for good.  A clock that ends past its due moment before the
    sweep saw it is breached all the same: its ``case.sla_breached`` is written
    here, once (no escalation: the response or resolution it would hurry has
    happened)."""
    changes = clocks.finish(clock, cal, at, achieved)
    updated = _update(conn, clock, changes)
    if changes.get("breached_at") is not None and updated is not clock:
        from services.support.cases import commands as cases  # it calls this module: imported when used

        view = {key: plain(value) for key, value in clocks.view(updated, cal, at).items()}
        outbox.add(conn, EVENT_TYPES["breach"],
                   {"case": cases.case_snapshot(cases.get_case(conn, case["id"])), "clock": view,
                    "detected_at": plain(at)})
    return updated


def _wake_if_soon(conn, clock, at):
    """A warning or due moment set closer than the sweep may be sleeping
    wakes it (NOTIFY, delivered at commit) so it is detected on time."""
    soonest = min((moment for moment in (clock["due_at"], clock["warn_at"]) if moment is not None), default=None)
    if soonest is not None and (at is None or soonest - at <= WAKE_HORIZON):
        conn.execute(f"NOTIFY {WAKE_CHANNEL}")
    return clock


def _each_open_clock(conn, case_id, at, step):
    for clock in _latest(conn, case_id).values():
        if not clock["stopped"]:
            _update(conn, clock, step(clock, store.calendar_of(conn, clock["calendar_id"]), at), at)


def _finish_all(conn, case, at):
    for clock in _latest(conn, case["id"]).values():
        if not clock["stopped"]:
            cal = store.calendar_of(conn, clock["calendar_id"])
            _finish(conn, case, clock, cal, at, achieved=clock["metric"] == "resolution")


def _reopen(conn, case, at, running):
    clock = _latest(conn, case["id"]).get("resolution")
    if clock is None:
        return
    changes = {"stopped": False, "achieved_at": None, "running_since": at if running else None}
    merged = {**clock, **changes}
    changes.update(clocks.schedule(merged, store.calendar_of(conn, clock["calendar_id"])))
    _update(conn, clock, changes, at)


def _reselect(conn, case, at):
    """Another policy (or changed terms): every clock not yet over keeps its
    used time and counts the rest on the new terms."""
    policy = policy_for(conn, case)
    for clock in _latest(conn, case["id"]).values():
        if clock["stopped"]:
            continue
        policy_id, calendar_id, target, warn_percent = terms_of(conn, policy, clock["metric"])
        same = (_id(policy_id) == _id(clock["policy_id"]) and str(calendar_id) == str(clock["calendar_id"])
                and target == clock["target_seconds"] and warn_percent == clock["warn_percent"])
        if same:
            continue
        old_cal = store.calendar_of(conn, clock["calendar_id"])
        new_cal = store.calendar_of(conn, calendar_id)
        _update(conn, clock, clocks.retarget(clock, old_cal, new_cal, at, target, warn_percent, _id(policy_id),
                                             str(calendar_id)), at)


# The sweep's step --------------------------------------------------------------------

EVENT_TYPES = {"warning": "case.sla_warning", "breach": "case.sla_breached"}


def sweep_due(conn, kind, at, batch, on_event=None):
    """Mark the clocks whose ``kind`` (``warning`` | ``breach``) moment has
    come by ``at``: ``warned_at`` / ``breached_at`` set once (to the moment
    itself), the event written, then ``on_event(conn, case, clock, kind)``
    (escalation) called; returns how many were taken (``batch`` at most).
    A breach whose warning was never recorded records the warning first:
    each is detected exactly once, in order."""
    taken = store.take_due(conn, kind, at, batch)
    for clock in taken:
        if kind == "breach" and clock["warn_at"] is not None and clock["warned_at"] is None:
            # Both moments came between two sweeps (or between this replica's
            # warning and breach passes): the warning is still owed, first.
            clock = _detect(conn, clock, "warning", at, on_event)
        _detect(conn, clock, kind, at, on_event)
    return len(taken)


def _detect(conn, clock, kind, at, on_event):
    from services.support.cases import commands as cases  # it calls this module: imported when used

    column, moment = ("warned_at", clock["warn_at"]) if kind == "warning" else ("breached_at", clock["due_at"])
    changes = {column: moment}
    if kind == "warning":
        changes["warn_at"] = None
    clock = store.update_clock(conn, clock["id"], changes)
    case = cases.get_case(conn, clock["case_id"])  # locked with the clock by take_due
    cal = store.calendar_of(conn, clock["calendar_id"])
    view = {key: plain(value) for key, value in clocks.view(clock, cal, at).items()}
    outbox.add(conn, EVENT_TYPES[kind], {"case": cases.case_snapshot(case), "clock": view, "detected_at": plain(at)})
    if on_event is not None:
        try:
            with conn.transaction():  # a savepoint: a failing rule leaves the detection in place
                on_event(conn, case, view, kind)
        except psycopg.OperationalError:
            raise  # a deadlock, a timeout, the database gone: the batch is taken again, escalation and all
        except Exception:
            log.exception("escalation of %s %s of case %s failed; the %s stays recorded", clock["metric"], kind,
                          case.get("number"), kind)
    return clock
