"""Consent as a send sees it.

The rule (``decide``, pure): an email of a purpose may go to an address only
when the ledger's current decision for that address, purpose and the email
channel is ``granted``, whatever its legal basis.  Legitimate interest is
not assumed: it is recorded like a consent (``legal_basis:
legitimate_interest``, status granted, with its evidence: the customer
relationship, the import), and an objection (an unsubscribe, the
preference page, staff) withdraws it like any consent.  So an address the
ledger does not know is never mailed, and a withdrawal always wins until
the person grants again.
"""

from services.campaigns.consent import store

REASONS = {None: "no_consent", "withdrawn": "withdrawn", "pending_confirmation": "pending_confirmation"}


def decide(status):
    """(allowed, reason) for a current status (None: no decision recorded)."""
    if status == "granted":
        return True, None
    return False, REASONS.get(status, "no_consent")


def can_email(conn, email_norm, purpose="marketing_email"):
    """(allowed, reason) for one marketing email to this address now: reason
    names why not (``no_consent``, ``withdrawn``, ``pending_confirmation``).

    Reads the current decision in the caller's transaction and holds it
    (FOR SHARE) until that transaction ends: a withdrawal at the same moment
    waits for the send to commit and comes after it, never between the
    check and the send's record."""
    if not email_norm:
        return False, "no_consent"
    row = store.current(conn, email_norm.strip().lower(), purpose, "email", lock="share")
    return decide(row["status"] if row else None)
