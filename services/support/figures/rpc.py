"""Support figures RPC entrypoint: the dashboards' numbers in one call."""

from services.support.figures import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.support.figures import SupportFiguresQuerySchema


class FiguresRpc:
    """Mixin of SupportService (which provides ``self.db``)."""

    @rpc
    def support_figures(self, filters=None):
        """``filters``: from, to (dates, ``to`` included), team_id, owner_id,
        time_zone (SupportFiguresQuerySchema)."""
        query = load(SupportFiguresQuerySchema(), filters or {})
        with self.db.transaction() as conn:  # one snapshot per statement, one connection for all
            return commands.support_figures(conn, query)
