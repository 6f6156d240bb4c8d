"""A lead's status and the moves between statuses.

Statuses, in the order a lead usually goes through them::

    new -> working -> qualified -> converted
       \\         \\          \\
        `---------`----------`--> disqualified -> working (reopen)

The complete table of allowed moves is ``TRANSITIONS``:

============  =========================================
from          to
============  =========================================
new           working, qualified, disqualified
working       qualified, disqualified
qualified     working, disqualified, converted
disqualified  working (reopen)
converted     nothing: conversion is final
============  =========================================

Staying in the same status is not a move: ``check_transition('working',
'working')`` is refused, so the caller decides to do nothing (and publish
nothing) when the status does not change.

``converted`` is reached only through the conversion flow (it creates the
account, contact and opportunity in sales), so an ordinary update must use
``check_manual_transition``, which refuses ``converted`` and points to the
convert endpoint.  The conversion flow itself uses ``check_transition``.
"""

from shared.schemas.errors import IllegalTransition, ValidationFailed

__all__ = [
    "OPEN_STATUSES",
    "STATUSES",
    "TRANSITIONS",
    "allowed_targets",
    "check_manual_transition",
    "check_transition",
    "event_for_transition",
    "is_allowed",
    "is_open",
    "manual_targets",
]

STATUSES = ("new", "working", "qualified", "disqualified", "converted")
OPEN_STATUSES = ("new", "working", "qualified")

TRANSITIONS = {
    "new": ("working", "qualified", "disqualified"),
    "working": ("qualified", "disqualified"),
    "qualified": ("working", "disqualified", "converted"),
    "disqualified": ("working",),
    "converted": (),
}

_EVENTS = {
    "qualified": "lead.qualified",
    "disqualified": "lead.disqualified",
    "converted": "lead.converted",
}


def is_open(status):
    """True for a status in which the lead is still being worked on."""
    return status in OPEN_STATUSES


def allowed_targets(current):
    """The statuses a lead in ``current`` may move to (a tuple, maybe empty)."""
    return TRANSITIONS.get(current, ())


def is_allowed(current, target):
    """True when the move ``current -> target`` is in the table."""
    return target in TRANSITIONS.get(current, ())


def _check_known(target):
    if target not in TRANSITIONS:
        raise ValidationFailed(
            f"Unknown status {target!r}.",
            errors={"status": [f"Must be one of: {', '.join(STATUSES)}."]},
        )


def _refuse(current, target, message, allowed=None):
    allowed = list(allowed_targets(current) if allowed is None else allowed)
    raise IllegalTransition(
        message,
        errors={"status": [message]},
        current=current,
        target=target,
        allowed=allowed,
    )


def _allowed_phrase(current, allowed=None):
    allowed = allowed_targets(current) if allowed is None else allowed
    if not allowed:
        return f"a {current} lead cannot change status any more"
    return f"from {current} the status can change to: {', '.join(allowed)}"


def manual_targets(current):
    """The statuses an ordinary update may move a lead in ``current`` to:
    ``allowed_targets`` without ``converted``."""
    return tuple(target for target in allowed_targets(current) if target != "converted")


def check_transition(current, target, allowed=None):
    """Raise unless ``current -> target`` is an allowed move.

    An unknown ``target`` raises ``ValidationFailed`` (bad input, 422); a
    known but disallowed move raises ``IllegalTransition`` (409) whose
    ``detail`` and ``errors['status']`` say which moves are allowed from
    ``current``, and whose extra members ``current``, ``target`` and
    ``allowed`` carry the same facts for programs.  ``allowed`` narrows the
    moves the refusal names (``check_manual_transition`` leaves out
    ``converted``).
    """
    _check_known(target)
    if current == target:
        _refuse(
            current,
            target,
            f"The lead is already {current}; {_allowed_phrase(current, allowed)}.",
            allowed,
        )
    if not is_allowed(current, target):
        _refuse(
            current,
            target,
            f"Cannot change status from {current} to {target}; {_allowed_phrase(current, allowed)}.",
            allowed,
        )


def check_manual_transition(current, target):
    """Like ``check_transition`` but for ordinary updates: ``converted`` is refused.

    Conversion creates the customer records in sales, so it has its own
    endpoint (``POST /api/v1/leads/{id}/convert``).  The ``allowed`` list of
    a refusal names only the moves an update can make (``manual_targets``):
    never ``converted``.
    """
    _check_known(target)
    allowed = manual_targets(current)
    if target == "converted" and current != "converted":
        _refuse(
            current,
            target,
            "A lead cannot be set to converted by an update; use the convert "
            "endpoint (POST /api/v1/leads/{id}/convert), which also creates "
            "the account, contact and opportunity.",
            allowed,
        )
    check_transition(current, target, allowed)


def event_for_transition(target):
    """The event type published when a lead moves into ``target``.

    ``qualified`` -> ``lead.qualified``, ``disqualified`` ->
    ``lead.disqualified``, ``converted`` -> ``lead.converted`` (published by
    the conversion flow), anything else (``working``, a reopen) ->
    ``lead.updated``.
    """
    if target not in TRANSITIONS:
        raise ValueError(f"unknown lead status {target!r}")
    return _EVENTS.get(target, "lead.updated")
