"""Recorded RPC answers: an RPC that carries an idempotency key (the
gateway sends one for a POST with an ``Idempotency-Key`` header) has its
answer stored in the same transaction as its writes, so a repeat (a client
retrying after a timeout that left it unsure) gets the same answer and
nothing is done twice.

The key is locked (a transaction-scoped advisory lock) before it is looked
up, so a repeat that arrives while the first call still runs waits for it
and then finds its answer.
"""

from psycopg.types.json import Jsonb

from shared.kit.locks import advisory_lock


class AnswerReplay(Exception):
    """Raised inside a worker whose request was answered before."""

    def __init__(self, answer):
        super().__init__("answered before")
        self.answer = answer


def claim(conn, key):
    """Lock ``key`` for this transaction; raise AnswerReplay when it was answered."""
    advisory_lock(conn, f"crm-answer:{key}")
    row = conn.execute("SELECT answer FROM rpc_answers WHERE key = %s", (key,)).fetchone()
    if row is not None:
        raise AnswerReplay(row["answer"])


def look_up(conn, key):
    """Raise AnswerReplay when ``key`` was answered (no lock: a call still
    running is found by ``claim`` when the repeat reaches its transaction)."""
    row = conn.execute("SELECT answer FROM rpc_answers WHERE key = %s", (key,)).fetchone()
    if row is not None:
        raise AnswerReplay(row["answer"])


def record(conn, key, method, answer):
    conn.execute("INSERT INTO rpc_answers (key, method, answer) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                 (key, method, Jsonb(answer)))


def purge(conn, hours):
    """Forget answers older than ``hours`` (a retry comes within minutes; the
    gateway keeps an Idempotency-Key for 24 hours)."""
    return conn.execute("DELETE FROM rpc_answers WHERE answered_at < now() - make_interval(hours => %s)",
                        (hours,)).rowcount
