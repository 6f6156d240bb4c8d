"""Account merge operations: record a merge sales reported and re-link the
leads converted into the merged account (see ``events``)."""

import logging

from services.leads.account_merges import store
from services.leads.records.commands import write_lead
from services.leads.records.store import snapshot
from shared.kit import outbox

log = logging.getLogger(__name__)


def follow_account_merge(conn, merged_id, survivor_id, actor):
    """Sales merged account ``merged_id`` into ``survivor_id``: record it, and
    re-link the leads converted into ``merged_id`` to the live account at the
    end of the chain; returns the updated rows (none when no lead names it).

    Merge events may arrive out of order (A into B, then B into C, handled
    B-C first): the recorded merges resolve ``survivor_id`` to where it lives
    now, so a lead never ends on a merged account.  Each re-linked lead gets
    a history row (action ``account_merged``), a new version and a
    ``lead.updated`` event; the leads are locked in id order, like every
    writer locking several."""
    store.lock_account_merges(conn)
    live_id = store.live_account_id(conn, survivor_id)
    if str(live_id) == str(merged_id):
        log.warning("account.merged %s into %s would make a merge cycle: ignored", merged_id, survivor_id)
        return []
    store.record_account_merge(conn, merged_id, live_id)
    rows = store.lock_leads_converted_into(conn, merged_id)
    updated = [write_lead(conn, row, {"converted_account_id": live_id}, actor, "account_merged") for row in rows]
    outbox.add_many(conn, [("lead.updated", {"lead": snapshot(row), "changed": ["converted_account_id"]})
                           for row in updated])
    return updated
