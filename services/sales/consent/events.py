"""consent.changed: a withdrawn or granted marketing-email consent marks the
contacts with that address do-not-email (or clears it), through the inbox.

The address is the contacts' primary email (``email_norm``: the one
marketing mails, and the key of the campaigns service's ledger).  Each
contact is changed by ``commands.update_contact``, so its version, its
history and ``contact.updated`` follow as for any change; a contact marked
already is left alone.  Other purposes and channels, and a consent pending
confirmation, change nothing (no inbox row either).  Events handled out of
order (a redelivery after a later change of the address) are told apart by
the ledger's ``change_id``: an older decision never overrides a newer one
(the kit's consent and sequence modules).  Once per event however often
it is delivered (the inbox).
"""

import logging

from services.sales.contacts import commands
from shared.kit import consent
from shared.kit.inbox import inbox_handler
from shared.schemas.errors import CrmError

log = logging.getLogger(__name__)

ACTOR = "campaigns:consent"


def mark_contacts(conn, email_norm, do_not_email):
    """Set do_not_email on the contacts with this primary address; returns their ids."""
    rows = conn.execute("SELECT id FROM contacts WHERE email_norm = %s AND do_not_email IS DISTINCT FROM %s"
                        " ORDER BY id FOR UPDATE", (email_norm, do_not_email)).fetchall()
    marked = []
    for row in rows:
        try:
            with conn.transaction():  # one contact refused leaves the others marked
                commands.update_contact(conn, str(row["id"]), {"do_not_email": do_not_email}, ACTOR)
            marked.append(str(row["id"]))
        except CrmError as exc:
            log.warning("consent.changed: contact %s not marked do_not_email=%s: %s", row["id"], do_not_email,
                        exc.detail)
    return marked


class ConsentEvents:
    """Mixin of SalesService (which provides ``self.db``)."""

    @inbox_handler("campaigns", "consent.changed")
    def on_consent_changed(self, event):
        consent.apply_do_not_email(self.db, event, mark_contacts, "contact")
