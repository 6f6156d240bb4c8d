"""CSV import jobs.

The gateway streams the file and hands it over in numbered batches of parsed
rows; each batch is stored as it arrives and processed in its own
transaction by the background worker (``process_next_batch``), so a job
survives a restart of the service and its progress can be polled: rows done,
created, failed, and rows per second.
"""

import uuid

from services.leads.imports import store
from services.leads.imports.rows import check_cells, map_header, validate_rows
from services.leads.records import commands as leads
from shared.schemas.errors import Conflict, ValidationFailed


def start(conn, filename, header, actor):
    mapping = map_header(header)
    job_id = str(uuid.uuid4())
    store.insert_job(conn, job_id, filename, mapping, actor)
    return get(conn, job_id)


def add_batch(conn, job_id, seq, rows, first_row=None):
    """Store batch ``seq`` (1, 2, ...) of rows; a repeated seq is ignored.
    ``first_row`` is the 1-based number of its first row in the file (by
    default the rows received so far + 1, which holds when batches arrive in
    order)."""
    if first_row is not None and (not isinstance(first_row, int) or isinstance(first_row, bool) or first_row < 1):
        raise ValidationFailed("first_row must be a positive integer.", {"first_row": ["Invalid."]})
    job = store.get_job(conn, job_id, lock=True)
    if job["status"] != "receiving":
        raise Conflict(f"Import {job_id} is {job['status']}; it takes no more rows.")
    check_cells(rows)
    inserted = store.insert_batch(conn, job_id, seq, first_row or job["rows_received"] + 1, rows)
    return {"rows_received": job["rows_received"] + (len(rows) if inserted else 0)}


def finish(conn, job_id, batches):
    """The upload is complete with ``batches`` batches."""
    job = store.get_job(conn, job_id, lock=True)
    if job["status"] != "receiving":
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


def process_next_batch(conn):
    """Process one pending batch of any job; returns the number of rows, or
    None when there is nothing to do."""
    batch = next_batch(conn)
    if batch is None:
        return None
    return process_batch(conn, batch)


def next_batch(conn):
    """The next pending batch, locked until the transaction ends; None when
    there is none."""
    return store.next_pending_batch(conn)


def process_batch(conn, batch):
    """Create the leads of a batch and record its row errors and progress;
    returns the number of rows."""
    valid, errors = validate_rows(batch["header"], batch["rows"], batch["first_row"])
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
             f"{type(exc).__name__}: {exc}. The import stopped there: {rows(job['rows_done'])} before them were "
             f"processed ({job['rows_created']} created, {job['rows_failed']} refused: see the row errors), none "
             "after them. Import those rows and the rest of the file again as a new import (leads created "
             "already are refused as duplicates); if the same rows fail again, report this error.")
    store.fail_job(conn, batch["job_id"], error)


def rows(count):
    return f"{count} row" if count == 1 else f"{count} rows"


def errors_page(conn, job_id, cursor=None, limit=100):
    store.get_job(conn, job_id)
    rows, next_cursor = store.errors_page(conn, job_id, cursor, limit)
    items = [{"row": row["row_number"], "errors": row["errors"],
              "duplicate_of": str(row["duplicate_of"]) if row["duplicate_of"] else None} for row in rows]
    return {"items": items, "next_cursor": next_cursor}
