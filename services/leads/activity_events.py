"""Engagement from activities: leads consumes sales' ``activity.logged``.

A call, meeting, task or note logged on a lead counts as one engagement event
of that kind (``commands.record_engagement``: the scoring rules' engagement
rule gives points per event, whatever its kind).  A cancelled activity did
not happen and earns nothing.

The lead named may have changed since the activity was logged: a merged lead
credits its survivor, a converted lead (closed: the person is a contact now)
and an unknown id are logged and acknowledged, never retried.
"""

import logging
import uuid

from services.leads import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)

MAX_MERGE_HOPS = 20  # a merge chain longer than this is a loop: give up


def _lead_id(value):
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def lead_to_credit(conn, lead_id):
    """The live lead standing for ``lead_id`` (following merges), locked;
    None when there is none.  Only that lead is locked, as crediting it
    directly would: merged ones on the way are just read."""
    for _ in range(MAX_MERGE_HOPS):
        row = conn.execute("SELECT id, merged_into FROM leads WHERE id = %s", (lead_id,)).fetchone()
        if row is not None and row["merged_into"] is None:
            row = conn.execute("SELECT * FROM leads WHERE id = %s FOR UPDATE", (lead_id,)).fetchone()
        if row is None or row["merged_into"] is None:
            return row
        lead_id = row["merged_into"]
    return None


def credit_activity(conn, activity):
    """Credit the engagement of the activity's lead; returns the updated lead
    row, or None when there is nothing to credit."""
    lead_id = _lead_id(activity.get("lead_id")) if activity.get("lead_id") else None
    if lead_id is None or activity.get("status") == "cancelled":
        return None
    lead = lead_to_credit(conn, lead_id)
    if lead is None:
        log.warning("activity %s names lead %s, which does not exist (or merges in a loop): not credited",
                    activity.get("id"), lead_id)
        return None
    if lead["status"] == "converted":
        log.info("activity %s names lead %s, converted already: not credited", activity.get("id"), lead["id"])
        return None
    if str(lead["id"]) != lead_id:
        log.info("activity %s names lead %s, merged into %s: crediting that one", activity.get("id"), lead_id,
                 lead["id"])
    return commands.record_engagement(conn, lead["id"], activity.get("kind") or "activity",
                                      activity.get("created_by") or "sales")


class ActivityEngagement:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @inbox_handler("sales", "activity.logged")
    def on_activity_logged(self, event):
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        activity = data.get("activity") if isinstance(data.get("activity"), dict) else {}
        if not activity.get("lead_id"):
            return  # nothing for leads: no inbox row needed either
        with self.db.handle_once(event) as conn:
            if conn is not None:
                credit_activity(conn, activity)
