"""Background work of the leads service: import batches and rescoring after
the scoring rules change.  Woken by NOTIFY, with a short poll as fallback;
replicas share the work (rows are taken with SKIP LOCKED)."""

import logging

import psycopg

from services.leads.imports import commands as imports
from services.leads.scoring import commands as scoring
from shared.kit.background import BackgroundLoop, wait_for_notify

log = logging.getLogger(__name__)

# The database or the connection to it failing: not a batch's fault, retried by the loop.
INFRASTRUCTURE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, OSError)


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
        if self.import_next_batch(conn):
            return True
        with conn.transaction():
            return scoring.rescore_stale(conn) > 0

    def import_next_batch(self, conn):
        """Process one pending import batch; False when there was none.

        A batch that fails for any reason but the database itself failing (a
        bad batch, a bug) is rolled back whole, and its job is marked failed
        with the error in a fresh transaction; the worker goes on with other
        work.  When the database fails, the loop retries (the batch stays)."""
        batch = None
        try:
            with conn.transaction():
                batch = imports.next_batch(conn)
                if batch is None:
                    return False
                imports.process_batch(conn, batch)
            return True
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as exc:  # any other failure is the batch's: its job fails, the worker goes on
            if batch is None:
                raise
            log.exception("import %s: batch %s failed; the job is marked failed", batch["job_id"], batch["seq"])
            with conn.transaction():
                imports.fail_for_batch(conn, batch, exc)
            return True
