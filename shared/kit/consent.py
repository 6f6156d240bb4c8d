"""Applying the campaigns service's ``consent.changed`` to a service's own
records: a withdrawn (or granted) marketing-email consent marks the records
with that address do-not-email (or clears it).

``apply_do_not_email`` handles one event in the inbox (once per event however
often it is delivered) and only when its ledger ``change_id`` is newer than
every one applied for the address (``sequence.newer``: a redelivery after a
later decision changes nothing).  Other purposes and channels, and a consent
pending confirmation, change nothing and leave no inbox row.  ``mark(conn,
email_norm, do_not_email)`` writes the service's records in the inbox
transaction and returns the ids it changed."""

import logging

from shared.kit import sequence
from shared.schemas.campaigns.consent import do_not_email_of

__all__ = ["apply_do_not_email"]

log = logging.getLogger(__name__)

STREAM = "consent.marketing_email"


def apply_do_not_email(db, event, mark, what):
    """Handle ``event`` with ``mark``; ``what`` names the records in the log ("contact")."""
    decision = do_not_email_of(event.get("data"))
    if decision is None:
        return
    with db.handle_once(event) as conn:
        if conn is None:
            return
        email_norm, do_not_email, change_id = decision
        if not sequence.newer(conn, STREAM, email_norm, change_id):
            log.info("consent.changed event %s: change %s of the address is older than one applied; "
                     "nothing to do", event.get("id"), change_id)
            return
        marked = mark(conn, email_norm, do_not_email)
        log.info("consent.changed event %s: %d %s(s) do_not_email=%s", event.get("id"), len(marked), what,
                 do_not_email)
