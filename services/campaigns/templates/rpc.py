"""Email templates RPC entrypoints: edit, preview with a real member, test send."""


class TemplatesRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
