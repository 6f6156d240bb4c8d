"""Segments, static lists and suppression lists RPC entrypoints."""


class SegmentsRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
