"""returns RPC entrypoints: thin shells over services.orders.returns."""


class ReturnsRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
