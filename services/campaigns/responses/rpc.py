"""Responses RPC entrypoints: web forms, clicks, opens, replies, attendance."""


class ResponsesRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
