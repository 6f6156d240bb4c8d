"""Each route declares once what it takes and gives, and that one declaration
both validates the request and documents it in the OpenAPI 3.1 document
(built with apispec from the same marshmallow schemas).

``@operation(...)`` wraps a view: before the view runs it loads the declared
path parameters, If-Match, query string and body, and hands the loaded data
to the view as the keyword arguments it asks for (``query``, ``body``,
``expected_version``), so a view never reads the request itself.  The
builder walks the app's URL map, so a route cannot exist undocumented (a
test checks that every route has an operation).  ``build_spec(app)`` gives
the document.
"""

import copy
import functools
import http
import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import request
from marshmallow import ValidationError, fields, validate

from gateway.bodies import FORM_TYPES, IF_MATCH_PATTERN, if_match_version, query_args, request_body
from gateway.idempotency import KEY_MAX
from gateway.routing import IdNotFound
from shared.schemas.common import NOT_BLANK_PATTERN, ProblemSchema, TrimmedSchema

API_TITLE = "CRM suite API"
API_VERSION = "1.0.0"
DESCRIPTION = """\
The REST API of the CRM suite.

Authenticate with `Authorization: Bearer <token>`: `POST /api/v1/auth/login` exchanges a
username and password for a token, and `POST /api/v1/tokens` creates long-lived tokens for
client apps. The web console signs in with `POST /api/v1/auth/session` instead: its session
travels in the HttpOnly cookie `crm_session`, and every POST, PUT, PATCH and DELETE made with
it carries the `X-CSRF-Token` header (the `crm_csrf` cookie's value).

Errors are RFC 9457 problem documents (`application/problem+json`) with a per-field `errors`
map on 400 and 422, and the request's `correlation_id`. `POST` requests
honour an `Idempotency-Key` header (the first answer is replayed for 24 hours). Lists are
cursor-paginated: pass a page's `next_cursor` as `cursor` (any other cursor is refused with
422). Every answer carries `X-Request-ID` (send your own to correlate).

Ids in a body (`account_id`, `contact_id`, `opportunity_id`, a `stage` of a pipeline, ...)
must name records that exist (and fit together: a contact of the account given): otherwise
422 names the field. What a rule about stored records forbids (an illegal status or stage
move, a duplicate) is a 409 or 422 that says why.

Text is stored as given after surrounding whitespace is trimmed where a field says so; a
trimmed field left blank counts as not given. Text may not contain NUL characters (`\\u0000`):
they are refused with 422. Money amounts and exchange rates travel as decimal strings
(`"12500.00"`), never as binary floating point.
"""
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Statuses every operation may answer: a bug (500), a service that failed (502), an outage (503).
ALWAYS = {500, 502, 503}
# A decimal carried as a string, when its field names no stricter pattern.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def operation(summary, *, tags, body=None, query=None, response=None, status=200, content=None, headers=None,
              problems=(), description=None, public=False, request_headers=(), media_type="application/json",
              form=False, body_optional=False, path=None):
    """Declare (validate and document) a view.

    - ``body``: the JSON request schema; the view gets the loaded body as
      ``body`` (a ``Loaded`` dict: ``body.wire()`` gives the RPC form);
      ``form``: an HTML form post is taken through the same schema;
      ``body_optional``: an empty body loads as ``{}``; a PATCH body must
      name at least one field.
    - ``query``: the query string schema; the view gets ``query``.
    - ``path``: marshmallow fields for path parameters that are not UUIDs
      (anything else in their place is a 404 that says what fits).
    - ``request_headers``: component parameters, by name; ``"If-Match"``
      gives the view ``expected_version`` (None when absent).
    - ``response`` (schema of the ``status`` answer, in ``media_type``),
      ``content`` (other request media types, documented only: the view
      reads them), ``headers`` (answer headers), ``problems`` (statuses
      beyond the ones the declaration implies).
    """

    meta = {
        "summary": summary, "tags": tags, "body": body, "query": query, "response": response, "status": status,
        "content": content, "headers": headers or {}, "problems": tuple(problems), "description": description,
        "public": public, "request_headers": tuple(request_headers), "media_type": media_type, "form": form,
        "body_optional": body_optional, "path": dict(path or {}),
    }

    def mark(view):
        wants = inspect.signature(view).parameters

        @functools.wraps(view)
        def run(*args, **kwargs):
            for name, field in meta["path"].items():
                kwargs[name] = _path_value(name, field, kwargs[name])
            if "If-Match" in meta["request_headers"]:
                expected_version = if_match_version()
                if "expected_version" in wants:
                    kwargs["expected_version"] = expected_version
            if meta["query"] is not None:
                loaded = query_args(meta["query"])
                if "query" in wants:
                    kwargs["query"] = loaded
            if meta["body"] is not None:
                loaded = request_body(meta["body"], form=meta["form"], optional=meta["body_optional"],
                                      changes=request.method == "PATCH")
                if "body" in wants:
                    kwargs["body"] = loaded
            return view(*args, **kwargs)

        run.crm_openapi = meta
        return run

    return mark


