"""Campaigns, their costs and members RPC entrypoints."""


class CampaignsRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
