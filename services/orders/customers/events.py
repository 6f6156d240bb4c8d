"""The orders service's projection of sales' accounts, fed by ``sales.events``."""


class CustomerEvents:
    """Mixin of OrdersService (which provides ``self.db``)."""
