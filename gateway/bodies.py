"""Reading requests: JSON bodies, query strings, If-Match, all through the
marshmallow schemas that also document them in the OpenAPI document."""

import json
import re

from flask import request

from gateway.problems import HttpProblem
from shared.schemas.common import StrictSchema

JSON_TYPES = ("application/json",)


def _schema(schema):
    return schema() if isinstance(schema, type) else schema


def require_json():
    if not request.is_json:
        given = request.mimetype or "no Content-Type"
        raise HttpProblem(415, f"Send JSON with 'Content-Type: application/json' (got {given}).",
                          errors={"Content-Type": ["Must be application/json."]})


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def reject_nul(data):
    """422 for NUL characters, which PostgreSQL cannot store in text."""
    if not isinstance(data, dict):
        bad = ["_schema"] if _has_nul(data) else []
    else:
        bad = [key if not _has_nul(key) else "_schema" for key, value in data.items()
               if _has_nul(key) or _has_nul(value)]
    if bad:
        raise HttpProblem(422, "Text may not contain NUL characters (\\u0000).", title="Validation failed",
                          errors={field: ["Contains a NUL character."] for field in bad})
    return data


def raw_json():
    """The body parsed as JSON (400 when it is not JSON at all)."""
    require_json()
    data = request.get_data(cache=True)
    if not data.strip():
        raise HttpProblem(400, "The request body is empty; send a JSON object.", title="Malformed JSON",
                          errors={"_body": ["Empty."]})
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise HttpProblem(400, f"The request body is not valid JSON: {exc}.", title="Malformed JSON",
                          errors={"_body": ["Not valid JSON."]}) from None
    return reject_nul(parsed)


def json_body(schema, **load_kwargs):
    """The body loaded through ``schema`` (422 with per-field errors)."""
    data = raw_json()
    if not isinstance(data, dict):
        raise HttpProblem(422, "The request body must be a JSON object.", title="Validation failed",
                          errors={"_schema": ["Expected a JSON object."]})
    return _schema(schema).load(data, **load_kwargs)


def _list_field(field):
    from marshmallow import fields

    return isinstance(field, fields.List)


def query_args(schema):
    """The query string loaded through ``schema``: list fields take repeated
    parameters (``status=new&status=working``) or commas (``status=new,working``);
    other fields must be given once; unknown parameters are errors."""
    schema = _schema(schema)
    data, errors = {}, {}
    for key in request.args:
        values = request.args.getlist(key)
        field = schema.fields.get(key)
        if field is not None and _list_field(field):
            data[key] = [part for value in values for part in value.split(",") if part != ""]
        elif len(values) > 1:
            errors[key] = ["Give this parameter once."]
        else:
            data[key] = values[0]
    if errors:
        raise HttpProblem(422, "Some query parameters are invalid; see errors.", title="Validation failed",
                          errors=errors)
    return schema.load(reject_nul(data))


def wire(schema, loaded):
    """Loaded data as plain JSON types for an RPC (dumped by the same schema)."""
    return _schema(schema).dump(loaded)


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def if_match_version():
    """The resource version in If-Match (``"3"``), None when absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if not match:
        raise HttpProblem(400, 'If-Match must hold the ETag of a GET, like "3".', title="Bad If-Match",
                          errors={"If-Match": ["Not an ETag this API gave out."]})
    return int(match.group(1))


def etag(version):
    return f'"{version}"'


class EmptySchema(StrictSchema):
    """No query parameters."""
