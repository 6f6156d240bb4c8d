"""Campaigns, their costs and members RPC entrypoints: thin shells over
services.campaigns.campaigns.commands."""

from services.campaigns.campaigns import commands
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.campaigns import (
    CampaignCreateSchema,
    CampaignQuerySchema,
    CampaignUpdateSchema,
    CostCreateSchema,
    MemberQuerySchema,
    MembersAddSchema,
)
from shared.schemas.errors import ValidationFailed


def _campaign_id(value):
    return load_uuid(value, "campaign id")


class CampaignsRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def list_campaigns(self, query=None):
        query = load(CampaignQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_campaigns(conn, query)

    @rpc
    def get_campaign(self, campaign_id):
        campaign_id = _campaign_id(campaign_id)
        with self.db.read() as conn:
            return commands.get_campaign(conn, campaign_id)

    @rpc
    def create_campaign(self, data, actor=None):
        data = load(CampaignCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_campaign(conn, data, actor)

    @rpc
    def update_campaign(self, campaign_id, changes, actor=None, expected_version=None):
        campaign_id = _campaign_id(campaign_id)
        changes = load(CampaignUpdateSchema(), changes)
        if not changes:
            raise ValidationFailed("Name at least one field to change.", {"_schema": ["No field to change."]})
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_campaign(conn, campaign_id, changes, actor, expected_version)

    def _move(self, action, campaign_id, actor, expected_version):
        campaign_id = _campaign_id(campaign_id)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.move_campaign(conn, campaign_id, action, actor, expected_version)

    @rpc
    def launch_campaign(self, campaign_id, actor=None, expected_version=None):
        """planned -> active; ``campaign.launched``."""
        return self._move("launch", campaign_id, actor, expected_version)

    @rpc
    def complete_campaign(self, campaign_id, actor=None, expected_version=None):
        """active -> completed; ``campaign.completed`` with status completed."""
        return self._move("complete", campaign_id, actor, expected_version)

    @rpc
    def abort_campaign(self, campaign_id, actor=None, expected_version=None):
        """planned or active -> aborted; ``campaign.completed`` with status aborted."""
        return self._move("abort", campaign_id, actor, expected_version)

    # Costs ----------------------------------------------------------------------

    @rpc
    def list_campaign_costs(self, campaign_id):
        campaign_id = _campaign_id(campaign_id)
        with self.db.read() as conn:
            return commands.list_costs(conn, campaign_id)

    @rpc
    def add_campaign_cost(self, campaign_id, data, actor=None):
        campaign_id = _campaign_id(campaign_id)
        data = load(CostCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.add_cost(conn, campaign_id, data, actor)

    @rpc
    def delete_campaign_cost(self, campaign_id, cost_id, actor=None):
        campaign_id = _campaign_id(campaign_id)
        cost_id = load_uuid(cost_id, "cost id")
        with self.db.transaction() as conn:
            return commands.delete_cost(conn, campaign_id, cost_id, actor)

    # Members --------------------------------------------------------------------

    @rpc
    def add_campaign_members(self, campaign_id, data, actor=None):
        """People by id, a segment's current members or a static list's members;
        each person once (``campaign.member_added`` for each new member)."""
        campaign_id = _campaign_id(campaign_id)
        data = load(MembersAddSchema(), data)
        with self.db.transaction() as conn:
            return commands.add_campaign_members(conn, campaign_id, data, actor)

    @rpc
    def list_campaign_members(self, campaign_id, query=None):
        campaign_id = _campaign_id(campaign_id)
        query = load(MemberQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_campaign_members(conn, campaign_id, query)
