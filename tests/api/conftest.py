"""Fixtures of the API contract tests: the whole suite live (see stack.py)."""

import pytest

from tests.api.stack import live_stack, own_vhost
from tests.conftest import AMQP_BASE


@pytest.fixture(scope="module")
def stack(rabbit_admin, database_url, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("api-stack")
    with own_vhost(rabbit_admin, AMQP_BASE) as amqp_uri, \
            live_stack(database_url, amqp_uri, log_dir, LOGIN_RATE_LIMIT="100000",
                       WEB_FORM_RATE_LIMIT="100000", KB_VOTE_RATE_LIMIT="100000", RPC_TIMEOUT="20") as running:
        yield running
