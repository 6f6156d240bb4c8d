"""quotes RPC entrypoints: thin shells over services.orders.quotes."""


class QuotesRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
