"""Customers RPC entrypoints: what support knows of the customer master."""

from services.support.customers import commands
from shared.kit.entrypoints import rpc


class CustomersRpc:
    """Mixin of SupportService (which provides ``self.db``)."""

    @rpc
    def customers_sync_state(self):
        """The first-start catch-up of accounts and contacts from sales:
        ``{"items": [{kind, pages, items, started_at, done_at}]}``."""
        with self.db.read() as conn:
            return {"items": commands.sync_states(conn)}
