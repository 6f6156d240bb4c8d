"""Customers RPC entrypoints: thin shells over services.orders.customers."""

import datetime

from services.orders.customers import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load_uuid


def reporting_currency(config):
    return str(config.get("REPORTING_CURRENCY") or "EUR").strip().upper()


class CustomersRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def customer_value(self, account_id):
        """An account's lifetime revenue, open orders, unpaid and overdue
        balance, order dates, count and average, in the reporting currency
        and per currency (CustomerValueSchema).  NotFound for an unknown
        account, Conflict naming the survivor for a merged one."""
        account_id = load_uuid(account_id, "account id")
        today = datetime.datetime.now(datetime.UTC).date()
        with self.db.transaction() as conn:
            return commands.customer_value(conn, account_id, reporting_currency(self.config), today)
