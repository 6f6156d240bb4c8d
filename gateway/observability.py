"""Per request: a SERVER span whose parent comes from the incoming
``traceparent``, a correlation id (from ``X-Request-ID`` or new) echoed back
in ``X-Request-ID``, and log records that carry it."""

import logging
import re
import sys

from flask import Flask, g, request
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared.kit.context import CORRELATION_KEY, current_correlation_id
from shared.kit.tracing import setup_tracing, start_span_from_headers

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


class CorrelationFilter(logging.Filter):
    def filter(self, record):
        record.correlation_id = current_correlation_id() or "-"
        return True


def configure_logging(level):
    """Log the gateway's records to stdout with the correlation id (once per process)."""
    logger = logging.getLogger("gateway")
    logger.setLevel(str(level).upper())
    if not any(getattr(handler, "crm_gateway", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.crm_gateway = True
        handler.addFilter(CorrelationFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


def make_tracer(service_name):
    setup_tracing(service_name)
    return trace.get_tracer("crm.gateway")


def _incoming_carrier():
    carrier = {name: request.headers[name] for name in ("traceparent", "tracestate") if name in request.headers}
    request_id = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.match(request_id):
        carrier[CORRELATION_KEY] = request_id
    return carrier


def start_request_span(tracer):
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    span, ctx = start_span_from_headers(
        tracer, f"{request.method} {route}", _incoming_carrier(), SpanKind.SERVER,
        {"http.request.method": request.method, "http.route": route, "url.path": request.path,
         "client.address": request.remote_addr or ""},
    )
    g.crm_span = span
    g.crm_context_token = otel_context.attach(ctx)


def finish_response(response):
    correlation_id = current_correlation_id()
    if correlation_id:
        response.headers[REQUEST_ID_HEADER] = correlation_id
    span = g.get("crm_span")
    if span is not None:
        span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 500:
            span.set_status(Status(StatusCode.ERROR))
    return response


def end_request_span(exc=None):
    span = g.pop("crm_span", None)
    token = g.pop("crm_context_token", None)
    if span is not None:
        if exc is not None:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        span.end()
    if token is not None:
        otel_context.detach(token)


def install(app: Flask, tracer):
    app.before_request(lambda: start_request_span(tracer))
    app.after_request(finish_response)
    app.teardown_request(end_request_span)
