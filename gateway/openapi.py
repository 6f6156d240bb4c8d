"""The OpenAPI document, built with apispec from the same marshmallow schemas
that validate the requests.

Each view says what it takes and gives with ``@operation(...)``; the builder
walks the app's URL map, so a route cannot exist undocumented (a test checks
that every route has an operation).  ``build_spec(app)`` gives OpenAPI 3.1.
"""

import http
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.schemas.common import ProblemSchema

API_TITLE = "CRM suite API"
API_VERSION = "1.0.0"
DESCRIPTION = """\
The REST API of the CRM suite.

Authenticate with `Authorization: Bearer <token>`: `POST /api/v1/auth/login` exchanges a
username and password for a token, and `POST /api/v1/tokens` creates long-lived tokens for
client apps. Errors are RFC 9457 problem documents (`application/problem+json`) with a
per-field `errors` map on 400 and 422. `POST` requests honour an `Idempotency-Key` header
(the first answer is replayed for 24 hours). Lists are cursor-paginated: pass a page's
`next_cursor` as `cursor`. Every answer carries `X-Request-ID` (send your own to correlate).
"""
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def operation(summary, *, tags, body=None, query=None, response=None, status=200, content=None, headers=None,
              problems=(), description=None, public=False, request_headers=(), media_type="application/json"):
    """Describe a view: ``body`` (JSON request schema), ``query`` (query
    string schema), ``response`` (schema of the ``status`` answer),
    ``content`` (other request media types), ``problems`` (extra statuses)."""

    def mark(view):
        view.crm_openapi = {
            "summary": summary, "tags": tags, "body": body, "query": query, "response": response, "status": status,
            "content": content, "headers": headers or {}, "problems": tuple(problems), "description": description,
            "public": public, "request_headers": tuple(request_headers), "media_type": media_type,
        }
        return view

    return mark


def undocumented(view):
    """A route left out of the document on purpose (static files)."""
    view.crm_undocumented = True
    return view


def _path(rule):
    """Flask rule -> (OpenAPI path, path parameters)."""
    parameters = []

    def replace(match):
        name = match.group("name")
        schema = {"type": "string", "format": "uuid"} if match.group("converter") == "uuid" else {"type": "string"}
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER.sub(replace, rule.rule), parameters


def _problem(status):
    return {"description": http.HTTPStatus(status).phrase,
            "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


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
    if meta["body"] is not None or meta["content"]:
        content = dict(meta["content"] or {})
        if meta["body"] is not None:
            content["application/json"] = {"schema": meta["body"]}
        op["requestBody"] = {"required": True, "content": content}
    ok = {"description": http.HTTPStatus(meta["status"]).phrase}
    if meta["response"] is not None:
        ok["content"] = {meta["media_type"]: {"schema": meta["response"]}}
    if meta["headers"]:
        ok["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                         for name, text in meta["headers"].items()}
    statuses = set(meta["problems"]) | {500, 503}
    if protected:
        statuses |= {401, 403}
    if path_parameters:
        statuses.add(404)
    if meta["body"] is not None or meta["content"]:
        statuses |= {400, 413, 415, 422}
    if meta["query"] is not None:
        statuses.add(422)
    if method == "post" and idempotent:
        statuses |= {409, 422}
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
    op["security"] = [{"bearer": []}] if protected else []
    return op


def build_spec(app, openapi_version="3.1.0"):
    spec = APISpec(
        title=API_TITLE, version=API_VERSION, openapi_version=openapi_version,
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION, "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
              if openapi_version.startswith("3.1") else {"name": "Apache-2.0"}},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "An API token (crm_...) from POST /api/v1/auth/login or POST /api/v1/tokens.",
    })
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.parameter("Idempotency-Key", "header", {
        "description": "Makes a POST safe to retry: the first answer is replayed for 24 hours.",
        "schema": {"type": "string", "maxLength": 255},
    })
    spec.components.parameter("X-Request-ID", "header", {
        "description": "Correlation id; echoed back, and a new one is made when absent.",
        "schema": {"type": "string", "maxLength": 128},
    })
    spec.components.parameter("If-Match", "header", {
        "description": "The ETag (the resource's version) of the GET this change is based on; 412 when it moved on.",
        "schema": {"type": "string"},
    })
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda item: item.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "crm_openapi", None)
        if meta is None:
            continue
        idempotent = not meta["public"] and not getattr(view, "crm_not_idempotent", False)
        path, parameters = _path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(meta, method.lower(), parameters, rule.endpoint,
                                                                    idempotent)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
