"""CSV imports of leads: the upload is streamed to the leads service in
numbered batches; the job is then processed in the background and polled."""

from flask import Blueprint, g, url_for
from marshmallow import fields, validate

from gateway import csv_upload
from gateway.auth import requires
from gateway.bodies import query_args
from gateway.csv_upload import CsvRows, UploadBroken, batches, open_upload, text_of, upload_filename
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import call, resources
from shared.schemas.common import PageQuerySchema, StrictSchema
from shared.schemas.leads import ImportErrorPageSchema, ImportJobSchema

bp = Blueprint("imports", __name__, url_prefix="/api/v1/leads/imports")
TAGS = ["lead imports"]
UPLOAD_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "The CSV file."}},
    }},
}


class ImportQuerySchema(StrictSchema):
    filename = fields.String(validate=validate.Length(max=csv_upload.FILENAME_MAX),
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
                       "the job as soon as the file is received; poll the job, then list its row errors.")
def start_import():
    query_args(ImportQuerySchema)
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

    job = call("leads", "start_import", filename, header, g.principal.username)
    sent = []

    def numbered_batches():
        first_row = 1
        for seq, batch in enumerate(_chain(first, chunks), 1):
            sent.append(seq)
            yield job["id"], seq, batch, first_row
            first_row += len(batch)

    try:
        resources().rpc.call_pipelined("leads", "import_rows", numbered_batches())
    except UploadBroken as exc:
        # Rows before the break are in; close the job so it reports them.
        job = call("leads", "finish_import", job["id"], len(sent))
        raise HttpProblem(
            exc.status, f"{exc.detail} The rows before line {exc.line} were taken: see import {job['id']}.",
            title="File broke off", errors={"file": [exc.detail]}, import_id=job["id"],
            headers={"Location": url_for("imports.get_import", job_id=job["id"])},
        ) from None
    job = call("leads", "finish_import", job["id"], len(sent))
    return job, 202, {"Location": url_for("imports.get_import", job_id=job["id"])}


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
def import_errors(job_id):
    page = query_args(PageQuerySchema)
    return call("leads", "import_errors", job_id, page["cursor"], page["limit"])

