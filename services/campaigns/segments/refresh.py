"""The periodic re-evaluation of segments whose rules use relative dates
(``within_last_days``, ``more_than_days_ago``): their members change as time
passes even when no person does.  Every SEGMENT_REFRESH_SECONDS (default
3600; 0 switches it off) one replica recomputes them (an advisory lock
elects it; the others skip the round)."""

import logging

from services.campaigns.segments import commands
from shared.kit.background import PooledLoop

log = logging.getLogger(__name__)
LOCK_KEY = 0x5E6_0001  # pg_try_advisory_xact_lock key of a refresh round


def refresh_round(conn):
    """One round in the caller's transaction; None when another replica runs one."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS got", (LOCK_KEY,)).fetchone()["got"]:
        return None
    return commands.refresh_relative(conn)


class SegmentRefresh(PooledLoop):
    identifier = "campaigns-segment-refresh"

    @property
    def interval(self):
        return float(self.container.config.get("SEGMENT_REFRESH_SECONDS", 3600) or 0)

    @property
    def enabled(self):
        return self.interval > 0

    def serve(self):
        pool = self.open_pool()
        while self.running:
            self.sleep(self.interval)
            if not self.running:
                break
            with pool.connection() as conn, conn.transaction():
                changed = refresh_round(conn)
            if changed:
                log.info("relative-date segments refreshed: %s", changed)
