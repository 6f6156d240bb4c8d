"""CSV rows as lead input (no I/O): the header mapped to lead fields, each row
turned into LeadCreateSchema input and validated, clean rows on a fast path
that gives exactly what the schema's ``load`` gives.  A row naming an owner
that is not among the import's owners (the suite's active users when it
started) is refused too."""

import re

from marshmallow import ValidationError, fields

from shared.kit import green
from shared.schemas.common import unknown_owner
from shared.schemas.errors import ValidationFailed
from shared.schemas.leads import LeadCreateSchema
from shared.schemas.phones import e164

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


def check_cells(rows):
    """Refuse rows that are not lists of text cells (the worker could not process them)."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValidationFailed("Rows must be lists of cells.", {"rows": ["Invalid."]})
    not_text = {f"rows[{index}]": ["Cells must be strings or null."] for index, row in enumerate(rows)
                if not all(cell is None or isinstance(cell, str) for cell in row)}
    if not_text:  # the worker could not process them: refuse them now
        raise ValidationFailed("Every cell must be text (or null).", not_text)


def _compile_fast_load():
    """A fast path for clean rows, built from LeadCreateSchema's own fields and
    validators: returns exactly what the schema's ``load`` returns for the row,
    or None when the row needs the full schema (which then gives the error
    messages).  It mirrors the schema's hooks: strip strings, upper-case the
    country, require an identifying field and a phone that reads as a number.  tests/leads/test_import_fast_path.py
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
        if out.get("phone") and e164(out["phone"], out.get("country")) is None:
            return None
        return out

    return fast_load


fast_load = _compile_fast_load()


def validate_rows(mapping, rows, first_row, owners=None):
    """(valid inputs with their row numbers, errors by row number).  With
    ``owners`` (a set of usernames), a row's owner must be one of them."""
    valid, slow, errors = [], [], {}
    for offset, row in enumerate(green.cooperative(rows)):
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
    for number, data in green.cooperative(slow, 20):
        try:
            valid.append((number, _LOADER.load(data)))
        except ValidationError as exc:
            errors[number] = exc.messages
    if owners is not None:
        refused = [(number, data["owner"]) for number, data in valid
                   if data.get("owner") and data["owner"] not in owners]
        for number, owner in refused:
            errors[number] = {"owner": [unknown_owner(owner)]}
        if refused:
            valid = [item for item in valid if item[0] not in errors]
    valid.sort(key=lambda item: item[0])
    return valid, errors
