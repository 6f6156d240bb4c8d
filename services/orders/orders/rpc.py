"""orders RPC entrypoints: thin shells over services.orders.orders."""


class OrdersRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
