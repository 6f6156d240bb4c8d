"""consent.changed: a withdrawn or granted marketing-email consent marks the
leads with that address do-not-email (or clears it), through the inbox.

Every lead with the address (open or closed; a merged lead's survivor is a
lead of its own) is written by ``records.commands.write_lead``, so its
version, its history and ``lead.updated`` follow as for any change; a lead
marked already is left alone.  Other purposes and channels, and a consent
pending confirmation, change nothing (no inbox row either).  Events handled
out of order (a redelivery after a later change of the address) are told
apart by the ledger's ``change_id``: an older decision never overrides a
newer one (the kit's consent and sequence modules).  Once per event
however often it is delivered (the inbox).
"""

from services.leads.records import commands, store
from shared.kit import consent, outbox
from shared.kit.inbox import inbox_handler

ACTOR = "campaigns:consent"


def mark_leads(conn, email_norm, do_not_email):
    """Set do_not_email on the (unmerged) leads with this address; returns their ids."""
    rows = conn.execute("SELECT * FROM leads WHERE email_norm = %s AND merged_into IS NULL"
                        " AND do_not_email IS DISTINCT FROM %s ORDER BY id FOR UPDATE",
                        (email_norm, do_not_email)).fetchall()
    events = []
    for row in rows:
        updated = commands.write_lead(conn, row, {"do_not_email": do_not_email}, ACTOR, "updated")
        events.append(("lead.updated", {"lead": store.snapshot(updated), "changed": ["do_not_email"]}))
    if events:
        outbox.add_many(conn, events)
    return [str(row["id"]) for row in rows]


class ConsentEvents:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @inbox_handler("campaigns", "consent.changed")
    def on_consent_changed(self, event):
        consent.apply_do_not_email(self.db, event, mark_leads, "lead")
