"""Background work of the leads service: import batches and rescoring after
the scoring rules change.  Woken by NOTIFY, with a short poll as fallback;
replicas share the work (rows are taken with SKIP LOCKED)."""

import logging

import psycopg

from services.leads.imports import commands as imports
from services.leads.scoring import commands as scoring
from shared.kit.background import BackgroundLoop, wait_for_notify

log = logging.getLogger(__name__)


class LeadsWorker(BackgroundLoop):
    identifier = "leads-worker"

    def setup(self):
        super().setup()
        config = self.container.config
        self.database_url = config["DATABASE_URL"]
        self.schema = config["DB_SCHEMA"]
        self.poll_seconds = float(config.get("WORKER_POLL_SECONDS", 1.0))

    def serve(self):
        with psycopg.connect(self.database_url, autocommit=True, options=f"-c search_path={self.schema},public",
                             row_factory=psycopg.rows.dict_row) as conn:
            conn.execute(f'LISTEN "{self.schema}_work"')
            with conn.transaction():
                scoring.seed_scoring_rules(conn)
            while self.running:
                if not self.work_once(conn):
                    wait_for_notify(conn, self.poll_seconds)

    def work_once(self, conn):
        """Do one unit of work; False when there was none."""
        with conn.transaction():
            if imports.process_next_batch(conn) is not None:
                return True
        with conn.transaction():
            return scoring.rescore_stale(conn) > 0
