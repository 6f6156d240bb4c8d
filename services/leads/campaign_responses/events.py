"""campaign.response_recorded: a response from an unknown person becomes a
lead (source campaign, with the campaign id); one from a known lead credits
its engagement; each exactly once (the inbox)."""


class CampaignResponseEvents:
    """Mixin of LeadsService (which provides ``self.db``)."""
