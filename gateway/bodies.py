"""Reading requests: JSON and form bodies, query strings, If-Match, all
through the marshmallow schemas that also document them in the OpenAPI
document (``gateway.openapi.operation`` declares them once per route)."""

import json
import re

from flask import g, request

from gateway.problems import HttpProblem
from shared.schemas.common import StrictSchema

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _schema(schema):
    return schema() if isinstance(schema, type) else schema


class Loaded(dict):
    """Data loaded through a schema; ``wire()`` dumps it back, through the
    same schema, to the plain JSON types an RPC carries."""

    def __init__(self, data, schema):
        super().__init__(data)
        self.schema = schema

    def wire(self):
        return self.schema.dump(self)


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


def parsed_json():
    """The body parsed as JSON, once per request (the Idempotency-Key check
    and the view's schema share it); ValueError when it is not JSON."""
    if "crm_json" not in g:
        try:
            g.crm_json = (json.loads(request.get_data(cache=True)), None)
        except ValueError as exc:
            g.crm_json = (None, exc)
    value, error = g.crm_json
    if error is not None:
        raise error
    return value


def raw_json():
    """The body parsed as JSON (400 when it is not JSON at all)."""
    require_json()
    if not request.get_data(cache=True).strip():
        raise HttpProblem(400, "The request body is empty; send a JSON object.", title="Malformed JSON",
                          errors={"_body": ["Empty."]})
    try:
        parsed = parsed_json()
    except ValueError as exc:
        raise HttpProblem(400, f"The request body is not valid JSON: {exc}.", title="Malformed JSON",
                          errors={"_body": ["Not valid JSON."]}) from None
    return reject_nul(parsed)


def _json_object():
    data = raw_json()
    if not isinstance(data, dict):
        raise HttpProblem(422, "The request body must be a JSON object.", title="Validation failed",
                          errors={"_schema": ["Expected a JSON object."]})
    return data


def json_body(schema, **load_kwargs):
    """The body loaded through ``schema`` (422 with per-field errors)."""
    return _schema(schema).load(_json_object(), **load_kwargs)


def form_fields():
    """An HTML form post as a dict; a field given twice is an error."""
    data, errors = {}, {}
    for key in request.form:
        values = request.form.getlist(key)
        if len(values) > 1:
            errors[key] = ["Give this field once."]
        data[key] = values[0]
    if errors:
        raise HttpProblem(422, "Some fields are repeated; see errors.", title="Validation failed", errors=errors)
    return reject_nul(data)


def request_body(schema, *, form=False, optional=False, changes=False):
    """The body of a request loaded through ``schema``:

    - ``form``: an HTML form post (urlencoded or multipart) is taken too;
    - ``optional``: an empty body is ``{}``;
    - ``changes`` (PATCH): at least one field must be given.
    """
    schema = _schema(schema)
    if optional and not request.get_data(cache=True).strip():
        data = {}
    elif form and request.mimetype in FORM_TYPES:
        data = form_fields()
    elif form and not request.is_json:
        raise HttpProblem(415, "Send the form as application/x-www-form-urlencoded or as application/json.",
                          errors={"Content-Type": ["Must be a form or JSON."]})
    else:
        data = _json_object()
    if changes and not data:
        raise HttpProblem(422, "Send at least one field to change.", title="Validation failed",
                          errors={"_schema": ["Nothing to change."]})
    return Loaded(schema.load(data), schema)


def _list_field(field):
    from marshmallow import fields

    return isinstance(field, fields.List)


def query_args(schema, args=None):
    """The query string (``args``, a MultiDict; default: the request's)
    loaded through ``schema``: list fields take repeated parameters
    (``status=new&status=working``) or commas (``status=new,working``);
    other fields must be given once; unknown parameters are errors."""
    schema = _schema(schema)
    args = request.args if args is None else args
    data, errors = {}, {}
    for key in args:
        values = args.getlist(key)
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
    return Loaded(schema.load(reject_nul(data)), schema)


def wire(schema, loaded):
    """Loaded data as plain JSON types for an RPC (dumped by the same schema)."""
    return _schema(schema).dump(loaded)


# A version is a whole number from 1 on; the ETag holds it in quotes.
_ETAG = re.compile(r'^\s*(?:W/)?"?([1-9][0-9]{0,8})"?\s*$')
# What If-Match may hold, for the OpenAPI document (the same as _ETAG, or *).
IF_MATCH_PATTERN = r'^(\*|(W/)?"?[1-9][0-9]{0,8}"?)$'


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
