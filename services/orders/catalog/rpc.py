"""catalog RPC entrypoints: thin shells over services.orders.catalog."""


class CatalogRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
