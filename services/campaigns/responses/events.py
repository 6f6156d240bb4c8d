"""Responses' event handlers (leads' lead.created for responses that became leads)."""


class ResponseEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
