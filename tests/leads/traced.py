"""A real PostgreSQL connection whose protocol messages are traced by libpq,
handed to the service as its pool (``Db(TracedConnection(...))``), to see
what a call sends: statements, transactions, round trips."""

import contextlib

import psycopg
from psycopg import pq
from psycopg.rows import dict_row


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


def round_trips(messages):
    """Each time the client waits for the server: a query ends (ReadyForQuery)
    or a COPY starts (CopyInResponse)."""
    return sum(1 for direction, kind, _ in messages if direction == "B" and kind in ("ReadyForQuery", "CopyInResponse"))


def statements(messages):
    return [text for direction, kind, text in messages if direction == "F" and kind in ("Query", "Parse")]
