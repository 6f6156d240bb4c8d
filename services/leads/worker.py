"""Background work of the leads service: import batches and rescoring after
the scoring rules change.  Woken by NOTIFY, with a short poll as fallback;
replicas share the work (rows are taken with SKIP LOCKED)."""

import logging
import time

import psycopg

from services.leads.imports import commands as imports
from services.leads.scoring import commands as scoring
from shared.kit.background import BackgroundLoop, wait_for_notify

log = logging.getLogger(__name__)

# The database or the connection to it failing: not a batch's fault, retried by the loop.
INFRASTRUCTURE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, OSError)
IDLE_CHECK_SECONDS = 30  # at most this long between looks for imports gone quiet


class LeadsWorker(BackgroundLoop):
    identifier = "leads-worker"

    def setup(self):
        super().setup()
        config = self.container.config
        self.database_url = config["DATABASE_URL"]
        self.schema = config["DB_SCHEMA"]
        self.poll_seconds = float(config.get("WORKER_POLL_SECONDS", 1.0))
        self.idle_seconds = imports.idle_seconds(config)
        self.idle_check_at = 0.0

    def start(self):
        # Not at once: batches sent while the service was down may still wait in the broker.
        self.idle_check_at = time.monotonic() + self.idle_check_interval()
        super().start()

    def idle_check_interval(self):
        return min(self.idle_seconds / 4, IDLE_CHECK_SECONDS)

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
        self.fail_idle_imports(conn)
        if self.import_next_batch(conn):
            return True
        with conn.transaction():
            return scoring.rescore_stale(conn) > 0

    def fail_idle_imports(self, conn):
        """Now and then: fail the imports whose upload went quiet."""
        now = time.monotonic()
        if now < self.idle_check_at:
            return
        self.idle_check_at = now + self.idle_check_interval()
        with conn.transaction():
            failed = imports.fail_idle_jobs(conn, self.idle_seconds)
        if failed:
            log.warning("%s import(s) failed: nothing arrived from their upload for %g s", failed, self.idle_seconds)

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
