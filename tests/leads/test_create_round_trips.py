"""What creating one lead sends to PostgreSQL, read from libpq's protocol
trace of a real connection: one look-up outside any transaction, then one
short transaction of single-row statements (COPY is for batches)."""

import contextlib
import tempfile

import psycopg
import pytest
from nameko.testing.services import worker_factory
from psycopg import pq
from psycopg.rows import dict_row

from services.leads.service import LeadsService
from shared.kit.db import Db
from shared.schemas.errors import DuplicateFound
from tests.leads.conftest import person


class TracedConnection:
    """A pool of one real connection whose protocol messages are traced."""

    def __init__(self, database_url, trace_file):
        self.conn = psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                                    options="-c search_path=leads,public")
        self.file = trace_file
        self.conn.pgconn.trace(self.file.fileno())
        self.conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    @contextlib.contextmanager
    def connection(self):
        yield self.conn

    def clear(self):
        self.file.seek(0)
        self.file.truncate()

    def messages(self):
        """(direction, message type, text) of everything sent and received since ``clear``."""
        self.file.seek(0)
        lines = [line.split("\t") for line in self.file.read().splitlines()]
        return [(parts[0], parts[2], parts[3] if len(parts) > 3 else "") for parts in lines]

    def close(self):
        self.conn.pgconn.untrace()
        self.conn.close()


@pytest.fixture
def traced(leads_database_url, leads_migrated):
    with tempfile.TemporaryFile("w+") as trace_file:
        pool = TracedConnection(leads_database_url, trace_file)
        yield pool
        pool.close()


@pytest.fixture
def service(traced, leads_config):
    return worker_factory(LeadsService, db=Db(traced), config=dict(leads_config))


def round_trips(messages):
    """Each time the client waits for the server: a query ends (ReadyForQuery)
    or a COPY starts (CopyInResponse)."""
    return sum(1 for direction, kind, _ in messages if direction == "B" and kind in ("ReadyForQuery", "CopyInResponse"))


def statements(messages):
    return [text for direction, kind, text in messages if direction == "F" and kind in ("Query", "Parse")]


def test_one_lead_is_one_look_up_and_one_short_transaction(service, traced):
    service.create_lead(person(owner="olga"), "tester")  # the first one compiles the rules
    traced.clear()

    lead = service.create_lead(person(owner="olga"), "tester")

    messages = traced.messages()
    sent = statements(messages)
    assert not any("COPY" in text for text in sent), sent
    assert '"BEGIN"' in sent[1] and '"COMMIT"' in sent[-1], sent  # one look-up first, outside the transaction
    assert sum('"BEGIN"' in text for text in sent) == 1, sent
    assert round_trips(messages) <= 5, sent
    assert lead["owner"] == "olga" and lead["status"] == "new"


def test_a_duplicate_is_found_by_the_look_up_and_writes_nothing(service, traced):
    lead = service.create_lead(person(), "tester")
    traced.clear()

    with pytest.raises(DuplicateFound) as raised:
        service.create_lead(person(email=lead["email"].upper()), "tester")

    assert raised.value.extra["existing_id"] == lead["id"]
    sent = statements(traced.messages())
    assert len(sent) == 1 and "SELECT" in sent[0], sent
