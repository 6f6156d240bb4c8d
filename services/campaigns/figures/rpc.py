"""Campaign figures RPC entrypoints: the funnel and the dashboard."""


class FiguresRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
