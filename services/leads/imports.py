"""CSV import jobs.

The gateway streams the file and hands it over in numbered batches of parsed
rows; each batch is stored as it arrives and processed in its own
transaction by the background worker (``process_next_batch``), so a job
survives a restart of the service and its progress can be polled: rows done,
created, failed, and rows per second.
"""

import re
import uuid

from marshmallow import ValidationError, fields
from psycopg.types.json import Jsonb

from services.leads import commands
from shared.kit.pagination import KeysetOrder, keyset_page
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.leads import LeadCreateSchema

FIELDS = tuple(LeadCreateSchema().fields)
ALIASES = {
    "firstname": "first_name", "first": "first_name", "given_name": "first_name",
    "lastname": "last_name", "last": "last_name", "surname": "last_name", "family_name": "last_name",
    "e_mail": "email", "email_address": "email", "mail": "email",
    "phone_number": "phone", "telephone": "phone", "mobile": "phone",
    "company_name": "company", "organisation": "company", "organization": "company", "account": "company",
    "job_title": "title", "position": "title", "employees": "company_size", "size": "company_size",
    "lead_source": "source", "campaign": "campaign_id", "note": "notes", "comments": "notes",
}
IDENTIFYING = {"first_name", "last_name", "email", "phone", "company"}
MAX_COLUMNS = 200
_LOADER = LeadCreateSchema()


def _column_key(name):
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def map_header(header):
    """Column index -> lead field, or ``attributes.<name>`` for other columns."""
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise ValidationFailed("The header must be a list of column names.", {"header": ["Must be a list of strings."]})
    if not header or not any(name.strip() for name in header):
        raise ValidationFailed("The file has no header row.", {"header": ["Missing."]})
    if len(header) > MAX_COLUMNS:
        raise ValidationFailed(f"At most {MAX_COLUMNS} columns.", {"header": ["Too many columns."]})
    mapping, errors = [], {}
    for index, name in enumerate(header):
        key = _column_key(name)
        field = key if key in FIELDS and key != "attributes" else ALIASES.get(key)
        target = field or (f"attributes.{name.strip()}" if name.strip() else None)
        if target and target in mapping:
            errors[f"header[{index}]"] = [f"Column {name!r} repeats {target}."]
        mapping.append(target)
    if errors:
        raise ValidationFailed("Some columns repeat one another.", errors)
    if not IDENTIFYING & set(mapping):
        raise ValidationFailed(
            "No column names a lead: include first_name, last_name, email, phone or company.",
            {"header": [f"Known columns: {', '.join(FIELDS)}."]},
        )
    return mapping


def row_to_input(mapping, row):
    """A CSV row as LeadCreateSchema input (empty cells left out)."""
    data, attributes = {}, {}
    for target, cell in zip(mapping, row, strict=False):
        if target is None or cell is None or cell.strip() == "":
            continue
        if target.startswith("attributes."):
            attributes[target[len("attributes."):]] = cell.strip()
        else:
            data[target] = cell
    if attributes:
        data["attributes"] = attributes
    if "company_size" in data:
        data["company_size"] = data["company_size"].replace(",", "").strip()
    return data


def start(conn, filename, header, actor):
    mapping = map_header(header)
    job_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO import_jobs (id, filename, header, created_by) VALUES (%s, %s, %s, %s)",
        (job_id, filename, Jsonb(mapping), actor),
    )
    return get(conn, job_id)


