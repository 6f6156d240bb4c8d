"""Revenue and pipeline events credited to campaigns: orders'
``order.placed``, ``invoice.paid`` and ``order.cancelled``, sales'
``opportunity.created`` and ``opportunity.won``; each exactly once (the
inbox), and idempotent beyond it (a revenue item per order or invoice, an
influence per opportunity, campaign and stage): see ``commands``.

An event whose data cannot be read is logged and acknowledged: retrying
could never make it right."""

import logging

from services.campaigns.attribution import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)


def _part(event, key):
    data = event.get("data")
    return data.get(key) if isinstance(data, dict) else None


class RevenueEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    def _credit(self, event, values, apply):
        if values is None:
            log.warning("%s event %s carries no readable id, account, amount, currency or time: ignored",
                        event.get("type"), event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                apply(conn, values)

    @inbox_handler("orders", "order.placed")
    def on_revenue_order_placed(self, event):
        order = commands.document_values(_part(event, "order"), "placed_at", event.get("occurred_at"))
        self._credit(event, order, lambda conn, values: commands.order_placed(conn, values, self.config))

    @inbox_handler("orders", "invoice.paid")
    def on_revenue_invoice_paid(self, event):
        invoice = commands.document_values(_part(event, "invoice"), "paid_at", event.get("occurred_at"))
        self._credit(event, invoice, lambda conn, values: commands.invoice_paid(conn, values, self.config))

    @inbox_handler("orders", "order.cancelled")
    def on_revenue_order_cancelled(self, event):
        order = commands.document_values(_part(event, "order"), "placed_at", event.get("occurred_at"))
        self._credit(event, order, commands.order_cancelled)

    @inbox_handler("sales", "opportunity.created")
    def on_pipeline_opportunity_created(self, event):
        opportunity = commands.opportunity_values(_part(event, "opportunity"), event.get("occurred_at"))
        self._credit(event, opportunity,
                     lambda conn, values: commands.opportunity(conn, values, "created", self.config))

    @inbox_handler("sales", "opportunity.won")
    def on_pipeline_opportunity_won(self, event):
        opportunity = commands.opportunity_values(_part(event, "opportunity"), event.get("occurred_at"))
        self._credit(event, opportunity, lambda conn, values: commands.opportunity(conn, values, "won", self.config))
