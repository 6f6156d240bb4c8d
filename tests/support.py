"""Helpers shared by the test packages."""

import time

import psycopg
from psycopg.rows import dict_row


def wait_for(predicate, timeout=10, interval=0.05, message=None):
    """Poll ``predicate`` until it returns something truthy (returned); fail
    at the deadline.  Never a fixed sleep as an assertion."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


class SchemaDb:
    """Direct SQL on one schema of the test database, outside the services."""

    def __init__(self, database_url, schema):
        self.conn = psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                                    options=f"-c search_path={schema},public")

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql, params=()):
        return next(iter(self.one(sql, params).values()))

    def close(self):
        self.conn.close()


def free_port():
    """A TCP port nothing listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
