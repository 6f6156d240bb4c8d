"""invoicing RPC entrypoints: thin shells over services.orders.invoicing."""


class InvoicingRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""
