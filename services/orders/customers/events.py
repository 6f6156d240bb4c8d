"""The orders service's projection of sales' accounts, fed by ``sales.events``.

Orders validates the account of every document and shows its name without
calling sales (``accounts``: id, name, type, country, merged_into and the
account's version at sales).  Each event is handled once however often it is
delivered (the inbox), and the handlers of the three types consume separate
queues, so they may run in any order: a snapshot only replaces an older one
(``source_version``), and ``merged_into`` once set is never cleared.

``account.merged`` also moves the merged account's quotes, orders, invoices,
credit notes and returns to the survivor, in the same transaction as its
inbox row.

An event whose data cannot be read (no account id, name, type or version)
is logged and acknowledged: retrying could never make it right.
"""

import logging

from services.orders.customers import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)


def _account(event):
    data = event.get("data")
    account = data.get("account") if isinstance(data, dict) else None
    return account if commands.projection_values(account) is not None else None


class CustomerEvents:
    """Mixin of OrdersService (which provides ``self.db``)."""

    def _apply_snapshot(self, event):
        account = _account(event)
        if account is None:
            log.warning("%s event %s carries no readable account: ignored", event.get("type"), event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.apply_snapshots(conn, [account])

    @inbox_handler("sales", "account.created")
    def on_account_created(self, event):
        self._apply_snapshot(event)

    @inbox_handler("sales", "account.updated")
    def on_account_updated(self, event):
        self._apply_snapshot(event)

    @inbox_handler("sales", "account.merged")
    def on_account_merged(self, event):
        account = _account(event)
        data = event.get("data") or {}
        merged_id = commands.parse_account_id(data.get("merged_id")) if isinstance(data, dict) else None
        if account is None or merged_id is None or merged_id == commands.parse_account_id(account["id"]):
            log.warning("account.merged event %s names no valid merged and surviving accounts: ignored",
                        event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.follow_merge(conn, account, merged_id)