def _job(conn, job_id, lock=False):
    row = conn.execute(
        "SELECT * FROM import_jobs WHERE id = %s" + (" FOR UPDATE" if lock else ""), (job_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No import job with id {job_id}.")
    return row


def add_batch(conn, job_id, seq, rows, first_row=None):
    """Store batch ``seq`` (1, 2, ...) of rows; a repeated seq is ignored.
    ``first_row`` is the 1-based number of its first row in the file (by
    default the rows received so far + 1, which holds when batches arrive in
    order)."""
    if first_row is not None and (not isinstance(first_row, int) or isinstance(first_row, bool) or first_row < 1):
        raise ValidationFailed("first_row must be a positive integer.", {"first_row": ["Invalid."]})
    job = _job(conn, job_id, lock=True)
    if job["status"] != "receiving":
        raise Conflict(f"Import {job_id} is {job['status']}; it takes no more rows.")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValidationFailed("Rows must be lists of cells.", {"rows": ["Invalid."]})
    not_text = {f"rows[{index}]": ["Cells must be strings or null."] for index, row in enumerate(rows)
                if not all(cell is None or isinstance(cell, str) for cell in row)}
    if not_text:  # the worker could not process them: refuse them now
        raise ValidationFailed("Every cell must be text (or null).", not_text)
    inserted = conn.execute(
        "INSERT INTO import_batches (job_id, seq, first_row, rows) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING seq",
        (job_id, seq, first_row or job["rows_received"] + 1, Jsonb(rows)),
    ).fetchone()
    if inserted:
        conn.execute("UPDATE import_jobs SET rows_received = rows_received + %s WHERE id = %s", (len(rows), job_id))
    return {"rows_received": job["rows_received"] + (len(rows) if inserted else 0)}


def finish(conn, job_id, batches):
    """The upload is complete with ``batches`` batches."""
    job = _job(conn, job_id, lock=True)
    if job["status"] != "receiving":
        return get(conn, job_id)
    received = conn.execute("SELECT count(*) AS n FROM import_batches WHERE job_id = %s", (job_id,)).fetchone()["n"]
    if received != batches:
        raise ValidationFailed(f"{batches} batches announced but {received} received.", {"batches": ["Mismatch."]})
    conn.execute(
        "UPDATE import_jobs SET batches = %s, status = 'processing', started_at = coalesce(started_at, now())"
        " WHERE id = %s",
        (batches, job_id),
    )
    _complete_if_done(conn, job_id)
    return get(conn, job_id)


def _complete_if_done(conn, job_id):
    conn.execute(
        "UPDATE import_jobs SET status = 'done', finished_at = now()"
        " WHERE id = %s AND status = 'processing' AND batches_done = batches",
        (job_id,),
    )


def get(conn, job_id):
    job = _job(conn, job_id)
    end = job["finished_at"]
    elapsed = None
    if job["rows_done"]:
        elapsed = conn.execute(
            "SELECT extract(epoch FROM coalesce(%s, now()) - %s) AS s", (end, job["created_at"])
        ).fetchone()["s"]
    return {
        "id": str(job["id"]), "status": job["status"], "filename": job["filename"],
        "rows_received": job["rows_received"], "rows_done": job["rows_done"], "rows_created": job["rows_created"],
        "rows_failed": job["rows_failed"],
        "rows_per_second": round(job["rows_done"] / float(elapsed), 1) if elapsed else None,
        "created_by": job["created_by"], "created_at": job["created_at"].isoformat(),
        "finished_at": end.isoformat() if end else None, "error": job["error"],
    }


def _compile_fast_load():
    """A fast path for clean rows, built from LeadCreateSchema's own fields and
    validators: returns exactly what the schema's ``load`` returns for the row,
    or None when the row needs the full schema (which then gives the error
    messages).  It mirrors the schema's hooks: strip strings, upper-case the
    country, require an identifying field.  tests/leads/test_import_fast_path.py
    checks it against the schema."""
    checks = {
        name: (isinstance(field, fields.Integer), not field.allow_none, tuple(field.validators))
        for name, field in _LOADER.load_fields.items() if name != "attributes"
    }
    max_keys = _LOADER.fields["attributes"].max_keys

    def fast_load(data):
        out = {}
        for key, value in data.items():
            if key == "attributes":
                if len(value) > max_keys or not all(0 < len(name) <= 64 for name in value):
                    return None
                out[key] = value
                continue
            spec = checks.get(key)
            if spec is None or not isinstance(value, str):
                return None
            is_int, required, validators = spec
            value = value.strip() or None
            if value is None:
                if required:
                    return None
                out[key] = None
                continue
            if is_int:
                if not (value.isascii() and value.isdigit()):
                    return None
                value = int(value)
            try:
                for validator in validators:
                    validator(value)
            except ValidationError:
                return None
            out[key] = value
        if out.get("country"):
            out["country"] = out["country"].upper()
        if not any(out.get(key) for key in IDENTIFYING):
            return None
        return out

    return fast_load


fast_load = _compile_fast_load()


def _validate(mapping, rows, first_row):
    """(valid inputs with their row numbers, errors by row number)."""
    valid, slow, errors = [], [], {}
    for offset, row in enumerate(rows):
        number = first_row + offset
        if len(row) > len(mapping):
            errors[number] = {"_row": [f"{len(row)} cells but the header has {len(mapping)} columns."]}
            continue
        data = row_to_input(mapping, row)
        loaded = fast_load(data)
        if loaded is None:
            slow.append((number, data))
        else:
            valid.append((number, loaded))
    for number, data in slow:
        try:
            valid.append((number, _LOADER.load(data)))
        except ValidationError as exc:
            errors[number] = exc.messages
    valid.sort(key=lambda item: item[0])
    return valid, errors


def process_next_batch(conn):
    """Process one pending batch of any job; returns the number of rows, or
    None when there is nothing to do."""
    batch = conn.execute(
        "SELECT b.job_id, b.seq, b.first_row, b.rows, j.header, j.created_by FROM import_batches b"
        " JOIN import_jobs j ON j.id = b.job_id WHERE b.processed_at IS NULL"
        " ORDER BY b.job_id, b.seq LIMIT 1 FOR UPDATE OF b SKIP LOCKED"
    ).fetchone()
    if batch is None:
        return None
    valid, errors = _validate(batch["header"], batch["rows"], batch["first_row"])
    created, duplicates = commands.create_leads(
        conn, [data for _, data in valid], batch["created_by"], source_default="import", job_id=batch["job_id"]
    )
    failures = [(number, messages, None) for number, messages in errors.items()]
    for index, (existing_id, field) in duplicates.items():
        failures.append((valid[index][0], {field: [commands.DUPLICATE_MESSAGES[field]]}, existing_id))
    with conn.cursor().copy("COPY import_errors (job_id, row_number, errors, duplicate_of) FROM STDIN") as copy:
        for number, messages, existing_id in failures:
            copy.write_row((batch["job_id"], number, Jsonb(messages), existing_id))
    conn.execute(
        "UPDATE import_batches SET processed_at = now(), rows = '[]' WHERE job_id = %s AND seq = %s",
        (batch["job_id"], batch["seq"]),
    )
    conn.execute(
        "UPDATE import_jobs SET rows_done = rows_done + %s, rows_created = rows_created + %s,"
        " rows_failed = rows_failed + %s, batches_done = batches_done + 1 WHERE id = %s",
        (len(batch["rows"]), len(created), len(failures), batch["job_id"]),
    )
    _complete_if_done(conn, batch["job_id"])
    return len(batch["rows"])


BY_ROW = KeysetOrder(("row_number", "integer"))


def errors_page(conn, job_id, cursor=None, limit=100):
    _job(conn, job_id)
    rows, next_cursor = keyset_page(conn, "SELECT row_number, errors, duplicate_of FROM import_errors",
                                    ["job_id = %s"], [job_id], BY_ROW, cursor, limit)
    items = [{"row": row["row_number"], "errors": row["errors"],
              "duplicate_of": str(row["duplicate_of"]) if row["duplicate_of"] else None} for row in rows]
    return {"items": items, "next_cursor": next_cursor}
