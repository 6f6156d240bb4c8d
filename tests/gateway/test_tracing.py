"""A SERVER span per request, child of the caller's traceparent, and the
correlation id in X-Request-ID."""

from opentelemetry.trace import SpanKind

from shared.kit.context import current_correlation_id
from tests.gateway.conftest import bearer

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"


def test_request_span_continues_the_callers_trace(spans, client, tokens, fake_rpc):
    seen = {}

    def get_lead(lead_id):
        seen["correlation_id"] = current_correlation_id()
        return {"id": lead_id, "version": 2}

    fake_rpc.answers[("leads", "get_lead")] = get_lead
    response = client.get(f"/api/v1/leads/{LEAD_ID}", headers={
        **bearer(tokens["readonly"]), "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "X-Request-ID": "req-42"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-42" and seen["correlation_id"] == "req-42"
    assert response.headers["ETag"] == '"2"'
    mine = [span for span in spans.get_finished_spans() if format(span.context.trace_id, "032x") == TRACE_ID]
    assert len(mine) == 1
    span = mine[0]
    assert span.kind == SpanKind.SERVER
    assert format(span.parent.span_id, "016x") == PARENT_ID
    assert span.name == "GET /api/v1/leads/<uuid:lead_id>"
    assert span.attributes["http.response.status_code"] == 200


def test_errors_are_traced_too(spans, client):
    trace_id = "5bf92f3577b34da6a3ce929d0e0e4737"
    response = client.get("/api/v1/leads", headers={"traceparent": f"00-{trace_id}-{PARENT_ID}-01"})
    assert response.status_code == 401
    mine = [span for span in spans.get_finished_spans() if format(span.context.trace_id, "032x") == trace_id]
    assert [span.attributes["http.response.status_code"] for span in mine] == [401]
    assert current_correlation_id() is None  # nothing leaks past the request
