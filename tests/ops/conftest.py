"""Fixtures of the operations tests: the gateway app on the test database
and the session's vhost, with a stand-in for its RPC pool (the probes and
metrics never need a service)."""

import pytest

from gateway.app import create_app
from tests.gateway.conftest import FakeRpc


@pytest.fixture(scope="session")
def gateway_config(component_config):
    return component_config("gateway")


@pytest.fixture
def make_gateway(gateway_config):
    """``make_gateway(**settings)``: a gateway app with those settings changed; closed afterwards."""
    apps = []

    def make(**overrides):
        app = create_app({**gateway_config, **overrides}, rpc_pool=FakeRpc())
        app.testing = False  # errors go through the handlers, as in production
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["gateway"].close()


@pytest.fixture
def client(make_gateway):
    return make_gateway().test_client()
