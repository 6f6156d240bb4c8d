"""Lead conversion when sales does not answer: the call is bounded by
``RPC_TIMEOUT_SECONDS`` and ends in Unavailable (503) saying that retrying is
safe; the lead is left as it was, and the retry converts it."""

import contextlib

import amqp.exceptions
import pytest
from kombu import Connection

from services.leads.service import LeadsService
from shared.kit.testing import start_container
from shared.schemas.errors import Unavailable
from tests.leads import conversion_stub
from tests.leads.conftest import person

TIMEOUT_SECONDS = 1

stub_sales = conversion_stub.stub_sales  # the stand-in sales service (fixture)
sales_stub = conversion_stub.sales_stub  # its behaviour, reset for each test (fixture)


@pytest.fixture(scope="module")
def service(leads_config, db):
    """The leads service with a short timeout for its calls to sales."""
    config = {**leads_config, "RPC_TIMEOUT_SECONDS": TIMEOUT_SECONDS}
    container = start_container(LeadsService, config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


def purge_sales_requests(amqp_uri):
    with Connection(amqp_uri) as connection:
        with contextlib.suppress(amqp.exceptions.NotFound):
            connection.channel().queue_purge("rpc-sales")


def qualified(leads):
    lead = leads.create_lead(person(), "tester")
    return leads.update_lead(lead["id"], {"status": "qualified"}, "tester")


def test_sales_not_running_is_unavailable(leads, db, amqp_uri):
    # Before the stand-in starts (it is module-scoped): nobody answers,
    # whether or not the sales request queue exists.
    lead = qualified(leads)
    try:
        with pytest.raises(Unavailable, match="Retrying is safe"):
            leads.convert_lead(lead["id"], {}, "closer")
        assert leads.get_lead(lead["id"]) == lead
    finally:
        purge_sales_requests(amqp_uri)  # the request would wait for the next sales service


def test_sales_not_answering_in_time_is_unavailable_and_a_retry_converts(leads, sales_stub, db):
    lead = qualified(leads)

    with sales_stub.held():
        with pytest.raises(Unavailable) as raised:
            leads.convert_lead(lead["id"], {}, "closer")

    error = raised.value
    assert error.status == 503
    assert f"did not answer within {TIMEOUT_SECONDS} s" in error.detail
    assert "Retrying is safe" in error.detail
    assert error.extra == {"service": "sales"}
    assert leads.get_lead(lead["id"]) == lead
    assert db.outbox_rows([lead["id"]], "lead.converted") == []

    result = leads.convert_lead(lead["id"], {}, "closer")
    assert result["lead"]["status"] == "converted"
    assert result["account_id"] == sales_stub.records[lead["id"]]["account_id"]
