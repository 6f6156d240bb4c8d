"""The SLA sweep: every SLA_SWEEP_SECONDS, the clocks whose warning or breach
moment has come are marked (once: FOR UPDATE SKIP LOCKED in short batches,
so replicas share the work and never take the same clock), each with its
event (case.sla_warning / case.sla_breached) and the escalation rules
applied in the same transaction; then resolved cases left alone for
AUTO_CLOSE_DAYS are closed (cases.commands.close_stale_resolved).

A moment is detected at most one interval (plus a sweep's work) after it,
and usually at once: the loop sleeps only until the next due moment when
that comes sooner, and a clock written with a moment in the next two
minutes wakes it (NOTIFY support_sla_due, see commands._wake_if_soon)."""

import logging
import time

import psycopg
from psycopg.rows import dict_row

from services.support.sla import commands
from shared.kit.background import PooledLoop

log = logging.getLogger(__name__)

# Clocks (and stale cases) changed per transaction: keeps each transaction short.
SWEEP_BATCH = 200


def _escalate(conn, case, clock, kind):
    from services.support.escalation import commands as escalation

    escalation.on_sla_event(conn, case, clock, kind)


def _close_stale(conn, at, batch):
    from services.support.cases import commands as cases

    return cases.close_stale_resolved(conn, at, batch)


class SlaSweeper(PooledLoop):
    identifier = "support-sla-sweeper"

    def setup(self):
        super().setup()
        self.interval = float(self.container.config.get("SLA_SWEEP_SECONDS", 10))

    def serve(self):
        self.open_pool()
        config = self.container.config
        with psycopg.connect(config["DATABASE_URL"], autocommit=True, row_factory=dict_row, connect_timeout=10,
                             application_name=f"crm-{self.identifier}-listen") as listener:
            listener.execute(f"LISTEN {commands.WAKE_CHANNEL}")
            while self.running:
                self.sweep_once()
                self.wait(listener, self.pause_before_next())

    def wait(self, listener, seconds):
        """Until ``seconds`` pass, a NOTIFY arrives or the container stops."""
        deadline = time.monotonic() + seconds
        while self.running and (left := deadline - time.monotonic()) > 0:
            woken = False
            for _ in listener.notifies(timeout=min(left, 0.5), stop_after=1):
                woken = True
            if woken:
                return

    def pause_before_next(self):
        """Up to the interval, less when a moment falls due sooner."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT extract(epoch FROM least("
                " (SELECT min(due_at) FROM case_sla WHERE due_at IS NOT NULL AND breached_at IS NULL),"
                " (SELECT min(warn_at) FROM case_sla WHERE warn_at IS NOT NULL AND warned_at IS NULL"
                "  AND breached_at IS NULL)) - now())::float8 AS wait").fetchone()
        wait = row["wait"]
        if wait is None:
            return self.interval
        if wait <= 0:  # due but not taken: another replica or a change holds it; look again shortly
            return min(self.interval, 0.5)
        return min(self.interval, wait + 0.05)

    def sweep_once(self, at=None):
        """One pass; returns ``{"warnings": n, "breaches": n, "closed": n}``."""
        counts = {"warnings": 0, "breaches": 0, "closed": 0}
        for key, kind in (("warnings", "warning"), ("breaches", "breach")):
            while self.running:
                with self.pool.connection() as conn, conn.transaction():
                    moment = at or commands.now(conn)
                    taken = commands.sweep_due(conn, kind, moment, SWEEP_BATCH, on_event=_escalate)
                counts[key] += taken
                if taken < SWEEP_BATCH:
                    break
        while self.running:
            with self.pool.connection() as conn, conn.transaction():
                closed = _close_stale(conn, at or commands.now(conn), SWEEP_BATCH) or 0
            counts["closed"] += closed
            if closed < SWEEP_BATCH:
                break
        if any(counts.values()):
            log.info("sla sweep: %(warnings)s warning(s), %(breaches)s breach(es), %(closed)s case(s) closed",
                     counts)
        return counts
