"""The people projection's event handlers (sales, leads, orders and support events), each through the inbox."""


class PeopleEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
