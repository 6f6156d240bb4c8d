"""What tests need of the runtime, so that tests too stay clear of nameko and
eventlet (the runtime can then be replaced one service at a time, tests
included):

- ``start_container(ServiceClass, config)``: the service running in this
  process (call ``.kill()`` or ``.stop()`` when done);
- ``RpcCluster(config, timeout=30)``: a client for tests, used as
  ``with RpcCluster(config) as cluster: cluster.leads.create_lead(...)``, or
  started and stopped by hand (``cluster = proxy.start()`` ... ``proxy.stop()``),
  one per concurrent caller;
- ``get_dependency(container, DependencyClass)``: a service's dependency
  provider (its pool, its relay);
- ``worker_factory(ServiceClass, **dependencies)``: the service's methods as
  plain calls with the given dependencies (unit tests of entrypoints);
- ``over_rpc(exc)``: an exception as an RPC caller would receive it;
- ``Event``, ``GreenPool``, ``sleep``, ``spawn``: cooperative concurrency in
  tests (the test process is monkey patched, as a service is).
"""

import eventlet
import eventlet.event
from nameko.containers import get_container_cls
from nameko.exceptions import deserialize, serialize
from nameko.testing.services import worker_factory
from nameko.testing.utils import get_extension

from shared.kit.rpc_client import RemoteError, RpcClient, RpcUnavailable

__all__ = ["Event", "GreenPool", "RemoteError", "RpcCluster", "RpcUnavailable", "get_dependency", "over_rpc", "sleep",
           "spawn", "start_container", "worker_factory"]

Event = eventlet.event.Event
GreenPool = eventlet.GreenPool
sleep = eventlet.sleep
spawn = eventlet.spawn


def start_container(service_cls, config):
    container = get_container_cls(config)(service_cls, dict(config))
    container.start()
    return container


def over_rpc(exc):
    """``exc`` serialised and read back, as the caller of an RPC gets it."""
    return deserialize(serialize(exc))


def get_dependency(container, dependency_cls):
    return get_extension(container, dependency_cls)


class RpcCluster:
    """A started RPC client with attribute access per service."""

    def __init__(self, config, timeout=30, context_data=None):
        """``context_data``: sent with every call (a correlation id, an
        idempotency key), as a gateway would."""
        self.config = config
        self.timeout = timeout
        self.context = dict(context_data) if context_data else None
        self.client = None

    def start(self):
        self.client = RpcClient(self.config["AMQP_URI"], timeout=self.timeout, size=4, name="crm-tests")
        return self

    def stop(self):
        if self.client is not None:
            self.client.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __getattr__(self, service):
        if service.startswith("_") or service in ("client", "config", "timeout", "context"):
            raise AttributeError(service)
        return _Service(self, service)

    def __getitem__(self, service):
        return _Service(self, service)


class _Service:
    def __init__(self, cluster, name):
        self._cluster, self._name = cluster, name

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        cluster = self._cluster

        def call(*args, **kwargs):
            return cluster.client.call(self._name, method, *args, context=cluster.context, **kwargs)

        return call
