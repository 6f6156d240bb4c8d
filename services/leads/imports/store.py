"""SQL for import jobs, their batches and their row errors."""

from psycopg.types.json import Jsonb

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.schemas.errors import NotFound

BY_ROW = KeysetOrder(("row_number", "integer"))


# As long as the gateway keeps an Idempotency-Key: after that the same key
# may start another upload.
UPLOAD_KEY_TTL = "24 hours"


def insert_job(conn, job_id, filename, mapping, actor, upload_key=None, owners=None):
    """Insert a new job; False when a job holds ``upload_key`` already (one
    started at the same moment).  ``owners``: the usernames its rows may
    name as owner (None: not checked)."""
    return conn.execute(
        "INSERT INTO import_jobs (id, filename, header, created_by, upload_key, owners)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (upload_key) WHERE upload_key IS NOT NULL DO NOTHING RETURNING id",
        (job_id, filename, Jsonb(mapping), actor, upload_key, owners),
    ).fetchone() is not None


def job_for_upload_key(conn, upload_key):
    """The job an upload under this key started (within UPLOAD_KEY_TTL),
    locked; None when there is none."""
    conn.execute(f"UPDATE import_jobs SET upload_key = NULL WHERE upload_key = %s"
                 f" AND created_at < now() - interval '{UPLOAD_KEY_TTL}'", (upload_key,))
    return conn.execute("SELECT * FROM import_jobs WHERE upload_key = %s FOR UPDATE", (upload_key,)).fetchone()


def get_job(conn, job_id, lock=False):
    row = conn.execute(
        "SELECT * FROM import_jobs WHERE id = %s" + (" FOR UPDATE" if lock else ""), (job_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No import job with id {job_id}.")
    return row


def insert_batch(conn, job_id, seq, first_row, rows):
    """Store a batch; False when the seq was stored before (nothing changes).

    A resumed upload sends again batches the worker may be processing right
    then: the NOT EXISTS sees the stored batch without waiting for the
    worker's transaction (a bare ON CONFLICT would wait for it while holding
    the job's lock, which the worker needs next: a deadlock)."""
    return conn.execute(
        "INSERT INTO import_batches (job_id, seq, first_row, rows) SELECT %s, %s, %s, %s"
        " WHERE NOT EXISTS (SELECT 1 FROM import_batches WHERE job_id = %s AND seq = %s)"
        " ON CONFLICT DO NOTHING RETURNING seq",
        (job_id, seq, first_row, Jsonb(rows), job_id, seq),
    ).fetchone() is not None


def note_upload(conn, job_id, rows_added=0):
    """The upload of a job is heard from (a batch, a resumed request): the
    job is receiving again, as of now, with ``rows_added`` more rows."""
    conn.execute(
        "UPDATE import_jobs SET rows_received = rows_received + %s, status = 'receiving', error = NULL,"
        " last_upload_at = now() WHERE id = %s",
        (rows_added, job_id),
    )


def abandon_job(conn, job_id, error, failed):
    """The upload feeding a receiving job broke off: the job is abandoned
    (a retry may resume it), or failed when nothing can resume it."""
    conn.execute(
        "UPDATE import_jobs SET status = %s, error = %s, finished_at = CASE WHEN %s THEN now() END WHERE id = %s",
        ("failed" if failed else "abandoned", error, failed, job_id),
    )


def idle_jobs(conn, idle_seconds):
    """Jobs receiving or abandoned whose upload was last heard from more than
    ``idle_seconds`` ago and whose batches are all processed, locked (jobs a
    batch is being added to are skipped)."""
    return conn.execute(
        "SELECT * FROM import_jobs j WHERE status IN ('receiving', 'abandoned')"
        " AND last_upload_at < now() - make_interval(secs => %s)"
        " AND NOT EXISTS (SELECT FROM import_batches b WHERE b.job_id = j.id AND b.processed_at IS NULL)"
        " ORDER BY last_upload_at FOR UPDATE SKIP LOCKED",
        (idle_seconds,),
    ).fetchall()


def count_batches(conn, job_id):
    return conn.execute("SELECT count(*) AS n FROM import_batches WHERE job_id = %s", (job_id,)).fetchone()["n"]


def mark_processing(conn, job_id, batches):
    conn.execute(
        "UPDATE import_jobs SET batches = %s, status = 'processing', started_at = coalesce(started_at, now())"
        " WHERE id = %s",
        (batches, job_id),
    )


def complete_if_done(conn, job_id):
    conn.execute(
        "UPDATE import_jobs SET status = 'done', finished_at = now()"
        " WHERE id = %s AND status = 'processing' AND batches_done = batches",
        (job_id,),
    )


def seconds_between(conn, end, start):
    """``end`` (now when None) minus ``start``, in seconds, by the database's clock."""
    return conn.execute(
        "SELECT extract(epoch FROM coalesce(%s, now()) - %s) AS s", (end, start)
    ).fetchone()["s"]


def next_pending_batch(conn):
    """The first unprocessed batch of any job, with its job's header, creator
    and owners, locked (batches other workers hold are skipped); or None."""
    return conn.execute(
        "SELECT b.job_id, b.seq, b.first_row, b.rows, j.header, j.created_by, j.owners FROM import_batches b"
        " JOIN import_jobs j ON j.id = b.job_id WHERE b.processed_at IS NULL"
        " ORDER BY b.job_id, b.seq LIMIT 1 FOR UPDATE OF b SKIP LOCKED"
    ).fetchone()


def fail_job(conn, job_id, error):
    """Mark a job failed with ``error`` and drop its batches not yet
    processed (a failed job takes no more work); False when it had ended
    already."""
    failed = conn.execute(
        "UPDATE import_jobs SET status = 'failed', error = %s, finished_at = now()"
        " WHERE id = %s AND status IN ('receiving', 'abandoned', 'processing') RETURNING id",
        (error, job_id),
    ).fetchone()
    conn.execute("DELETE FROM import_batches WHERE job_id = %s AND processed_at IS NULL", (job_id,))
    return failed is not None


def add_errors(conn, job_id, failures):
    """failures: (row number, messages, id of the lead it duplicates or None)."""
    with conn.cursor().copy("COPY import_errors (job_id, row_number, errors, duplicate_of) FROM STDIN") as copy:
        for number, messages, existing_id in failures:
            copy.write_row((job_id, number, Jsonb(messages), existing_id))


def mark_batch_processed(conn, job_id, seq):
    conn.execute(
        "UPDATE import_batches SET processed_at = now(), rows = '[]' WHERE job_id = %s AND seq = %s",
        (job_id, seq),
    )


def add_progress(conn, job_id, rows, created, failed):
    conn.execute(
        "UPDATE import_jobs SET rows_done = rows_done + %s, rows_created = rows_created + %s,"
        " rows_failed = rows_failed + %s, batches_done = batches_done + 1 WHERE id = %s",
        (rows, created, failed, job_id),
    )


def errors_page(conn, job_id, cursor, limit):
    return keyset_page(conn, "SELECT row_number, errors, duplicate_of FROM import_errors",
                       ["job_id = %s"], [job_id], BY_ROW, cursor, limit)
