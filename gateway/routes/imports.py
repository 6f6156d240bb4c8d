"""CSV imports of leads: the upload is streamed to the leads service in
numbered batches; the job is then processed in the background and polled.

An upload that breaks off because the broker or the leads service went away
(a 503) resumes when the client sends the same request again with the same
``Idempotency-Key``: the key, scoped to the user, names the upload to the
leads service (``upload_key``), which answers the job the first try started
and skips the batches it has already (without a key, the upload is named
for this request alone, so a start delivered twice still makes one job).  When the upload breaks off, the view
tells the leads service while it can (``abandon_import``); a job nobody
resumes fails after the service's idle time, keeping the rows received."""

import logging
import uuid

from flask import Blueprint, g, request, url_for
from marshmallow import fields, validate
from werkzeug.exceptions import ClientDisconnected

from gateway import csv_upload
from gateway.auth import requires
from gateway.csv_upload import CsvRows, UploadBroken, batches, open_upload, text_of, upload_filename
from gateway.openapi import operation
from gateway.owners import active_usernames
from gateway.problems import HttpProblem
from gateway.resources import call, resources
from shared.schemas.common import PageQuerySchema, StrictSchema
from shared.schemas.leads import ImportErrorPageSchema, ImportJobSchema

log = logging.getLogger(__name__)
bp = Blueprint("imports", __name__, url_prefix="/api/v1/leads/imports")
# How long telling the leads service that an upload broke off may take: it
# may be the service that went away.
ABANDON_TIMEOUT_SECONDS = 3
TAGS = ["lead imports"]
# What the document promises is taken: a header row naming a lead column and
# at least one data row with something in it.  The API takes far
# more (any column names, quoted cells, BOM, CRLF, up to IMPORT_MAX_BYTES); the
# description says so in words, the pattern is the safe core.
CSV_PATTERN = (r"^(first_name|last_name|email|phone|company)\r?\n"
               r"[A-Za-z0-9][A-Za-z0-9 .@_-]{0,60}(\r?\n[A-Za-z0-9][A-Za-z0-9 .@_-]{0,60}){0,20}\r?\n?$")
CSV_FILE = {
    "type": "string", "pattern": CSV_PATTERN, "contentMediaType": "text/csv",
    "description": "CSV text, UTF-8 (a BOM is fine). The first row names the columns and must name at least one "
                   "of first_name, last_name, email, phone, company (other known fields and aliases are mapped; "
                   "other columns become custom attributes); then at least one row that is not blank. An empty "
                   "file or a header alone is refused (400), a header naming no lead column too (422). Rows that "
                   "cannot become a lead (a phone that reads as no number, an owner who is no active user, ...) "
                   "are reported by the job, not refused here.",
}
UPLOAD_CONTENT = {
    "text/csv": {"schema": CSV_FILE},
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {"file": CSV_FILE},
                   "additionalProperties": False},
        "encoding": {"file": {"contentType": "text/csv"}},
    },
}


class ImportQuerySchema(StrictSchema):
    filename = fields.String(validate=[validate.Length(max=csv_upload.FILENAME_MAX),
                                       validate.Regexp(csv_upload.FILENAME_PATTERN,
                                                       error="No control characters.")],
                             metadata={"description": "Name to show for the job (default: the form file's name)."})


def _no_job(detail, errors):
    return HttpProblem(400, detail, title="Unusable file", errors=errors)


@bp.post("")
@requires("leads:write")
@operation("Import leads from a CSV file", tags=TAGS, query=ImportQuerySchema, content=UPLOAD_CONTENT,
           response=ImportJobSchema, status=202, headers={"Location": "The job's URL, to poll."},
           problems=(400, 413, 415, 422),
           description="The first row names the columns (first_name, last_name, email, phone, company, ...; "
                       "other columns become custom attributes). UTF-8, with or without a BOM. Answers 202 with "
                       "the job as soon as the file is received; poll the job, then list its row errors. When "
                       "the upload breaks off with a 503, send the same request again with the same "
                       "Idempotency-Key: it resumes the same job (rows received already are not imported twice).")
def start_import(query):
    source = g.crm_upload if g.get("crm_upload") is not None else open_upload()
    filename = upload_filename()
    rows = CsvRows(text_of(source))
    chunks = batches(rows)
    try:
        header = next(rows, None)
        if header is None:
            raise _no_job("The file is empty.", {"file": ["Empty."]})
        first = next(chunks, None)
        if first is None:
            raise _no_job("The file has a header row but no data rows.", {"file": ["No data rows."]})
    except UploadBroken as exc:
        raise HttpProblem(exc.status, exc.detail, title="Unusable file", errors={"file": [exc.detail]}) from None

    upload_key, resumable = _upload_key()
    # A row's owner must be an active user: the job is told who they are now.
    job = call("leads", "start_import", filename, header, g.principal.username, upload_key,
               owners=sorted(active_usernames()))
    location = {"Location": url_for("imports.get_import", job_id=job["id"])}
    if job["status"] not in ("receiving", "abandoned"):
        return job, 202, location  # an earlier try of this request got the whole file through
    sent = []

    def numbered_batches():
        first_row = 1
        for seq, batch in enumerate(_chain(first, chunks), 1):
            sent.append(seq)
            yield job["id"], seq, batch, first_row
            first_row += len(batch)

    try:
        try:
            resources().rpc.call_pipelined("leads", "import_rows", numbered_batches())
        except UploadBroken as exc:
            # Rows before the break are in; close the job so it reports them.
            job = call("leads", "finish_import", job["id"], len(sent))
            raise HttpProblem(
                exc.status, f"{exc.detail} The rows before line {exc.line} were taken: see import {job['id']}.",
                title="File broke off", errors={"file": [exc.detail]}, import_id=job["id"], headers=location,
            ) from None
        job = call("leads", "finish_import", job["id"], len(sent))
    except HttpProblem:
        raise
    except Exception as exc:
        if isinstance(exc, ClientDisconnected):
            g.crm_not_storable = True  # the client never saw an answer: its retry must resume, not replay this
        _abandon(job["id"], exc, resumable)
        raise
    return job, 202, location


def _upload_key():
    """``(upload key, resumable)``: the request's Idempotency-Key scoped to
    the user (a retry of the request resumes its job), or a key of this
    request alone (a start delivered twice still makes one job)."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if key:
        return f"key:{g.principal.user_id}:{key}", True
    return f"request:{uuid.uuid4()}", False


def _abandon(job_id, exc, resumable):
    """Tell the leads service the upload broke off, if it still listens."""
    reason = getattr(exc, "detail", None) or type(exc).__name__
    try:
        call("leads", "abandon_import", job_id, str(reason)[:500], resumable, timeout=ABANDON_TIMEOUT_SECONDS)
    except Exception as failure:  # noqa: BLE001 - the import's idle time ends the job instead
        log.warning("import %s broke off (%s); telling the leads service failed too: %s", job_id, reason, failure)


def _chain(first, rest):
    yield first
    yield from rest


start_import.crm_upload = open_upload


@bp.get("/<uuid:job_id>")
@requires("leads:read")
@operation("An import job's progress", tags=TAGS, response=ImportJobSchema)
def get_import(job_id):
    return call("leads", "get_import", job_id)


@bp.get("/<uuid:job_id>/errors")
@requires("leads:read")
@operation("The rows an import could not take, and why", tags=TAGS, query=PageQuerySchema,
           response=ImportErrorPageSchema)
def import_errors(job_id, query):
    return call("leads", "import_errors", job_id, query["cursor"], query["limit"])

