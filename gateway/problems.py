"""RFC 9457 problem details: every error the gateway answers is
``application/problem+json`` with type, title, status, detail, instance, and
``errors`` per field on 400/422.

Sources of errors and their statuses:

- ``HttpProblem``: raised by the gateway itself (auth, bodies, rate limits);
- ``CrmError`` subclasses from the services (their ``.status``/``.to_problem()``);
- marshmallow ``ValidationError`` (422 with ``errors``);
- werkzeug HTTP exceptions (404 unknown route, 405, 413, ...);
- RPC trouble (``RpcUnavailable`` -> 503 with Retry-After, ``RemoteError`` -> 502);
- the gateway's own database down (connection errors, pool timeouts) -> 503;
- anything else: 500, logged with the correlation id, nothing leaked.
"""

import http
import logging
import re

import psycopg
from flask import Response, has_request_context, json, request
from marshmallow import ValidationError
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from gateway.rpc import RemoteError, RpcUnavailable
from shared.kit.context import current_correlation_id
from shared.schemas.errors import CrmError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
RESERVED = ("type", "title", "status", "detail", "instance", "errors")


def _slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def status_title(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class HttpProblem(Exception):
    """An error the gateway answers directly."""

    def __init__(self, status, detail=None, title=None, errors=None, headers=None, type_=None, **extra):
        super().__init__(detail or title or status_title(status))
        self.status = status
        self.title = title or status_title(status)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.type = type_
        self.extra = extra


def field_errors(messages):
    """marshmallow messages as a per-field map (a list means the whole body)."""
    if isinstance(messages, dict):
        return messages
    return {"_schema": messages if isinstance(messages, list) else [str(messages)]}


def problem_response(status, title=None, detail=None, errors=None, headers=None, type_=None, **extra):
    title = title or status_title(status)
    generic = title == status_title(status)
    body = {
        "type": type_ or ("about:blank" if generic else f"urn:crm:problem:{_slug(title)}"),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if has_request_context():
        body["instance"] = request.path
    if errors:
        body["errors"] = field_errors(errors)
    body.update({key: value for key, value in extra.items() if key not in RESERVED and value is not None})
    correlation_id = current_correlation_id()
    if correlation_id:
        body["correlation_id"] = correlation_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_http_problem(exc):
    return problem_response(exc.status, exc.title, exc.detail, exc.errors, exc.headers, exc.type, **exc.extra)


def _from_crm_error(exc):
    body = exc.to_problem()
    status = int(body.pop("status", exc.status))
    title = body.pop("title", exc.title)
    detail = body.pop("detail", None)
    errors = body.pop("errors", None)
    for key in RESERVED:
        body.pop(key, None)
    headers = {"Retry-After": "5"} if status == 503 else None
    return problem_response(status, title, detail, errors, headers, **body)


def _from_validation_error(exc):
    return problem_response(422, "Validation failed", "Some fields are invalid; see errors.", exc.messages)


WERKZEUG_DETAILS = {
    404: "No such resource. The API lives under /api/v1; see /api/v1/openapi.json.",
    405: "This resource does not accept this method; see the Allow header.",
    413: "The request body is too large.",
}


def _from_http_exception(exc):
    status = exc.code or 500
    headers = {}
    if status == 405:
        allowed = dict(exc.get_headers()).get("Allow")
        if allowed:
            headers["Allow"] = allowed
    detail = exc.description if getattr(exc, "crm_detail", False) else WERKZEUG_DETAILS.get(status, exc.description)
    if status >= 500:
        detail = None
    return problem_response(status, status_title(status), detail, headers=headers)


def _from_rpc_unavailable(exc):
    log.warning("service unavailable: %s", exc.reason)
    return problem_response(
        503, "Service unavailable", exc.detail, headers={"Retry-After": str(exc.retry_after)}
    )


def _from_database_down(exc):
    log.error("the gateway's database is unavailable: %s: %s", type(exc).__name__, exc)
    return problem_response(503, "Service unavailable", "The gateway's database is unavailable; try again shortly.",
                            headers={"Retry-After": "5"})


def _from_remote_error(exc):
    log.error("a service failed: %s: %s", exc.exc_type, exc.value)
    return problem_response(502, "Bad gateway", "A service behind the gateway failed; try again later.")


def _from_unexpected(exc):
    log.exception("unexpected error (correlation id %s)", current_correlation_id())
    return problem_response(
        500, "Internal server error",
        "Something went wrong on our side; quote the correlation_id when reporting it.",
    )


def register_error_handlers(app):
    app.register_error_handler(HttpProblem, _from_http_problem)
    app.register_error_handler(CrmError, _from_crm_error)
    app.register_error_handler(ValidationError, _from_validation_error)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(RpcUnavailable, _from_rpc_unavailable)
    app.register_error_handler(RemoteError, _from_remote_error)
    app.register_error_handler(psycopg.OperationalError, _from_database_down)
    app.register_error_handler(PoolTimeout, _from_database_down)
    app.register_error_handler(Exception, _from_unexpected)
