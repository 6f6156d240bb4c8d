"""The support service's projections of sales' accounts and contacts
(``sales.events``) and of orders (``orders.events``).

Each event is handled once however often it is delivered (the inbox); the
handlers consume separate queues, so they may run in any order: a snapshot
only replaces an older one (``source_version``), and an account's
``merged_into`` once set is never cleared.

``account.merged`` also moves the merged account's contacts, orders and
cases to the survivor, in the same transaction as its inbox row.

An event whose data cannot be read is logged and acknowledged: retrying
could never make it right.
"""

import logging

from services.support.customers import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)


def _part(event, key, check):
    data = event.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    return value if check(value) is not None else None


class CustomerEvents:
    """Mixin of SupportService (which provides ``self.db``)."""

    def _apply(self, event, key, check, apply):
        value = _part(event, key, check)
        if value is None:
            log.warning("%s event %s carries no readable %s: ignored", event.get("type"), event.get("id"), key)
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                apply(conn, value)

    # sales: accounts ---------------------------------------------------------------
    @inbox_handler("sales", "account.created")
    def on_account_created(self, event):
        self._apply(event, "account", commands.account_values, lambda conn, a: commands.apply_accounts(conn, [a]))

    @inbox_handler("sales", "account.updated")
    def on_account_updated(self, event):
        self._apply(event, "account", commands.account_values, lambda conn, a: commands.apply_accounts(conn, [a]))

    @inbox_handler("sales", "account.merged")
    def on_account_merged(self, event):
        account = _part(event, "account", commands.account_values)
        data = event.get("data")
        merged_id = commands.parse_id(data.get("merged_id")) if isinstance(data, dict) else None
        if account is None or merged_id is None or merged_id == commands.parse_id(account["id"]):
            log.warning("account.merged event %s names no valid merged and surviving accounts: ignored",
                        event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.follow_merge(conn, account, merged_id)

    # sales: contacts ---------------------------------------------------------------
    @inbox_handler("sales", "contact.created")
    def on_contact_created(self, event):
        self._apply(event, "contact", commands.contact_values, lambda conn, c: commands.apply_contacts(conn, [c]))

    @inbox_handler("sales", "contact.updated")
    def on_contact_updated(self, event):
        self._apply(event, "contact", commands.contact_values, lambda conn, c: commands.apply_contacts(conn, [c]))

    # orders -------------------------------------------------------------------------
    @inbox_handler("orders", "order.placed")
    def on_order_placed(self, event):
        self._apply(event, "order", commands.order_values, commands.apply_order)

    @inbox_handler("orders", "order.shipped")
    def on_order_shipped(self, event):
        self._apply(event, "order", commands.order_values, commands.apply_order)

    @inbox_handler("orders", "order.delivered")
    def on_order_delivered(self, event):
        self._apply(event, "order", commands.order_values, commands.apply_order)

    @inbox_handler("orders", "order.cancelled")
    def on_order_cancelled(self, event):
        self._apply(event, "order", commands.order_values, commands.apply_order)
