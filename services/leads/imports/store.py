"""SQL for import jobs, their batches and their row errors."""

from psycopg.types.json import Jsonb

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.schemas.errors import NotFound

BY_ROW = KeysetOrder(("row_number", "integer"))


def insert_job(conn, job_id, filename, mapping, actor):
    conn.execute(
        "INSERT INTO import_jobs (id, filename, header, created_by) VALUES (%s, %s, %s, %s)",
        (job_id, filename, Jsonb(mapping), actor),
    )


def get_job(conn, job_id, lock=False):
    row = conn.execute(
        "SELECT * FROM import_jobs WHERE id = %s" + (" FOR UPDATE" if lock else ""), (job_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No import job with id {job_id}.")
    return row


def insert_batch(conn, job_id, seq, first_row, rows):
    """Store a batch and count its rows as received; False when the seq was
    stored before (nothing changes)."""
    inserted = conn.execute(
        "INSERT INTO import_batches (job_id, seq, first_row, rows) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING seq",
        (job_id, seq, first_row, Jsonb(rows)),
    ).fetchone()
    if inserted:
        conn.execute("UPDATE import_jobs SET rows_received = rows_received + %s WHERE id = %s", (len(rows), job_id))
    return inserted is not None


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
    """The first unprocessed batch of any job that has not failed, with its
    job's header and creator, locked (batches other workers hold are
    skipped); or None."""
    return conn.execute(
        "SELECT b.job_id, b.seq, b.first_row, b.rows, j.header, j.created_by FROM import_batches b"
        " JOIN import_jobs j ON j.id = b.job_id WHERE b.processed_at IS NULL AND j.status <> 'failed'"
        " ORDER BY b.job_id, b.seq LIMIT 1 FOR UPDATE OF b SKIP LOCKED"
    ).fetchone()


def fail_job(conn, job_id, error):
    """Mark a job failed with ``error`` and drop its batches not yet
    processed (a failed job takes no more work); False when it had ended
    already."""
    failed = conn.execute(
        "UPDATE import_jobs SET status = 'failed', error = %s, finished_at = now()"
        " WHERE id = %s AND status IN ('receiving', 'processing') RETURNING id",
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
