"""The kit's RPC client (the gateway's), against the real broker and a small
service run in-process."""

import time

import eventlet
import pytest
from nameko.extensions import DependencyProvider
from opentelemetry import context as otel_context
from opentelemetry import trace

from shared.kit.context import with_correlation_id
from shared.kit.entrypoints import rpc
from shared.kit.rpc_client import RemoteError, RpcClient, RpcUnavailable
from shared.kit.tracing import setup_tracing


def wait_for(predicate, timeout=15):
    """The management API lists a new connection after a few seconds."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return result


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.data


class EchoService:
    name = "gwecho"
    data = ContextData()

    @rpc
    def context(self):
        return {key: value for key, value in self.data.items() if not key.startswith("call_id")}

    @rpc
    def sleep(self, seconds):
        eventlet.sleep(seconds)
        return seconds

    @rpc
    def fail(self):
        raise KeyError("a bug")

    @rpc
    def big(self):
        return {"n": 10**40, "when": "2026-12-01T00:00:00+00:00"}


@pytest.fixture
def echo(container_factory, amqp_uri):
    container = container_factory(EchoService, {"AMQP_URI": amqp_uri})
    container.start()
    return container


@pytest.fixture
def make_pool(amqp_uri):
    pools = []

    def make(size=4, timeout=5, **overrides):
        pool = RpcClient(overrides.get("AMQP_URI", amqp_uri), size=size, timeout=timeout)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_connections_are_made_once_and_reused(echo, make_pool):
    pool = make_pool()
    for _ in range(5):
        assert pool.call("gwecho", "sleep", 0) == 0
    assert pool.started == 1
    assert pool.gwecho.sleep(0) == 0
    assert pool["gwecho"].sleep(0) == 0
    assert pool.started == 1


def test_a_remote_failure_and_large_numbers(echo, make_pool):
    pool = make_pool()
    with pytest.raises(RemoteError) as raised:
        pool.call("gwecho", "fail")
    assert raised.value.exc_type == "KeyError"
    assert pool.call("gwecho", "big") == {"n": 10**40, "when": "2026-12-01T00:00:00+00:00"}
    assert pool.started == 1  # a service's error leaves the connection in use


def test_concurrent_callers_share_at_most_size_proxies(echo, make_pool):
    pool = make_pool(size=3)
    started = time.monotonic()
    threads = eventlet.GreenPool(9)
    results = list(threads.imap(lambda _: pool.call("gwecho", "sleep", 0.3), range(9)))
    elapsed = time.monotonic() - started
    assert results == [0.3] * 9
    assert pool.started == 3
    assert elapsed < 9 * 0.3 * 0.6, elapsed  # three at a time, not one


def test_trace_context_and_correlation_id_travel_with_each_call(echo, make_pool):
    setup_tracing("gateway-tests")
    pool = make_pool()
    tracer = trace.get_tracer("tests")
    for correlation_id in ("first-request", "second-request"):
        with tracer.start_as_current_span("http request") as span:
            token = otel_context.attach(with_correlation_id(correlation_id))
            try:
                data = pool.call("gwecho", "context")
            finally:
                otel_context.detach(token)
        trace_id = format(span.get_span_context().trace_id, "032x")
        span_id = format(span.get_span_context().span_id, "016x")
        assert data["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
        assert data["correlation_id"] == correlation_id
    # outside a request, a call carries no stale context
    assert "correlation_id" not in pool.call("gwecho", "context")


def test_a_timeout_is_503_and_a_late_answer_is_ignored(echo, make_pool):
    pool = make_pool(timeout=5, size=1)
    with pytest.raises(RpcUnavailable) as raised:
        pool.call("gwecho", "sleep", 0.5, timeout=0.2)
    assert raised.value.retry_after > 0 and raised.value.ambiguous
    eventlet.sleep(0.5)  # the late answer arrives on the same connection
    assert pool.call("gwecho", "sleep", 0) == 0
    assert pool.call("gwecho", "sleep", 0.01) == 0.01


def test_an_unknown_service_is_503_at_once(make_pool):
    pool = make_pool(timeout=20)
    started = time.monotonic()
    with pytest.raises(RpcUnavailable, match="not running") as raised:
        pool.call("no_such_service", "anything")
    assert time.monotonic() - started < 5  # the broker returned it: no wait for the timeout
    assert not raised.value.ambiguous


def test_an_unreachable_broker_is_503(make_pool):
    pool = make_pool(AMQP_URI="amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(RpcUnavailable, match="broker"):
        pool.call("gwecho", "sleep", 0)
    assert pool.started == 0


def test_a_connection_that_died_is_replaced(echo, make_pool, rabbit_admin, vhost):
    pool = make_pool(size=1)
    assert pool.call("gwecho", "sleep", 0) == 0
    idle = pool._idle.queue[0]
    port = idle.connection.sock.getsockname()[1]
    connection = wait_for(lambda: next((item for item in rabbit_admin.call("GET", f"vhosts/{vhost}/connections")
                                        if item.get("peer_port") == port), None))
    rabbit_admin.call("DELETE", f"connections/{connection['name']}")
    time.sleep(0.5)
    pool.check_after_idle = 0
    assert pool.call("gwecho", "sleep", 0) == 0
    assert pool._idle.queue[0] is not idle
