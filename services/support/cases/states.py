"""A case's status and the moves between statuses: pure rules, no database,
no broker.

============ ===============================================================
from         to
============ ===============================================================
new          open, pending, on_hold, resolved, closed (spam, a duplicate)
open         pending, on_hold, resolved, closed
pending      open, on_hold, resolved, closed   (pending: waiting on the customer)
on_hold      open, pending, resolved, closed   (on hold: waiting on someone else)
resolved     open (reopened), closed
closed       nothing: a customer's reply opens a new case that refers to it
============ ===============================================================

Nothing moves back to ``new``.  Besides people's moves, a customer's reply
moves a pending case to open and reopens a resolved one within the reopen
window (``reply_effect``); an agent's first public reply opens a new case.
"""

import datetime

from shared.schemas.errors import IllegalTransition

STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
# SLA time stops in these.
PAUSED = ("pending", "on_hold")
# The case is done (no SLA runs, no assignment counts it as open work).
DONE = ("resolved", "closed")
ACTIVE = ("new", "open", "pending", "on_hold")

TRANSITIONS = {
    "new": ("open", "pending", "on_hold", "resolved", "closed"),
    "open": ("pending", "on_hold", "resolved", "closed"),
    "pending": ("open", "on_hold", "resolved", "closed"),
    "on_hold": ("open", "pending", "resolved", "closed"),
    "resolved": ("open", "closed"),
    "closed": (),
}


def allowed_targets(current):
    return TRANSITIONS.get(current, ())


def is_reopen(current, target):
    return current == "resolved" and target == "open"


def _allowed_phrase(current):
    allowed = allowed_targets(current)
    if not allowed:
        return ("a closed case stays closed; when the customer writes again a new case that refers to it is "
                "opened (or open one yourself with related_case_id)")
    return f"from {current} it can become " + ", ".join(allowed)


def check_transition(current, target, number=None):
    """IllegalTransition (409, with ``current``, ``target`` and ``allowed``)
    unless ``current -> target`` is a legal move."""
    if target in allowed_targets(current):
        return
    what = f"Case {number}" if number else "The case"
    if current == target:
        message = f"{what} is already {current}; {_allowed_phrase(current)}."
    else:
        message = f"{what} is {current} and cannot become {target}; {_allowed_phrase(current)}."
    raise IllegalTransition(message, errors={"status": [message]}, current=current, target=target,
                            allowed=list(allowed_targets(current)))


def stamps(current, target, at, row):
    """The columns a move sets besides ``status``: when it happened, when it
    was resolved or closed, the reopen count."""
    values = {"status": target, "status_changed_at": at}
    if target == "resolved":
        values["resolved_at"] = at
    if target == "closed":
        values["closed_at"] = at
        if row.get("resolved_at") is None:
            values["resolved_at"] = at
    if is_reopen(current, target):
        values["resolved_at"] = None
        values["reopen_count"] = (row.get("reopen_count") or 0) + 1
    return values


# What a customer's message does ----------------------------------------------------

STAY = "stay"          # the status stays as it is
OPEN = "open"          # pending -> open: the customer answered
REOPEN = "reopen"      # resolved -> open within the window
FOLLOW_UP = "follow_up"  # closed, or resolved too long ago: a new case refers to this one


def customer_reply_effect(status, resolved_at, at, reopen_days):
    """What a customer's message does to a case in ``status``: one of STAY,
    OPEN, REOPEN, FOLLOW_UP.  The window is ``reopen_days`` whole days from
    the moment it was resolved (``at`` exactly on its end still reopens)."""
    if status == "closed":
        return FOLLOW_UP
    if status == "resolved":
        if resolved_at is None or at - resolved_at <= datetime.timedelta(days=reopen_days):
            return REOPEN
        return FOLLOW_UP
    if status == "pending":
        return OPEN
    return STAY


def agent_reply_effect(status):
    """An agent's public reply opens a new case (the team is on it); other
    statuses stay as they are (the agent sets pending when waiting)."""
    return OPEN if status == "new" else STAY
