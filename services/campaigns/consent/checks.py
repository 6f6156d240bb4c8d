"""Consent as a send sees it."""


def can_email(conn, email_norm, purpose="marketing_email"):
    """(allowed, reason) for one marketing email to this address now: reason
    names why not (``no_consent``, ``withdrawn``, ``pending_confirmation``)."""
    return False, "no_consent"
