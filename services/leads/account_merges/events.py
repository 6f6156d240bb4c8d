"""Converted leads follow account merges: leads consumes sales' ``account.merged``.

A converted lead keeps the id of the account it became
(``converted_account_id``: sales' record, not a foreign key).  When sales
merges that account into another one, the merged account stays behind only
as a pointer (``merged_into``); left alone, the lead would name a dead
account, and whoever follows the link (the console, the ERP, reports by
account) would land on the duplicate instead of the customer.  So every lead
converted into the merged account is re-linked to the survivor
(``commands.follow_account_merge``), once per event however often it is
delivered (the inbox).  Leads records every merge (``account_merges``), so
chained merges handled in any order, and a conversion answered with an
account merged meanwhile, still end on the live account.

An event whose ids are missing or are not ids is logged and acknowledged:
retrying could never make it right.  One naming an account no lead was
converted into changes nothing.
"""

import logging

from services.leads.account_merges import commands
from shared.kit.inbox import inbox_handler
from shared.kit.validation import load_uuid
from shared.schemas.errors import NotFound

log = logging.getLogger(__name__)


def _uuid(value):
    try:
        return load_uuid(value)
    except NotFound:
        return None


def merge_ids(data):
    """``(merged id, survivor id)`` of an ``account.merged`` event's data, or
    None when they are missing, no ids, or the same account."""
    account = data.get("account") if isinstance(data, dict) else None
    if not isinstance(account, dict):
        return None
    merged_id, survivor_id = _uuid(data.get("merged_id")), _uuid(account.get("id"))
    if merged_id is None or survivor_id is None or merged_id == survivor_id:
        return None
    return merged_id, survivor_id


class AccountMergeEvents:
    """Mixin of LeadsService (which provides ``self.db``): a converted lead
    keeps naming a live account when sales merges the one it became into
    another (see the module doc)."""

    @inbox_handler("sales", "account.merged")
    def on_account_merged(self, event):
        ids = merge_ids(event.get("data"))
        if ids is None:
            log.warning("account.merged event %s names no valid merged and surviving accounts: ignored",
                        event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.follow_account_merge(conn, *ids, "sales")
