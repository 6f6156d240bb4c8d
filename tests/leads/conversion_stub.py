"""A stand-in for the sales service in the leads conversion tests: it
answers ``convert_lead`` like sales does (the same ids on every call for a
lead) and lets a test hold an answer back, or make it fail."""

import contextlib
import uuid

import pytest

from shared.kit.entrypoints import rpc
from shared.kit.testing import Event, start_container
from shared.schemas.errors import ValidationFailed


class Behaviour:
    def __init__(self):
        self.reset()

    def reset(self):
        self.calls = []
        self.records = {}
        self.error = None
        self.gate = None  # an Event the answer waits for
        self.arrived = None  # sent when a call arrives

    def answer(self, lead, options, actor):
        self.calls.append({"lead": lead, "options": options, "actor": actor})
        if self.arrived is not None and not self.arrived.ready():
            self.arrived.send(lead["id"])
        if self.gate is not None:
            self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.records.setdefault(lead["id"], {
            "lead_id": lead["id"], "account_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()),
            "opportunity_id": None if options.get("create_opportunity") is False else str(uuid.uuid4()),
            "account_created": True, "contact_created": False,
        })

    @contextlib.contextmanager
    def held(self):
        """Hold sales' answers back inside the block; yields an Event sent
        when the first call arrives.  Leaving the block releases them."""
        self.gate, self.arrived = Event(), Event()
        try:
            yield self.arrived
        finally:
            gate, self.gate = self.gate, None
            gate.send(True)


STUB = Behaviour()


class StubSales:
    name = "sales"

    @rpc
    def convert_lead(self, lead, options, actor=None):
        return STUB.answer(lead, options, actor)

    @rpc
    def health(self):
        return {"service": "sales", "status": "ok", "database": True}


def account_refused():
    return ValidationFailed("No account with id 1f7d...; create it first.", {"account_id": ["No such account."]})


@pytest.fixture(scope="module")
def stub_sales(leads_config):
    """A started stand-in sales service (module scope); ``STUB`` is reset
    for every test by ``sales_stub``."""
    container = start_container(StubSales, dict(leads_config))
    try:
        yield STUB
    finally:
        container.kill()


@pytest.fixture
def sales_stub(stub_sales):
    STUB.reset()
    yield STUB
    STUB.reset()