def _path_value(name, field, value):
    try:
        return field.deserialize(value)
    except ValidationError as exc:
        reason = " ".join(exc.messages) if isinstance(exc.messages, list) else str(exc.messages)
        raise IdNotFound(f"{value[:100]!r} is not a {name.replace('_', ' ')}: {reason}") from None


def undocumented(view):
    """A route left out of the document on purpose (static files)."""
    view.crm_undocumented = True
    return view


# -- marshmallow -> JSON Schema: what apispec does not say by itself -----------------------------------------

def _decimal_strings(converter, field, ret, **kwargs):
    """Decimals carried as strings ("12500.00") are strings with a pattern;
    their bounds are in the pattern and the description, not minimum/maximum
    (which would have to be numbers)."""
    if isinstance(field, fields.Decimal) and field.as_string:
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"):
            ret.pop(key, None)
        ret["type"] = ["string", "null"] if field.allow_none else "string"
        ret.setdefault("pattern", DECIMAL_PATTERN)
    return {}


def _json_objects(converter, field, ret, **kwargs):
    """A free-form object's key rules and size (``JsonObject``)."""
    max_keys = getattr(field, "max_keys", None)
    key_field = getattr(field, "key_field", None)
    if max_keys is None or key_field is None:
        return {}
    return {"maxProperties": max_keys, "propertyNames": {"type": "string", **converter.field2length(key_field)}}


def _choice_keys(converter, field, ret, **kwargs):
    """A mapping whose keys are one of a few (``fields.Dict(keys=...OneOf)``)
    names them: ``propertyNames`` with their ``enum``."""
    key_field = getattr(field, "key_field", None) if isinstance(field, fields.Dict) else None
    for validator in getattr(key_field, "validators", ()):
        if isinstance(validator, validate.OneOf):
            return {"propertyNames": {"enum": list(validator.choices)}}
    return {}


