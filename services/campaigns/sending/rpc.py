"""Email sends RPC entrypoints: schedule a campaign's send, its progress, its recipients."""


class SendingRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
