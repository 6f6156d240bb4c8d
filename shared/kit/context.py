"""Request context carried through RPC and events: W3C trace context and a
correlation id, both kept in nameko's context data (``nameko.*`` headers)."""

import uuid

from opentelemetry import context as otel_context
from opentelemetry import propagate

CORRELATION_KEY = "correlation_id"
_CORRELATION = otel_context.create_key("crm.correlation_id")


def with_correlation_id(correlation_id, ctx=None):
    return otel_context.set_value(_CORRELATION, correlation_id, ctx)


def current_correlation_id():
    return otel_context.get_value(_CORRELATION)


def outgoing_headers():
    """Context data for a message sent now: trace context of the current span
    plus the correlation id."""
    carrier = {}
    propagate.inject(carrier)
    correlation_id = current_correlation_id()
    if correlation_id:
        carrier[CORRELATION_KEY] = correlation_id
    return carrier


def new_correlation_id():
    return uuid.uuid4().hex
