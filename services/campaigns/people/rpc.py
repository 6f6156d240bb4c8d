"""People RPC entrypoints: thin shells over services.campaigns.people.commands."""


class PeopleRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""
