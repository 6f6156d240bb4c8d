"""CSV import jobs.

The gateway streams the file and hands it over in numbered batches of parsed
rows; each batch is stored as it arrives and processed in its own
transaction by the background worker (``process_batch``), so a job
survives a restart of the service and its progress can be polled: rows done,
created, failed, and rows per second.

An upload may break off (the broker or this service goes away, the gateway
fails).  A job started under an upload key is found again by the same key:
a start delivered twice finds the job it made, and a retry of the same
request (the gateway makes the key from the user's Idempotency-Key) resumes
it, the batches stored already skipped (a repeated seq is ignored).  When the
gateway can still tell, it marks the job ``abandoned`` (a retry may resume
it) or, with no Idempotency-Key to resume it by, ``failed``.  A job that
hears nothing from its upload for the idle time (``IMPORT_IDLE_SECONDS``)
fails, keeping the rows received (``fail_idle_jobs``, run by the background
worker).
"""

import uuid

from services.leads.imports import store
from services.leads.imports.rows import check_cells, map_header, validate_rows
from services.leads.records import commands as leads
from shared.schemas.errors import Conflict, ValidationFailed

UPLOADING = ("receiving", "abandoned")


def idle_seconds(config):
    """How long an upload may go unheard of before its job fails (IMPORT_IDLE_SECONDS)."""
    return float(config.get("IMPORT_IDLE_SECONDS", 600))


def start(conn, filename, header, actor, upload_key=None, owners=None):
    """A new job for a file with this header; with ``upload_key``, the job an
    earlier try of the same upload started, resumed (see ``resume``).
    ``owners``: the usernames a row may name as owner (the suite's active
    users; None: owners are not checked)."""
    mapping = map_header(header)
    if upload_key is not None:
        job = store.job_for_upload_key(conn, upload_key)
        if job is not None:
            return resume(conn, job, mapping)
    job_id = str(uuid.uuid4())
    if not store.insert_job(conn, job_id, filename, mapping, actor, upload_key, owners):
        return resume(conn, store.job_for_upload_key(conn, upload_key), mapping)  # started at the same moment
    return get(conn, job_id)


def resume(conn, job, mapping):
    """A retried upload finds its job: receiving again when it was still
    taking rows; as it is when the earlier try got the whole file through
    (processing or done); a Conflict when it failed, or when the retry's
    columns are not the job's (another file under the same key)."""
    if job["header"] != mapping:
        raise Conflict(f"Import {job['id']} was started under this Idempotency-Key for a file with other columns; "
                       "send that file again, or use a new Idempotency-Key for another file.",
                       import_id=str(job["id"]))
    if job["status"] == "failed":
        raise Conflict(f"Import {job['id']}, started under this Idempotency-Key, failed: {job['error']} Use a new "
                       "Idempotency-Key to import the file again.", import_id=str(job["id"]))
    if job["status"] in UPLOADING:
        store.note_upload(conn, job["id"])
    return get(conn, job["id"])


def add_batch(conn, job_id, seq, rows, first_row=None):
    """Store batch ``seq`` (1, 2, ...) of rows; a repeated seq is ignored.
    ``first_row`` is the 1-based number of its first row in the file (by
    default the rows received so far + 1, which holds when batches arrive in
    order).  An abandoned job takes the batch and is receiving again."""
    if first_row is not None and (not isinstance(first_row, int) or isinstance(first_row, bool) or first_row < 1):
        raise ValidationFailed("first_row must be a positive integer.", {"first_row": ["Invalid."]})
    job = store.get_job(conn, job_id, lock=True)
    if job["status"] not in UPLOADING:
        raise Conflict(f"Import {job_id} is {job['status']}; it takes no more rows.")
    check_cells(rows)
    inserted = store.insert_batch(conn, job_id, seq, first_row or job["rows_received"] + 1, rows)
    store.note_upload(conn, job_id, len(rows) if inserted else 0)
    return {"rows_received": job["rows_received"] + (len(rows) if inserted else 0)}


def abandon(conn, job_id, reason, idle_seconds, resumable=True):
    """The upload feeding a receiving job broke off (``reason``: what the
    gateway saw).  When a retry can resume it (``resumable``: the client
    named the upload with an Idempotency-Key), the job is ``abandoned`` until
    a retry resumes it within the idle time, else it fails then; when nothing
    can resume it, it fails now, keeping the rows received.  Anything but a
    receiving job is left as it is."""
    job = store.get_job(conn, job_id, lock=True)
    if job["status"] != "receiving":
        return get(conn, job_id)
    received = f"after {row_count(job['rows_received'])} had been received ({reason or 'no reason given'})"
    if resumable:
        error = (f"The upload broke off {received}. Send the same request again with the same Idempotency-Key "
                 f"within {duration(idle_seconds)} to resume it: the rows received are not sent twice. Otherwise "
                 "the import fails then, keeping the rows received.")
    else:
        error = (f"The upload broke off {received}. Those rows are imported (see rows_created and the row "
                 f"errors), the rest of the file is not. {IMPORT_AGAIN}")
    store.abandon_job(conn, job_id, error, failed=not resumable)
    return get(conn, job_id)


