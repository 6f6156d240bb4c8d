"""Revenue and pipeline events (orders, invoices, opportunities) credited to campaigns."""


class RevenueEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
