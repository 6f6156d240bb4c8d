"""Campaign figures RPC entrypoints: the funnel and the dashboard."""

from services.campaigns.figures import queries
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.figures import FiguresQuerySchema


class FiguresRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def campaign_funnel(self, campaign_id):
        """targeted -> sent -> opened -> clicked -> responded -> converted (FunnelSchema)."""
        campaign_id = load_uuid(campaign_id, "campaign id")
        with self.db.transaction() as conn:
            return queries.funnel(conn, campaign_id)

    @rpc
    def campaign_figures(self, query=None):
        """The dashboard: top campaigns by attributed revenue under a model (CampaignFiguresSchema)."""
        query = load(FiguresQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return queries.dashboard(conn, query["model"], query["limit"])
