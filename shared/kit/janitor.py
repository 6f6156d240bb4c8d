"""Retention of the kit's own tables, in every service.

- ``inbox``: rows older than ``INBOX_RETENTION_DAYS`` (default 14).  A row
  only has to outlive every redelivery and replay of its event: events stay
  replayable for ``OUTBOX_RETENTION_DAYS`` (default 7), so the inbox keeps
  them longer (the service refuses to start when it would not).
- ``rpc_answers``: answers older than ``RPC_ANSWER_HOURS`` (default 24, as
  long as the gateway keeps an Idempotency-Key).

One replica purges at a time (a try-lock); deletes go in chunks so no
statement holds many locks or runs long.
"""

import logging

import psycopg

from shared.kit.background import BackgroundLoop
from shared.kit.config import ConfigError

log = logging.getLogger(__name__)
CHUNK = 5000


def _purge_in_chunks(conn, table, condition, params):
    total = 0
    while True:
        deleted = conn.execute(
            f"DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE {condition} LIMIT {CHUNK})", params
        ).rowcount
        total += deleted
        if deleted < CHUNK:
            return total


def purge_inbox(conn, days):
    return _purge_in_chunks(conn, "inbox", "received_at < now() - make_interval(days => %s)", (days,))


def purge_answers(conn, hours):
    return _purge_in_chunks(conn, "rpc_answers", "answered_at < now() - make_interval(hours => %s)", (hours,))


def retention_settings(config):
    inbox_days = int(config.get("INBOX_RETENTION_DAYS", 14))
    outbox_days = int(config.get("OUTBOX_RETENTION_DAYS", 7))
    if inbox_days <= outbox_days:
        raise ConfigError(f"INBOX_RETENTION_DAYS ({inbox_days}) must be longer than OUTBOX_RETENTION_DAYS "
                          f"({outbox_days}): an event replayed from an outbox must still be known to the inbox, "
                          "or it would be applied twice")
    return inbox_days, int(config.get("RPC_ANSWER_HOURS", 24))


class Janitor(BackgroundLoop):
    identifier = "janitor"

    def setup(self):
        super().setup()
        config = self.container.config
        self.database_url = config["DATABASE_URL"]
        self.schema = config["DB_SCHEMA"]
        self.inbox_days, self.answer_hours = retention_settings(config)
        self.interval = float(config.get("JANITOR_INTERVAL_SECONDS", 3600))

    def serve(self):
        with psycopg.connect(self.database_url, autocommit=True, options=f"-c search_path={self.schema}") as conn:
            while self.running:
                self.purge_once(conn)
                self.sleep(self.interval)

    def purge_once(self, conn):
        lock = f"crm-janitor:{self.schema}"
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (lock,)).fetchone()[0]:
            return None  # another replica is at it
        try:
            inbox, answers = purge_inbox(conn, self.inbox_days), purge_answers(conn, self.answer_hours)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock,))
        if inbox or answers:
            log.info("janitor: purged %d inbox rows (older than %d days) and %d answers (older than %d hours)",
                     inbox, self.inbox_days, answers, self.answer_hours)
        return inbox, answers
