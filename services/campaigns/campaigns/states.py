"""The life of a campaign, as pure rules (no database).

::

    planned --launch--> active --complete--> completed
       |                  |
       +-----abort--------+------abort-----> aborted

``completed`` and ``aborted`` are final.  Costs can be recorded and removed
until a campaign is completed (an aborted one may still receive a bill).
"""

from decimal import ROUND_HALF_UP, Decimal

from shared.schemas.errors import IllegalTransition

ACTIONS = ("launch", "complete", "abort")
MOVES = {
    "planned": {"launch": "active", "abort": "aborted"},
    "active": {"complete": "completed", "abort": "aborted"},
    "completed": {},
    "aborted": {},
}
VERBS = {"launch": "launch", "complete": "complete", "abort": "abort"}
HINTS = {
    ("launch", "active"): "it is running already",
    ("complete", "planned"): "launch it first (only a running campaign completes), or abort it",
    ("launch", "completed"): "it is over",
    ("launch", "aborted"): "it is over",
    ("complete", "completed"): "it is completed already",
    ("complete", "aborted"): "it was aborted",
    ("abort", "completed"): "it is over",
    ("abort", "aborted"): "it is aborted already",
}


def actions(status):
    """The moves possible from ``status``, in ACTIONS order."""
    return [action for action in ACTIONS if action in MOVES[status]]


def target(status, action, label="the campaign"):
    """The status ``action`` leads to from ``status``; IllegalTransition (409,
    with ``current``, ``target`` and ``allowed``) when it is not a legal move."""
    moves = MOVES[status]
    if action in moves:
        return moves[action]
    hint = HINTS.get((action, status), "")
    message = f"Cannot {VERBS[action]} {label}: it is {status}" + (f"; {hint}." if hint else ".")
    wanted = {"launch": "active", "complete": "completed", "abort": "aborted"}[action]
    raise IllegalTransition(message, errors={"status": [message]}, current=status, target=wanted,
                            allowed=actions(status))


def costs_open(status):
    """Whether cost entries may still be added or removed."""
    return status != "completed"


def minor_unit(exponent):
    """The quantum of a currency with that ISO 4217 exponent (2 -> 0.01)."""
    return Decimal(1).scaleb(-exponent)


def round_money(amount, exponent):
    """``amount`` rounded half up to the currency's minor unit (None stays None)."""
    if amount is None:
        return None
    return Decimal(amount).quantize(minor_unit(exponent), rounding=ROUND_HALF_UP)


def money_text(amount, exponent):
    """An amount as the API shows it: exactly the currency's decimals."""
    if amount is None:
        return None
    return format(round_money(amount, exponent), "f")


FUNNEL = ("converted", "responded", "clicked", "opened", "sent")


def stage(member):
    """The furthest funnel stage a member (a ``campaign_members`` row) reached."""
    for name in FUNNEL:
        if member.get(f"{name}_at") is not None:
            return name
    return "targeted"


def creates_cycle(campaign_id, ancestors_of_parent):
    """Whether making ``campaign_id`` a child of a parent whose ancestors
    (the parent itself first) are ``ancestors_of_parent`` makes a loop."""
    return str(campaign_id) in {str(item) for item in ancestors_of_parent}
