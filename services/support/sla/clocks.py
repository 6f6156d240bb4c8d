"""The arithmetic of one SLA clock, pure (no database): a clock is a dict with
the columns of ``case_sla`` (see migrations/0004_sla.sql); each function
returns the changed columns.

``used_seconds`` counts the business seconds used up to ``running_since``; a
running clock's live figure adds what passed since.  ``due_at`` / ``warn_at``
are the moments the remaining time runs out / the warning share of the
target is reached, set only while the clock runs and has a target."""

import math

from services.support.businesshours import add_business_seconds, business_seconds_between

METRICS = ("first_response", "next_response", "resolution")


def live_used(clock, cal, at):
    """Business seconds used by ``at``."""
    used = clock["used_seconds"]
    if clock["running_since"] is not None and at > clock["running_since"]:
        used += business_seconds_between(cal, clock["running_since"], at)
    return used


def warn_seconds(target, warn_percent):
    """The used seconds at which the warning is due (the share rounded up)."""
    return math.ceil(target * warn_percent / 100)


def schedule(clock, cal):
    """``due_at`` and ``warn_at`` for the clock's current state (running from
    ``running_since`` with ``used_seconds`` used)."""
    target, since = clock["target_seconds"], clock["running_since"]
    if since is None or target is None:
        return {"due_at": None, "warn_at": None}
    used = clock["used_seconds"]
    due_at = add_business_seconds(cal, since, max(target - used, 0))
    warn_at = None
    if clock.get("warned_at") is None and clock.get("breached_at") is None:
        warn_at = add_business_seconds(cal, since, max(warn_seconds(target, clock["warn_percent"]) - used, 0))
    return {"due_at": due_at, "warn_at": warn_at}


def settle(clock, cal, at):
    """Book the time a running clock used up to ``at`` (it keeps running from ``at``)."""
    if clock["running_since"] is None:
        return {}
    return {"used_seconds": live_used(clock, cal, at), "running_since": max(at, clock["running_since"])}


def pause(clock, cal, at):
    if clock["running_since"] is None:
        return {}
    return {"used_seconds": live_used(clock, cal, at), "running_since": None, "due_at": None, "warn_at": None}


def resume(clock, cal, at):
    if clock["running_since"] is not None or clock["stopped"]:
        return {}
    changes = {"running_since": at}
    return {**changes, **schedule({**clock, **changes}, cal)}


def finish(clock, cal, at, achieved):
    """Stop the clock for good; ``achieved``: the response or resolution
    happened at ``at`` (``used_seconds`` then holds what it took).  A clock
    achieved past its due moment that the sweep had not seen yet is marked
    breached at that moment."""
    used = live_used(clock, cal, at)
    changes = {"used_seconds": used, "running_since": None, "due_at": None, "warn_at": None, "stopped": True,
               "achieved_at": at if achieved else None}
    target = clock["target_seconds"]
    if target is not None and used > target and clock.get("breached_at") is None:
        changes["breached_at"] = add_business_seconds(cal, at, 0) if clock["due_at"] is None else clock["due_at"]
    return changes


def retarget(clock, old_cal, new_cal, at, target_seconds, warn_percent, policy_id, calendar_id):
    """A new policy mid-case: the time used so far (on the old calendar) is
    kept, the rest counts on the new calendar against the new target."""
    changes = settle(clock, old_cal, at)
    merged = {**clock, **changes, "target_seconds": target_seconds, "warn_percent": warn_percent}
    changes.update({"target_seconds": target_seconds, "warn_percent": warn_percent, "policy_id": policy_id,
                    "calendar_id": calendar_id})
    if not clock["stopped"]:
        changes.update(schedule(merged, new_cal))
    return changes


def view(clock, cal, at):
    """The clock as lists and the case page show it (``ClockSchema``)."""
    used = live_used(clock, cal, at)
    target = clock["target_seconds"]
    return {
        "metric": clock["metric"],
        "cycle": clock["cycle"],
        "policy_id": clock["policy_id"],
        "calendar_id": clock["calendar_id"],
        "target_seconds": target,
        "used_seconds": used,
        "remaining_seconds": None if target is None else target - used,
        "running": clock["running_since"] is not None,
        "paused": clock["running_since"] is None and not clock["stopped"],
        "stopped": clock["stopped"],
        "started_at": clock["started_at"],
        "due_at": clock["due_at"],
        "warn_at": clock["warn_at"],
        "warned_at": clock["warned_at"],
        "breached": clock["breached_at"] is not None,
        "breached_at": clock["breached_at"],
        "achieved_at": clock["achieved_at"],
    }
