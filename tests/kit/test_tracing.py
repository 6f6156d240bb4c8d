"""Tracing: W3C trace context and the correlation id travel from an RPC caller
through the worker and its outbox event to the event's consumer."""

import uuid

import pytest
from nameko.exceptions import RemoteError
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from tests.kit.conftest import unique, wait_for
from tests.kit.sample_service import KitConsumer, KitSample


def new_trace():
    trace_id, parent_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    return trace_id, parent_id, f"00-{trace_id}-{parent_id}-01"


def spans_named(exporter, name, trace_id):
    return [span for span in exporter.get_finished_spans()
            if span.name == name and span.context.trace_id == int(trace_id, 16)]


def parse_traceparent(value):
    version, trace_id, span_id, flags = value.split("-")
    return trace_id, span_id


def test_one_trace_from_caller_to_consumer(start_service, rpc_proxy, event_tap, span_exporter):
    tap = event_tap()
    start_service(KitConsumer)
    start_service(KitSample)
    trace_id, parent_id, traceparent = new_trace()
    body = unique("traced")

    with rpc_proxy(context_data={"traceparent": traceparent, "correlation_id": "c-1"}) as cluster:
        cluster.kitsample.write_note(body)

    # the server span continues the caller's trace
    [server] = wait_for(lambda: spans_named(span_exporter, "kitsample.write_note", trace_id))
    assert server.kind == SpanKind.SERVER
    assert server.parent is not None and server.parent.is_remote
    assert f"{server.parent.span_id:016x}" == parent_id
    assert server.attributes["rpc.system"] == "nameko"

    # the event carries the worker's span, not the caller's, and the correlation id
    [message] = tap.wait_notes([body])
    assert parse_traceparent(message.headers["nameko.traceparent"]) == (trace_id, f"{server.context.span_id:016x}")
    assert message.headers["nameko.correlation_id"] == "c-1"
    assert message.envelope["correlation_id"] == "c-1"

    # the consumer's span is a child of the worker's span, in the same trace
    [consumer] = wait_for(lambda: spans_named(span_exporter, "kitconsumer.on_note_written", trace_id))
    assert consumer.kind == SpanKind.CONSUMER
    assert consumer.parent.span_id == server.context.span_id
    assert consumer.attributes["messaging.system"] == "rabbitmq"


def test_a_call_without_context_starts_a_trace_and_a_correlation_id(start_service, rpc_proxy, event_tap):
    tap = event_tap()
    start_service(KitSample)
    body = unique("untraced")

    with rpc_proxy() as cluster:
        cluster.kitsample.write_note(body)

    [message] = tap.wait_notes([body])
    trace_id, span_id = parse_traceparent(message.headers["nameko.traceparent"])
    assert int(trace_id, 16) != 0 and int(span_id, 16) != 0
    correlation_id = message.envelope["correlation_id"]
    assert correlation_id and message.headers["nameko.correlation_id"] == correlation_id


def test_a_failing_worker_marks_its_span_as_an_error(start_service, rpc_proxy, span_exporter):
    start_service(KitSample, OUTBOX_RELAY=False)
    trace_id, _, traceparent = new_trace()

    with rpc_proxy(context_data={"traceparent": traceparent}) as cluster:
        with pytest.raises(RemoteError):
            cluster.kitsample.write_note(unique(), fail_after_write=True)

    [span] = wait_for(lambda: spans_named(span_exporter, "kitsample.write_note", trace_id))
    assert span.status.status_code == StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]


def test_spans_are_recorded_only_when_something_takes_them():
    from opentelemetry.sdk.trace import TracerProvider

    from shared.kit.tracing import RecordWhenTaken

    sampler = RecordWhenTaken()
    tracer = TracerProvider(sampler=sampler).get_tracer("tests")
    parent = tracer.start_span("request")
    assert not parent.is_recording()  # cheap: nothing would read it
    context = parent.get_span_context()
    assert context.trace_id != 0 and context.span_id != 0 and not context.trace_flags.sampled
    child = tracer.start_span("call", context=trace.set_span_in_context(parent))
    assert child.get_span_context().trace_id == context.trace_id  # the trace still travels
    sampler.recording = True
    assert tracer.start_span("recorded").is_recording()
