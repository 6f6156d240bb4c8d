"""PostgreSQL access: one psycopg_pool pool per process, schema-scoped.

A service's pool hands out autocommit connections: ``Db.read()`` runs single
reads without a transaction around them (one round trip, not three), and
``Db.transaction()`` opens one explicitly.

psycopg 3 only detects gevent; under eventlet its default wait function
blocks the whole hub, so concurrent workers would run their queries one after
another.  ``cooperative_waits()`` switches psycopg to ``wait_select``, which
eventlet's monkey patching makes cooperative; the service runner and the
``Database`` dependency call it, and only when eventlet has patched
``select`` (a process without eventlet, like the gateway, keeps psycopg's
default, which is not limited to descriptors below 1,024).
"""

import contextlib

import psycopg
import psycopg.waiting
from nameko.extensions import DependencyProvider
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps
from psycopg_pool import ConnectionPool

from shared.kit.inbox_store import claim
from shared.kit.jsonio import dumps_bytes
from shared.schemas.errors import Conflict

set_json_dumps(dumps_bytes)


def cooperative_waits():
    """Make psycopg wait through ``select`` when eventlet has patched it
    (cooperative); returns whether it did."""
    import eventlet.patcher

    if eventlet.patcher.is_monkey_patched("select"):
        psycopg.waiting.wait = psycopg.waiting.wait_select
        return True
    return False


def advisory_lock(conn, key, shared=False):
    """Take the transaction-scoped advisory lock named ``key`` (released at
    commit or rollback); ``shared`` lets holders of the shared lock run
    together while the exclusive one waits for all of them."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(f"SELECT {function}(hashtext(%s))", (key,))


def make_pool(database_url, schema, min_size=1, max_size=10, name=None, open=True, autocommit=False):
    """A connection pool whose connections see ``schema`` first and return dict rows."""
    return ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        name=name or schema,
        kwargs={
            "options": f"-c search_path={schema},public",
            "row_factory": dict_row,
            "application_name": f"crm-{name or schema}",
            "autocommit": autocommit,
        },
        open=open,
        timeout=30,
    )


def pool_from_config(config, name=None):
    return make_pool(
        config["DATABASE_URL"],
        config["DB_SCHEMA"],
        min_size=int(config.get("DB_POOL_MIN", 1)),
        max_size=int(config.get("DB_POOL_MAX", 10)),
        name=name,
        open=False,
        autocommit=True,
    )


class Db:
    """What a worker sees: short transactions borrowed from the pool."""

    def __init__(self, pool, consumer=None):
        self.pool = pool
        self.consumer = consumer

    @contextlib.contextmanager
    def transaction(self):
        """One transaction: commits when the block ends, rolls back on error.

        When PostgreSQL aborts it to break a deadlock (or a serialisation
        conflict) with a concurrent transaction, nothing was saved and the
        caller gets a Conflict (409) that says to retry, not a server error."""
        try:
            with self.pool.connection() as conn, conn.transaction():
                yield conn
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            raise Conflict("A concurrent change to the same records got in the way, so nothing was saved; "
                           "retry the request.", retry=True) from None

    @contextlib.contextmanager
    def read(self):
        """A connection for reads outside a transaction: each statement sees
        the latest committed data (use ``transaction()`` when several reads
        must agree with each other, or for any write)."""
        with self.pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def handle_once(self, event):
        """A transaction for handling ``event`` exactly once.

        Yields a connection, or None when this consumer (service.method) has
        handled the event before; the inbox row commits with the handler's
        writes.
        """
        with self.transaction() as conn:
            yield conn if claim(conn, self.consumer, event) else None

    def ping(self):
        with self.read() as conn:
            return conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1


class Database(DependencyProvider):
    """nameko dependency: ``with self.db.transaction() as conn: ...``.

    The pool opens when the container starts and closes when it stops.
    """

    def setup(self):
        cooperative_waits()
        self.pool = pool_from_config(self.container.config, self.container.service_name)

    def start(self):
        self.pool.open(wait=True, timeout=30)

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close(timeout=0)

    def get_dependency(self, worker_ctx):
        return Db(self.pool, f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}")
