"""Engagement operations: count one engagement event on a lead (and rescore
it), directly or for an activity sales logged on the lead."""

import logging
import uuid

from services.leads.engagement import store
from services.leads.records import store as leads_store
from services.leads.records.commands import require_live, write_lead
from services.leads.records.store import SNAPSHOT_FIELDS, snapshot
from services.leads.scoring.commands import rescored
from shared.kit import outbox

log = logging.getLogger(__name__)

MAX_MERGE_HOPS = 20  # a merge chain longer than this is a loop: give up


def record_engagement(conn, lead_id, kind, actor):
    row = leads_store.get_lead(conn, lead_id, lock=True)
    require_live(row)
    values = {"engagement": row["engagement"] + 1}
    values.update(rescored(conn, row, values))
    updated = write_lead(conn, row, values, actor, "engagement", {"kind": kind, "engagement": values["engagement"]})
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    outbox.add(conn, "lead.updated", {"lead": snapshot(updated), "changed": changed})
    return updated


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
        row = store.merge_link(conn, lead_id)
        if row is not None and row["merged_into"] is None:
            row = store.lock_lead(conn, lead_id)
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
    return record_engagement(conn, lead["id"], activity.get("kind") or "activity",
                             activity.get("created_by") or "sales")
