"""PostgreSQL access: one psycopg_pool pool per process, schema-scoped.

psycopg 3 only detects gevent; under eventlet its default wait function
blocks the whole hub, so concurrent workers would run their queries one after
another.  Importing this module switches psycopg to ``wait_select``, which
eventlet's monkey patching makes cooperative.
"""

import contextlib
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import orjson
import psycopg
import psycopg.waiting
from nameko.extensions import DependencyProvider
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps
from psycopg_pool import ConnectionPool

from shared.kit.inbox_store import claim
from shared.schemas.errors import Conflict

psycopg.waiting.wait = psycopg.waiting.wait_select
set_json_dumps(orjson.dumps)


def advisory_lock(conn, key, shared=False):
    """Take the transaction-scoped advisory lock named ``key`` (released at
    commit or rollback); ``shared`` lets holders of the shared lock run
    together while the exclusive one waits for all of them."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(f"SELECT {function}(hashtext(%s))", (key,))


def make_pool(database_url, schema, min_size=1, max_size=10, name=None, open=True):
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
            with self.pool.connection() as conn:
                yield conn
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            raise Conflict("A concurrent change to the same records got in the way, so nothing was saved; "
                           "retry the request.", retry=True) from None

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
        with self.pool.connection() as conn:
            return conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1


class Database(DependencyProvider):
    """nameko dependency: ``with self.db.transaction() as conn: ...``.

    The pool opens when the container starts and closes when it stops.
    """

    def setup(self):
        self.pool = pool_from_config(self.container.config, self.container.service_name)

    def start(self):
        self.pool.open(wait=True, timeout=30)

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close(timeout=0)

    def get_dependency(self, worker_ctx):
        return Db(self.pool, f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}")
