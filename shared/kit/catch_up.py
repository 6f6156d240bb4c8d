"""The first-start catch-up of a projection from another service's paged RPC.

A service that keeps a projection of another service's records gets them
from events; a ``CatchUpLoop`` copies what existed before its first start.
One loop per replica: while the state table says a source is not done, it
reads every record of it page by page, oldest first, and hands each page to
the source's ``apply(conn, items)``, which must write version-guarded, so an
event consumed meanwhile is never overwritten by an older snapshot.

It starts only once the service's event queues consume: a record created
after that arrives as an event, one created before is in the pages (the
oldest-first order puts records created during the read on its last pages).
Each page commits with the cursor of the next, so a restart resumes; two
replicas do not write the same page twice (the second sees the cursor moved
and reads on from there).  When the other service does not answer, the loop
retries with growing pauses; the service works meanwhile with what it has.

A subclass names its sources, in the order they are read, and its state
table (one row per source kind, made by the service's migration)::

    CREATE TABLE people_sync (
        kind text PRIMARY KEY, cursor text, pages integer NOT NULL DEFAULT 0,
        items integer NOT NULL DEFAULT 0, started_at timestamptz, done_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO people_sync (kind) VALUES ('accounts'), ('contacts');

    class PeopleSync(CatchUpLoop):
        identifier = "campaigns-people-sync"
        state_table = "people_sync"
        page_setting = "PEOPLE_SYNC_PAGE"
        sources = (Source("accounts", "sales", "list_accounts", {"include_merged": True, "sort": "created_at"},
                          commands.apply_accounts), ...)

The list RPC must take ``limit`` and ``cursor`` and answer
``{"items": [...], "next_cursor": ...}`` (the suite's keyset pages).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from shared.kit.background import RETRYABLE, PooledLoop
from shared.kit.consumers import consumers_of
from shared.kit.rpc_client import RpcClient, RpcUnavailable
from shared.schemas.errors import ValidationFailed

log = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 30
# How long a caught-up loop sleeps between looks at its running flag.
IDLE_SECONDS = 60


@dataclass(frozen=True)
class Source:
    """One kind of record to copy: ``service.method(query | limit, cursor)``
    pages, each written by ``apply(conn, items)`` in the page's transaction."""

    kind: str
    service: str
    method: str
    query: dict = field(default_factory=dict)
    apply: Callable[[Any, list], Any] = None


def sync_state(conn, table, kind, lock=False):
    return conn.execute(sql.SQL("SELECT * FROM {} WHERE kind = %s" + (" FOR UPDATE" if lock else ""))
                        .format(sql.Identifier(table)), (kind,)).fetchone()


def sync_states(conn, table):
    """Every source's state as plain JSON types: kind, pages, items, started_at, done_at."""
    rows = conn.execute(sql.SQL("SELECT * FROM {} ORDER BY kind").format(sql.Identifier(table))).fetchall()
    return [{"kind": row["kind"], "pages": row["pages"], "items": row["items"],
             "started_at": row["started_at"].isoformat() if row["started_at"] else None,
             "done_at": row["done_at"].isoformat() if row["done_at"] else None} for row in rows]


def save_sync_page(conn, table, kind, cursor, items, done):
    """Record one page read: where the next starts, and whether it was the last."""
    return conn.execute(sql.SQL(
        "UPDATE {} SET cursor = %s, pages = pages + 1, items = items + %s,"
        " started_at = coalesce(started_at, now()), done_at = CASE WHEN %s THEN now() END, updated_at = now()"
        " WHERE kind = %s RETURNING *").format(sql.Identifier(table)), (cursor, items, done, kind)).fetchone()


class CatchUpLoop(PooledLoop):
    identifier = "catch-up"
    retry_on = (*RETRYABLE, RpcUnavailable)
    state_table = None          # the table of the sources' states (see above)
    page_setting = None         # the config key of the page size
    default_page = 200
    sources = ()

    def setup(self):
        super().setup()
        config = self.container.config
        self.page_size = int(config.get(self.page_setting, self.default_page) if self.page_setting
                             else self.default_page)
        self.client = None
        self.caught_up = False

    def close_resources(self):
        super().close_resources()
        if self.client is not None:
            self.client.close()
            self.client = None

    def _open(self):
        self.open_pool()
        if self.client is None:
            self.client = RpcClient(self.container.config["AMQP_URI"], timeout=RPC_TIMEOUT_SECONDS, size=1,
                                    name=self.identifier)

    def serve(self):
        self._open()
        self._wait_for_consumers()
        for source in self.sources:
            while self.running and not self.catch_up_page(source):
                pass
        self.caught_up = self.running
        while self.running:  # caught up: events keep the projection current
            self.sleep(IDLE_SECONDS)

    def _wait_for_consumers(self):
        """Until every queue of the service consumes (its event queues exist)."""
        while self.running and not all(consumer.consuming for consumer in consumers_of(self.container)):
            self.sleep(0.1)

    def catch_up_page(self, source):
        """Read and write the next page of ``source``; returns whether it is done."""
        with self.pool.connection() as conn:
            state = sync_state(conn, self.state_table, source.kind)
        if state["done_at"] is not None:
            return True
        page = self._page(source, state["cursor"])
        with self.pool.connection() as conn, conn.transaction():
            now = sync_state(conn, self.state_table, source.kind, lock=True)
            if now["done_at"] is not None:
                return True
            if (now["pages"], now["cursor"]) != (state["pages"], state["cursor"]):
                return False  # another replica wrote this page meanwhile: read on from where it stopped
            source.apply(conn, page["items"])
            done = not page.get("next_cursor")
            saved = save_sync_page(conn, self.state_table, source.kind, page.get("next_cursor"),
                                   len(page["items"]), done)
        if done:
            log.info("%s caught up with %s: %s read in %s page(s)", source.kind, source.service, saved["items"],
                     saved["pages"])
        return done

    def _page(self, source, cursor):
        query = {**source.query, "limit": self.page_size}
        try:
            return self.client.call(source.service, source.method, {**query, "cursor": cursor} if cursor else query)
        except ValidationFailed:
            if not cursor:
                raise
            log.warning("%s refused the %s catch-up cursor; reading them again from the start", source.service,
                        source.kind)
            return self.client.call(source.service, source.method, query)
