"""Attribution and ROI RPC entrypoints (thin shells over services.campaigns.attribution.commands)."""

from services.campaigns.attribution import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load_uuid


class AttributionRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def campaign_roi(self, campaign_id):
        """Attributed revenue and ROI per model, and influenced pipeline (RoiSchema)."""
        campaign_id = load_uuid(campaign_id, "campaign id")
        with self.db.transaction() as conn:  # the figures agree with each other
            return commands.roi(conn, campaign_id, self.config)
