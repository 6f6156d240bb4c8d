"""customers RPC entrypoints: thin shells over services.orders.customers."""


class CustomersRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