IMPORT_AGAIN = ("Import the whole file again as a new import (with a new Idempotency-Key): leads created already "
                "are refused as duplicates (same email, or same phone at the same company).")


def fail_idle_jobs(conn, idle_seconds):
    """Fail the jobs whose upload has not been heard from for
    ``idle_seconds`` (their rows received are all processed); returns how
    many."""
    jobs = store.idle_jobs(conn, idle_seconds)
    for job in jobs:
        store.fail_job(conn, job["id"], (
            f"Nothing arrived from the upload for {duration(idle_seconds)} after {row_count(job['rows_received'])} "
            f"had been received, so the import stopped there: those rows are imported ({job['rows_created']} "
            f"created, {job['rows_failed']} refused: see the row errors), the rest of the file is not. "
            f"{IMPORT_AGAIN}"))
    return len(jobs)


def duration(seconds):
    minutes = seconds / 60
    if seconds >= 120 and minutes == int(minutes):
        return f"{int(minutes)} minutes"
    return f"{seconds:g} s"


def finish(conn, job_id, batches):
    """The upload is complete with ``batches`` batches."""
    job = store.get_job(conn, job_id, lock=True)
    if job["status"] not in UPLOADING:
        return get(conn, job_id)
    received = store.count_batches(conn, job_id)
    if received != batches:
        raise ValidationFailed(f"{batches} batches announced but {received} received.", {"batches": ["Mismatch."]})
    store.mark_processing(conn, job_id, batches)
    store.complete_if_done(conn, job_id)
    return get(conn, job_id)


def get(conn, job_id):
    job = store.get_job(conn, job_id)
    end = job["finished_at"]
    elapsed = None
    if job["rows_done"]:
        elapsed = store.seconds_between(conn, end, job["created_at"])
    return {
        "id": str(job["id"]), "status": job["status"], "filename": job["filename"],
        "rows_received": job["rows_received"], "rows_done": job["rows_done"], "rows_created": job["rows_created"],
        "rows_failed": job["rows_failed"],
        "rows_per_second": round(job["rows_done"] / float(elapsed), 1) if elapsed else None,
        "created_by": job["created_by"], "created_at": job["created_at"].isoformat(),
        "finished_at": end.isoformat() if end else None, "error": job["error"],
    }


def next_batch(conn):
    """The next pending batch, locked until the transaction ends; None when
    there is none."""
    return store.next_pending_batch(conn)


def process_batch(conn, batch):
    """Create the leads of a batch and record its row errors and progress;
    returns the number of rows."""
    owners = frozenset(batch["owners"]) if batch.get("owners") is not None else None
    valid, errors = validate_rows(batch["header"], batch["rows"], batch["first_row"], owners)
    created, duplicates = leads.create_leads(
        conn, [data for _, data in valid], batch["created_by"], source_default="import", job_id=batch["job_id"]
    )
    failures = [(number, messages, None) for number, messages in errors.items()]
    for index, (existing_id, field) in duplicates.items():
        failures.append((valid[index][0], {field: [leads.DUPLICATE_MESSAGES[field]]}, existing_id))
    store.add_errors(conn, batch["job_id"], failures)
    store.mark_batch_processed(conn, batch["job_id"], batch["seq"])
    store.add_progress(conn, batch["job_id"], len(batch["rows"]), len(created), len(failures))
    store.complete_if_done(conn, batch["job_id"])
    return len(batch["rows"])


def fail_for_batch(conn, batch, exc):
    """The batch could not be processed (its work was rolled back): its job
    fails with an error that says which rows and why."""
    last_row = batch["first_row"] + len(batch["rows"]) - 1
    job = store.get_job(conn, batch["job_id"], lock=True)
    error = (f"Rows {batch['first_row']}-{last_row} (batch {batch['seq']}) could not be imported: "
             f"{type(exc).__name__}: {exc}. The import stopped there: {row_count(job['rows_done'])} before them were "
             f"processed ({job['rows_created']} created, {job['rows_failed']} refused: see the row errors), none "
             "after them. Import those rows and the rest of the file again as a new import (leads created "
             "already are refused as duplicates); if the same rows fail again, report this error.")
    store.fail_job(conn, batch["job_id"], error)


def row_count(count):
    return f"{count} row" if count == 1 else f"{count} rows"


def errors_page(conn, job_id, cursor=None, limit=100):
    store.get_job(conn, job_id)
    rows, next_cursor = store.errors_page(conn, job_id, cursor, limit)
    items = [{"row": row["row_number"], "errors": row["errors"],
              "duplicate_of": str(row["duplicate_of"]) if row["duplicate_of"] else None} for row in rows]
    return {"items": items, "next_cursor": next_cursor}
