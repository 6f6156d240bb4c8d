"""The life of a quote, as pure rules (no database, no broker).

::

    draft -> sent | rejected          (a draft may be sent, or dropped)
    sent  -> accepted | rejected | expired
    accepted, rejected, expired: final

Only a draft can be changed.  A sent, expired or rejected quote can be
*revised*: a new draft revision with the same number replaces it, and the old
revision keeps its status but is marked superseded (``superseded_by``): it
stays readable and nothing more can happen to it.  A quote is accepted only
while it is sent, not superseded and still valid (``valid_until`` is today
or later); ``expired`` is set by the expiry sweep, never by a caller.
"""

import datetime

from shared.schemas.errors import IllegalTransition, ValidationFailed

STATUSES = ("draft", "sent", "accepted", "rejected", "expired")
MOVES = {
    "draft": ("sent", "rejected"),
    "sent": ("accepted", "rejected", "expired"),
    "accepted": (),
    "rejected": (),
    "expired": (),
}
# Statuses a caller can move a quote to (expiry is the sweep's).
CALLER_MOVES = ("sent", "accepted", "rejected")
REVISABLE = ("sent", "expired", "rejected")
# Siblings an accepted alternative closes.
LIVE = ("draft", "sent")
VALIDITY_DAYS = 30
SIBLING_ACCEPTED = "another alternative was accepted"
VERBS = {"sent": "send", "accepted": "accept", "rejected": "reject", "expired": "expire"}


def number_text(sequence_value):
    """The readable number of a quote and its revisions (``Q-000123``)."""
    return f"Q-{sequence_value:06d}"


def label(quote):
    return f"Quote {quote['number']} revision {quote['revision']}"


def default_valid_until(today):
    return today + datetime.timedelta(days=VALIDITY_DAYS)


def is_superseded(quote):
    return quote["superseded_by"] is not None


def allowed_moves(quote):
    """The statuses a caller may move the quote to now (none once superseded)."""
    if is_superseded(quote):
        return []
    return [status for status in MOVES[quote["status"]] if status in CALLER_MOVES]


def actions(quote, today):
    """What can be done with the quote now, for clients to offer:
    ``update``, ``send``, ``accept``, ``reject``, ``revise``."""
    if is_superseded(quote):
        return []
    found = ["update"] if quote["status"] == "draft" else []
    for status in allowed_moves(quote):
        if status == "accepted" and quote["valid_until"] < today:
            continue
        found.append(VERBS[status])
    if quote["status"] in REVISABLE:
        found.append("revise")
    return found


def _allowed_phrase(quote):
    moves = allowed_moves(quote)
    revise = " or revised" if quote["status"] in REVISABLE and not is_superseded(quote) else ""
    if not moves:
        return f"a {quote['status']} quote cannot change status any more" + (
            "; it can only be revised" if revise else "")
    return f"from {quote['status']} it can be {', '.join(moves)}{revise}"


def superseded_error(quote):
    message = (f"{label(quote)} was superseded by a newer revision (quote {quote['superseded_by']}); "
               "work on that one.")
    return IllegalTransition(message, errors={"status": [message]}, current=quote["status"],
                             allowed=[], superseded_by=str(quote["superseded_by"]))


def check_move(quote, target, today):
    """``IllegalTransition`` (409, with ``current``, ``target`` and
    ``allowed``) unless the quote may move to ``target`` now."""
    if is_superseded(quote):
        raise superseded_error(quote)
    current = quote["status"]
    if target not in MOVES[current]:
        verb = VERBS.get(target, target)
        message = f"Cannot {verb} {label(quote)}: it is {current}; {_allowed_phrase(quote)}."
        raise IllegalTransition(message, errors={"status": [message]}, current=current, target=target,
                                allowed=allowed_moves(quote))
    if target == "accepted" and quote["valid_until"] < today:
        message = (f"{label(quote)} was valid until {quote['valid_until'].isoformat()} and can no longer be "
                   "accepted; revise it to offer it again.")
        raise IllegalTransition(message, errors={"valid_until": [message]}, current=current, target=target,
                                allowed=[status for status in allowed_moves(quote) if status != "accepted"])


def check_editable(quote):
    """Only a draft (not superseded) can be changed."""
    if is_superseded(quote):
        raise superseded_error(quote)
    if quote["status"] != "draft":
        hint = "revise it to make a new draft" if quote["status"] in REVISABLE else "it is final"
        message = f"{label(quote)} is {quote['status']}: only a draft can be changed; {hint}."
        raise IllegalTransition(message, errors={"status": [message]}, current=quote["status"],
                                allowed=allowed_moves(quote))


def check_revisable(quote):
    """A sent, expired or rejected quote that is its number's latest revision."""
    if is_superseded(quote):
        raise superseded_error(quote)
    if quote["status"] not in REVISABLE:
        hint = "change the draft itself" if quote["status"] == "draft" else "an accepted quote is final"
        message = f"Cannot revise {label(quote)}: it is {quote['status']}; {hint}."
        raise IllegalTransition(message, errors={"status": [message]}, current=quote["status"],
                                allowed=allowed_moves(quote))


def check_valid_until(valid_until, today):
    """A quote's validity cannot end before today (422 on ``valid_until``)."""
    if valid_until < today:
        raise ValidationFailed(
            f"valid_until {valid_until.isoformat()} is in the past; give today ({today.isoformat()}) or later.",
            {"valid_until": [f"Today ({today.isoformat()}) or later."]})
