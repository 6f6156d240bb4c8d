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
import logging

import eventlet.patcher
import psycopg
import psycopg.waiting
from nameko.extensions import DependencyProvider
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps
from psycopg_pool import ConnectionPool, PoolTimeout

from shared.kit import answers
from shared.kit.inbox_store import claim
from shared.kit.jsonio import dumps_bytes
from shared.kit.locks import advisory_lock
from shared.schemas.errors import Conflict, Unavailable

__all__ = ["Database", "Db", "advisory_lock", "cooperative_waits", "make_pool", "pool_from_config"]
log = logging.getLogger(__name__)

set_json_dumps(dumps_bytes)


def cooperative_waits():
    """Make psycopg wait through ``select`` when eventlet has patched it
    (cooperative); returns whether it did."""
    import eventlet.patcher

    if eventlet.patcher.is_monkey_patched("select"):
        psycopg.waiting.wait = psycopg.waiting.wait_select
        return True
    return False


_REAL_SELECT = eventlet.patcher.original("select")  # poll() has no limit on descriptor numbers


def _discard_if_closed(conn):
    """psycopg_pool's check on a connection handed out: an idle connection has
    nothing to read, so a readable socket means the server closed it (a
    restart, or its backend was terminated).  One poll, no round trip; the
    pool then opens a fresh connection instead of failing the request."""
    poller = _REAL_SELECT.poll()  # never waits (timeout 0): the real one, even under eventlet
    poller.register(conn.pgconn.socket, _REAL_SELECT.POLLIN | _REAL_SELECT.POLLERR | _REAL_SELECT.POLLHUP)
    if poller.poll(0):
        conn.close()  # so that the pool drops it rather than taking it back
        raise psycopg.OperationalError("the server closed this idle connection")


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
        check=_discard_if_closed,
    )


def pool_from_config(config, name=None):
    pool = make_pool(
        config["DATABASE_URL"],
        config["DB_SCHEMA"],
        min_size=int(config.get("DB_POOL_MIN", 1)),
        max_size=int(config.get("DB_POOL_MAX", 10)),
        name=name,
        open=False,
        autocommit=True,
    )
    pool.timeout = float(config.get("DB_WAIT_SECONDS", 10))
    return pool


def database_unavailable():
    return Unavailable("The database cannot be reached right now, so nothing was done; try again shortly.",
                       service="database", retry=True)


@contextlib.contextmanager
def _database_errors():
    """A lost connection or an unreachable database is a 503 to retry (not a
    crash); a deadlock or serialisation failure a 409 to retry."""
    try:
        yield
    except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
        raise Conflict("A concurrent change to the same records got in the way, so nothing was saved; "
                       "retry the request.", retry=True) from None
    except (psycopg.OperationalError, PoolTimeout) as exc:
        if isinstance(exc, psycopg.errors.QueryCanceled) or not _lost(exc):
            raise
        log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        raise database_unavailable() from None


def _lost(exc):
    """Whether an OperationalError means the database is out of reach (as
    opposed to, say, a lock timeout)."""
    if isinstance(exc, PoolTimeout | psycopg.errors.AdminShutdown | psycopg.errors.CannotConnectNow
                  | psycopg.errors.CrashShutdown):
        return True
    return type(exc) is psycopg.OperationalError  # connection failed, or closed under us


class Db:
    """What a worker sees: short transactions borrowed from the pool.

    ``answer_key``: the idempotency key of the RPC being handled (None for
    most).  With one, the worker's transaction does not commit when its block
    ends: :func:`shared.kit.entrypoints.rpc` calls ``settle`` with the
    method's result, which records it as the answer and commits both
    together, before the reply goes out; a repeat of the request finds the
    answer (``shared.kit.answers``) and is answered without running again.  A
    method that writes in several transactions must make the earlier ones
    idempotent on their own: only the last carries the answer."""

    def __init__(self, pool, consumer=None, answer_key=None):
        self.pool = pool
        self.consumer = consumer
        self.answer_key = answer_key
        self._pending = None  # (connection context, transaction context) of a keyed block
        self._looked_up = False

    @contextlib.contextmanager
    def transaction(self):
        """One transaction: commits when the block ends, rolls back on error.

        When PostgreSQL aborts it to break a deadlock (or a serialisation
        conflict) with a concurrent transaction, nothing was saved and the
        caller gets a Conflict (409) that says to retry, not a server error;
        when the database cannot be reached, an Unavailable (503)."""
        if self.answer_key is not None:
            with self._keyed_transaction() as conn:
                yield conn
            return
        with _database_errors(), self.pool.connection() as conn, conn.transaction():
            yield conn

    @contextlib.contextmanager
    def _keyed_transaction(self):
        self._commit_pending()  # an earlier block's writes become visible to this one
        with _database_errors():
            connection_cm = self.pool.connection()
            conn = connection_cm.__enter__()
            transaction_cm = conn.transaction()
            entered = False
            try:
                transaction_cm.__enter__()
                entered = True
                answers.claim(conn, self.answer_key)
            except BaseException as exc:
                if entered:
                    _exit(transaction_cm, exc)
                _exit(connection_cm, exc)
                raise
        try:
            yield conn
        except BaseException as exc:
            with _database_errors():
                _exit(transaction_cm, exc)
                _exit(connection_cm, exc)
                raise  # a lost database or a deadlock becomes Unavailable or Conflict here too
        self._pending = (connection_cm, transaction_cm, conn)

    def _commit_pending(self, answer=None, record=False):
        if self._pending is None:
            return
        connection_cm, transaction_cm, conn = self._pending
        self._pending = None
        with _database_errors():
            try:
                if record:
                    answers.record(conn, self.answer_key, self.consumer, answer)
            except BaseException as exc:
                _exit(transaction_cm, exc)
                _exit(connection_cm, exc)
                raise
            _exit(transaction_cm, None)
            _exit(connection_cm, None)

    def settle(self, result, failed=False):
        """The RPC method returned ``result`` (or raised, ``failed``): commit
        its last keyed transaction, with the answer when it succeeded."""
        self._commit_pending(result, record=not failed)

    @contextlib.contextmanager
    def read(self):
        """A connection for reads outside a transaction: each statement sees
        the latest committed data (use ``transaction()`` when several reads
        must agree with each other, or for any write).

        For a keyed RPC the first read looks for a recorded answer first: a
        repeat is answered before anything else runs (its own look-ups
        would see the first call's writes, say a "duplicate" of the lead it
        made).  Writes go through ``transaction()``, which records the answer."""
        with _database_errors(), self.pool.connection() as conn:
            if self.answer_key is not None and not self._looked_up:
                self._looked_up = True
                answers.look_up(conn, self.answer_key)
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


def _exit(context_manager, exc):
    if exc is None:
        context_manager.__exit__(None, None, None)
    else:
        context_manager.__exit__(type(exc), exc, exc.__traceback__)


# The context-data key (header ``nameko.idempotency_key``) of an RPC whose
# answer is recorded.
ANSWER_KEY_HEADER = "idempotency_key"


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
        consumer = f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}"
        return Db(self.pool, consumer, worker_ctx.data.get(ANSWER_KEY_HEADER))
