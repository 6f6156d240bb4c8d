"""Consent ledger, double opt-in, preference and unsubscribe RPC entrypoints."""


class ConsentRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
