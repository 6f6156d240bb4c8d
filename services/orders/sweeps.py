"""The orders service's timers: quotes past their validity expire, issued
invoices past their due date become overdue.  One loop per replica; each
sweep takes its rows with SKIP LOCKED in short transactions, so replicas
share the work and a row changes (and its event is written) exactly once."""

import datetime
import logging

from services.orders.invoicing import commands as invoicing
from services.orders.quotes import commands as quotes
from shared.kit.background import PooledLoop

log = logging.getLogger(__name__)

# Rows changed per transaction: keeps each transaction short.
SWEEP_BATCH = 200


class Sweeper(PooledLoop):
    identifier = "orders-sweeper"

    def setup(self):
        super().setup()
        self.interval = float(self.container.config.get("SWEEP_SECONDS", 60))

    def serve(self):
        self.open_pool()
        while self.running:
            self.sweep_once(datetime.date.today())
            self.sleep(self.interval)

    def sweep_once(self, today):
        """Expire and mark overdue what is due on ``today``; returns the counts."""
        counts = {"quotes_expired": 0, "invoices_overdue": 0}
        for key, step in (("quotes_expired", quotes.expire_due), ("invoices_overdue", invoicing.mark_overdue)):
            while self.running:
                with self.pool.connection() as conn, conn.transaction():
                    changed = step(conn, today, SWEEP_BATCH)
                counts[key] += changed
                if changed < SWEEP_BATCH:
                    break
        if any(counts.values()):
            log.info("sweep: %(quotes_expired)s quote(s) expired, %(invoices_overdue)s invoice(s) overdue", counts)
        return counts
