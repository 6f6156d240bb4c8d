"""Campaign members: who a campaign targets."""


def add_members(conn, campaign_id, person_ids, source="manual"):
    """Add these people to the campaign (once each); publishes
    ``campaign.member_added`` for each new one; returns how many were new."""
    raise NotImplementedError
