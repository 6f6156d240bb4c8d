"""OpenTelemetry tracing across RPC and events.

Every entrypoint runs in a span whose parent comes from the W3C trace context
in nameko's context data; the span's own context is written back into the
worker's context data, so RPC calls made by the worker and events it writes to
the outbox carry it.  The exporter follows the standard variables:
``OTEL_TRACES_EXPORTER`` (``none`` by default, ``console``, ``otlp``),
``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``.
"""

import os

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared.kit.context import CORRELATION_KEY, new_correlation_id, outgoing_headers, with_correlation_id


def _exporters(names):
    for name in (part.strip() for part in names.split(",")):
        if name == "console":
            yield ConsoleSpanExporter()
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            yield OTLPSpanExporter()
        elif name not in ("", "none"):
            raise ValueError(f"OTEL_TRACES_EXPORTER={name!r} is not supported (use none, console or otlp)")


class RecordWhenTaken(Sampler):
    """Spans are recorded only when something takes them (an exporter, or a
    processor added later, as tests do).  Otherwise every span is a
    non-recording one: the trace context still travels with each call and
    event (the same trace id, the sampled flag off), at a fraction of the
    cost of building spans nobody reads."""

    def __init__(self):
        self.recording = False

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None,
                      trace_state=None):
        if self.recording:
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return SamplingResult(Decision.DROP)

    def get_description(self):
        return "RecordWhenTaken"


def setup_tracing(service_name, extra_processor=None):
    """Install the SDK tracer provider once per process; returns it."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        sampler = RecordWhenTaken()
        provider = TracerProvider(
            resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)}),
            sampler=sampler,
        )
        for exporter in _exporters(os.environ.get("OTEL_TRACES_EXPORTER", "none")):
            provider.add_span_processor(BatchSpanProcessor(exporter))
            sampler.recording = True
        trace.set_tracer_provider(provider)
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
        if isinstance(provider.sampler, RecordWhenTaken):
            provider.sampler.recording = True
    return provider


def start_span_from_headers(tracer, name, headers, kind, attributes=None):
    """Start a span whose parent is the trace context in ``headers``; returns
    (span, context with span and correlation id)."""
    parent = propagate.extract(headers)
    span = tracer.start_span(name, context=parent, kind=kind, attributes=attributes or {})
    ctx = trace.set_span_in_context(span, parent)
    return span, with_correlation_id(headers.get(CORRELATION_KEY) or new_correlation_id(), ctx)


class Tracing(DependencyProvider):
    """Add to every service: ``tracing = Tracing()``."""

    def setup(self):
        setup_tracing(self.container.service_name)
        self.tracer = trace.get_tracer(f"crm.{self.container.service_name}")
        self.active = {}

    def worker_setup(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        if isinstance(entrypoint, EventHandler):
            kind, attributes = SpanKind.CONSUMER, {"messaging.system": "rabbitmq"}
        else:
            kind, attributes = SpanKind.SERVER, {"rpc.system": "nameko"}
        attributes["crm.call_id"] = worker_ctx.call_id
        span, ctx = start_span_from_headers(
            self.tracer, f"{worker_ctx.service_name}.{entrypoint.method_name}", worker_ctx.data, kind, attributes
        )
        token = otel_context.attach(ctx)
        worker_ctx.data.update(outgoing_headers())
        self.active[worker_ctx] = (span, token)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        span, _ = self.active.get(worker_ctx, (None, None))
        if span is not None and exc_info is not None:
            span.record_exception(exc_info[1])
            span.set_status(Status(StatusCode.ERROR, type(exc_info[1]).__name__))

    def worker_teardown(self, worker_ctx):
        span, token = self.active.pop(worker_ctx, (None, None))
        if span is not None:
            otel_context.detach(token)
            span.end()
