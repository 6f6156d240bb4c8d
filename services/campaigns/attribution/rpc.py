"""Attribution and ROI RPC entrypoints."""


class AttributionRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