def _trimming_schema(field):
    """(the TrimmedSchema, the key it trims) when ``field`` is trimmed text."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, fields.List):
        schema, key = getattr(parent, "parent", None), parent.data_key or parent.name
        trims = isinstance(schema, TrimmedSchema) and key in schema.trimmed_items
        return (schema, key) if trims else (None, None)
    key = field.data_key or field.name
    if isinstance(parent, TrimmedSchema) and (parent.trimmed is None or key in parent.trimmed):
        return parent, key
    return None, None


def _trimmed_text(converter, field, ret, **kwargs):
    """Trimmed text that must not end up blank says so with a pattern: a
    trimmed blank is refused when the field keeps it (``keep_blank``), takes
    no null, or is a list item."""
    if type(field) is not fields.String or "pattern" in ret or "enum" in ret:
        return {}
    schema, key = _trimming_schema(field)
    if schema is None:
        return {}
    in_list = isinstance(field.parent, fields.List)
    if in_list or key in schema.keep_blank or not field.allow_none:
        return {"pattern": NOT_BLANK_PATTERN}
    return {}


class ContractConverter(OpenAPIConverter):
    """apispec's converter, plus what a schema class says in
    ``json_schema_extra`` (rules across fields: anyOf, contains, ...)."""

    def schema2jsonschema(self, schema):
        jsonschema = super().schema2jsonschema(schema)
        extra = getattr(schema, "json_schema_extra", None)
        if extra:
            jsonschema.update(copy.deepcopy(extra))
        return jsonschema


class ContractPlugin(MarshmallowPlugin):
    Converter = ContractConverter

    def init_spec(self, spec):
        super().init_spec(spec)
        for function in (_decimal_strings, _json_objects, _choice_keys, _trimmed_text):
            self.converter.add_attribute_function(function)


# -- the document ----------------------------------------------------------------------------------------------

def _path(rule, declared=None, converter=None):
    """Flask rule -> (OpenAPI path, path parameters)."""
    parameters = []
    declared = declared or {}

    def replace(match):
        name = match.group("name")
        if match.group("converter") == "uuid":
            schema = {"type": "string", "format": "uuid"}
        elif name in declared and converter is not None:
            schema = converter.field2property(declared[name])
        else:
            schema = {"type": "string"}
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER.sub(replace, rule.rule), parameters


def _problem(status):
    return {"description": http.HTTPStatus(status).phrase,
            "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _request_body(meta):
    content = dict(meta["content"] or {})
    if meta["body"] is not None:
        content["application/json"] = {"schema": meta["body"]}
        if meta["form"]:
            for media_type in FORM_TYPES:
                content[media_type] = {"schema": meta["body"]}
    return {"required": not meta["body_optional"], "content": content}


def _operation(meta, method, path_parameters, endpoint, idempotent):
    protected = not meta["public"]
    parameters = list(path_parameters)
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    for name in meta["request_headers"]:
        parameters.append(name)  # a component parameter, by name
    if method == "post" and idempotent:
        parameters.append("Idempotency-Key")
    parameters.append("X-Request-ID")
    op = {"operationId": endpoint.replace(".", "_"), "summary": meta["summary"], "tags": meta["tags"],
          "parameters": parameters}
    if meta["description"]:
        op["description"] = meta["description"]
    has_body = meta["body"] is not None or meta["content"]
    if has_body:
        op["requestBody"] = _request_body(meta)
    ok = {"description": http.HTTPStatus(meta["status"]).phrase}
    if meta["response"] is not None:
        ok["content"] = {meta["media_type"]: {"schema": meta["response"]}}
    if meta["headers"]:
        ok["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                         for name, text in meta["headers"].items()}
    statuses = set(meta["problems"]) | ALWAYS
    if protected:
        statuses |= {401, 403}
    if path_parameters:
        statuses.add(404)
    if has_body:
        statuses |= {400, 413, 415, 422}
    if meta["query"] is not None:
        statuses.add(422)
    if "If-Match" in meta["request_headers"]:
        statuses |= {400, 412}
    if method == "post" and idempotent:
        statuses |= {400, 409, 422}
    responses = {str(meta["status"]): ok}
    for status in sorted(statuses):
        responses[str(status)] = _problem(status)
        if status in (429, 503):
            responses[str(status)]["headers"] = {
                "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
        if status == 401:
            responses["401"]["headers"] = {
                "WWW-Authenticate": {"description": "Bearer challenge.", "schema": {"type": "string"}}}
    op["responses"] = responses
    op["security"] = [{"bearer": []}, {"session": []}] if protected else []
    return op


def _at_least_one_field(document):
    """A PATCH body names at least one field: its schema says minProperties 1."""
    schemas = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        body = operations.get("patch", {}).get("requestBody", {}).get("content", {}).get("application/json")
        ref = (body or {}).get("schema", {}).get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name in schemas:
            schemas[name]["minProperties"] = 1


def _without_null(schema):
    """``schema`` (a property) without its null alternative."""
    schema = copy.deepcopy(schema)
    if isinstance(schema.get("type"), list):
        types = [kind for kind in schema["type"] if kind != "null"]
        schema["type"] = types[0] if len(types) == 1 else types
    if "anyOf" in schema:
        schema["anyOf"] = [option for option in schema["anyOf"] if option != {"type": "null"}]
    return schema


def _forms_without_null(document):
    """A form post carries text only: its schema is the JSON body's, less
    the nulls (an empty field is the way to leave a value out)."""
    schemas = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        for op in operations.values():
            content = op.get("requestBody", {}).get("content", {})
            for media_type in FORM_TYPES:
                ref = content.get(media_type, {}).get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if name not in schemas:
                    continue
                form_name = f"{name}Form"
                if form_name not in schemas:
                    form = copy.deepcopy(schemas[name])
                    form["properties"] = {key: _without_null(value) for key, value in form["properties"].items()}
                    form["description"] = (form.get("description", "") + " As an HTML form: text fields, an empty "
                                           "one leaves the value out.").strip()
                    schemas[form_name] = form
                content[media_type]["schema"] = {"$ref": f"#/components/schemas/{form_name}"}


def _no_null_in_queries(document):
    """A query parameter is given or not; it cannot be null (a field whose
    default is None is nullable in its schema, not in a query string)."""
    for operations in document.get("paths", {}).values():
        for op in operations.values():
            for parameter in op.get("parameters", ()):
                schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
                if parameter.get("in") == "query" and isinstance(schema.get("type"), list):
                    types = [kind for kind in schema["type"] if kind != "null"]
                    schema["type"] = types[0] if len(types) == 1 else types
                    if "default" in schema and schema["default"] is None:
                        del schema["default"]


def build_spec(app, openapi_version="3.1.0"):
    plugin = ContractPlugin()
    spec = APISpec(
        title=API_TITLE, version=API_VERSION, openapi_version=openapi_version,
        plugins=[plugin],
        info={"description": DESCRIPTION, "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
              if openapi_version.startswith("3.1") else {"name": "Apache-2.0"}},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "An API token (crm_...) from POST /api/v1/auth/login or POST /api/v1/tokens.",
    })
    spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": "crm_session",
        "description": "The web console's session, set by POST /api/v1/auth/session (HttpOnly; used only when the "
                       "request has no Authorization header). A POST, PUT, PATCH or DELETE made with it must send "
                       "the X-CSRF-Token header, the crm_csrf cookie's value (else 403). An ended session is a "
                       "401 that says to sign in again.",
    })
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.parameter("Idempotency-Key", "header", {
        "description": "Makes a POST safe to retry: the first answer is replayed for 24 hours. Printable "
                       "characters without surrounding spaces (a UUID is ideal); one key per distinct request "
                       "(the same key with another body or path is refused with 422).",
        "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
                   "pattern": r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"},
    })
    spec.components.parameter("X-Request-ID", "header", {
        "description": "Correlation id; echoed back, and a new one is made when absent or not made of "
                       "letters, digits and . _ : @ / + = -.",
        "schema": {"type": "string", "maxLength": 128},
    })
    spec.components.parameter("If-Match", "header", {
        "description": "The ETag (the resource's version) of the GET this change is based on; 412 when it moved on. "
                       "`*` or no header: no check.",
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    })
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda item: item.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "crm_openapi", None)
        if meta is None:
            continue
        idempotent = not meta["public"] and not getattr(view, "crm_not_idempotent", False)
        path, parameters = _path(rule, meta["path"], plugin.converter)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(meta, method.lower(), parameters, rule.endpoint,
                                                                    idempotent)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _at_least_one_field(document)
    _no_null_in_queries(document)
    _forms_without_null(document)
    return document
