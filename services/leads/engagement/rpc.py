"""Engagement RPC entrypoint: a thin shell over services.leads.engagement."""

from services.leads.arguments import load_id
from services.leads.engagement import commands
from services.leads.records.store import snapshot
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.leads import EngagementSchema


class EngagementRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def record_engagement(self, lead_id, kind, actor=None):
        kind = load(EngagementSchema(), {"kind": kind})["kind"]
        with self.db.transaction() as conn:
            return snapshot(commands.record_engagement(conn, load_id(lead_id), kind, actor))
