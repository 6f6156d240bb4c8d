"""The first-start catch-up of support's copies of sales' accounts and contacts.

``CustomersSync`` is one background loop per replica.  While
``customers_sync`` says a kind is not done, it reads every record of it
page by page over RPC, oldest first (the sales service's ``list_accounts``
with merged ones included, then ``list_contacts``), and writes each one
version-guarded, so an event consumed meanwhile is never overwritten by an
older snapshot.  It starts only once the service's event queues consume:
a record created after that arrives as an event, one created before is in
the pages (the oldest-first order puts records created during the read on
its last pages).  Each page commits with the cursor of the next, so a
restart resumes; two replicas do not write the same page twice (the second
sees the cursor moved and reads on from there).

Orders need no catch-up: support only refers to placed orders, and a case
naming an order placed before support existed is refused with a 422 until
that order's next event (a later feature may page ``orders.list_orders``).

When sales does not answer, the loop retries with growing pauses; the
service works meanwhile with what it has.
"""

import logging

from services.support.customers import commands, store
from shared.kit.background import RETRYABLE, PooledLoop
from shared.kit.consumers import consumers_of
from shared.kit.rpc_client import RpcClient, RpcUnavailable
from shared.schemas.errors import ValidationFailed

log = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 30
# kind -> (sales' RPC, its query, how a page is written)
KINDS = {
    "accounts": ("list_accounts", {"include_merged": True, "sort": "created_at"}, commands.apply_accounts),
    "contacts": ("list_contacts", {"sort": "created_at"}, commands.apply_contacts),
}


class CustomersSync(PooledLoop):
    identifier = "support-customers-sync"
    retry_on = (*RETRYABLE, RpcUnavailable)

    def setup(self):
        super().setup()
        self.page_size = int(self.container.config.get("CUSTOMERS_SYNC_PAGE", 200))
        self.client = None

    def close_resources(self):
        super().close_resources()
        if self.client is not None:
            self.client.close()
            self.client = None

    def _open(self):
        self.open_pool()
        if self.client is None:
            self.client = RpcClient(self.container.config["AMQP_URI"], timeout=RPC_TIMEOUT_SECONDS, size=1,
                                    name="support-customers-sync")

    def serve(self):
        self._open()
        self._wait_for_consumers()
        for kind in KINDS:
            while self.running and not self.catch_up_page(kind):
                pass
        while self.running:  # caught up: events keep the copies current
            self.sleep(60)

    def _wait_for_consumers(self):
        while self.running and not all(consumer.consuming for consumer in consumers_of(self.container)):
            self.sleep(0.1)

    def catch_up_page(self, kind):
        """Read and write the next page of ``kind``; returns whether it is done."""
        with self.pool.connection() as conn:
            state = store.sync_state(conn, kind)
        if state["done_at"] is not None:
            return True
        page = self._page(kind, state["cursor"])
        method, _, apply = KINDS[kind]
        with self.pool.connection() as conn, conn.transaction():
            now = store.sync_state(conn, kind, lock=True)
            if now["done_at"] is not None:
                return True
            if (now["pages"], now["cursor"]) != (state["pages"], state["cursor"]):
                return False  # another replica wrote this page meanwhile: read on from where it stopped
            apply(conn, page["items"])
            done = not page.get("next_cursor")
            saved = store.save_sync_page(conn, kind, page.get("next_cursor"), len(page["items"]), done)
        if done:
            log.info("%s caught up with sales: %s read in %s page(s)", kind, saved["items"], saved["pages"])
        return done

    def _page(self, kind, cursor):
        method, query, _ = KINDS[kind]
        query = {**query, "limit": self.page_size}
        try:
            return self.client.call("sales", method, {**query, "cursor": cursor} if cursor else query)
        except ValidationFailed:
            if not cursor:
                raise
            log.warning("sales refused the %s catch-up cursor; reading them again from the start", kind)
            return self.client.call("sales", method, query)
