"""Keeping orders' copies of sales data current without calling sales on a hot path.

``CustomersSync`` is one background loop per replica that

- **catches the accounts projection up** on the service's first start: while
  ``customers_sync`` says it is not done, it reads every account from sales
  (``sales.list_accounts``, merged ones included, oldest first, page by
  page with its cursor) and writes each one, version-guarded, so an event
  consumed meanwhile is never overwritten by an older snapshot.  It starts
  only once the service's event queues consume: an account created after
  that arrives as an event, one created before is in the pages (the oldest
  first order puts accounts created during the read on its last pages).
  Each page commits with the cursor of the next, so a restart resumes; two
  replicas do not read the same page twice (the second one sees the cursor
  moved and reads on from there).
- **refreshes the exchange rates** from sales (``sales.get_exchange_rates``)
  at start and every ``RATES_REFRESH_SECONDS``, replacing orders' copy as a
  whole, so customer value converts without asking sales.

When sales does not answer, the loop retries with growing pauses (at most
10 s); the service works meanwhile with what it has.
"""

import datetime
import logging
import time
from decimal import Decimal

from services.orders.customers import commands, store
from shared.kit.background import RETRYABLE, PooledLoop
from shared.kit.consumers import consumers_of
from shared.kit.rpc_client import RpcClient, RpcUnavailable
from shared.schemas.errors import ValidationFailed

log = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 30


class CustomersSync(PooledLoop):
    identifier = "orders-customers-sync"
    retry_on = (*RETRYABLE, RpcUnavailable)

    def setup(self):
        super().setup()
        config = self.container.config
        self.rates_interval = float(config.get("RATES_REFRESH_SECONDS", 300))
        self.page_size = int(config.get("CUSTOMERS_SYNC_PAGE", 200))
        self.client = None
        self.caught_up = False
        self.rates_refreshed_at = None  # time.monotonic() of the last refresh

    def close_resources(self):
        super().close_resources()
        if self.client is not None:
            self.client.close()
            self.client = None

    def _open(self):
        self.open_pool()
        if self.client is None:
            self.client = RpcClient(self.container.config["AMQP_URI"], timeout=RPC_TIMEOUT_SECONDS, size=1,
                                    name="orders-customers-sync")

    def serve(self):
        self._open()
        self._wait_for_consumers()
        while self.running:
            if self.rates_refreshed_at is None or time.monotonic() - self.rates_refreshed_at >= self.rates_interval:
                self.refresh_rates()
            if not self.caught_up:
                self.caught_up = self.catch_up_page()
                continue
            self.sleep(max(0.0, self.rates_interval - (time.monotonic() - self.rates_refreshed_at)))

    def _wait_for_consumers(self):
        """Until every queue of the service consumes (its event queues exist)."""
        while self.running and not all(consumer.consuming for consumer in consumers_of(self.container)):
            self.sleep(0.1)

    # -- the catch-up -------------------------------------------------------------
    def catch_up_page(self):
        """Read and write the next page of accounts; returns whether the
        catch-up is done."""
        with self.pool.connection() as conn:
            state = store.sync_state(conn)
        if state["done_at"] is not None:
            return True
        page = self._accounts_page(state["cursor"])
        with self.pool.connection() as conn, conn.transaction():
            now = store.sync_state(conn, lock=True)
            if now["done_at"] is not None:
                return True
            if (now["pages"], now["cursor"]) != (state["pages"], state["cursor"]):
                return False  # another replica wrote this page meanwhile: read on from where it stopped
            commands.apply_snapshots(conn, page["items"])
            done = not page.get("next_cursor")
            saved = store.save_sync_page(conn, page.get("next_cursor"), len(page["items"]), done)
        if done:
            log.info("accounts projection caught up with sales: %s account(s) read in %s page(s)",
                     saved["accounts"], saved["pages"])
        return done

    def _accounts_page(self, cursor):
        query = {"include_merged": True, "sort": "created_at", "limit": self.page_size}
        try:
            return self.client.call("sales", "list_accounts", {**query, "cursor": cursor} if cursor else query)
        except ValidationFailed:
            if not cursor:
                raise
            # sales no longer takes the stored cursor (say, after an upgrade): read again from the start
            log.warning("sales refused the catch-up cursor; reading the accounts again from the start")
            return self.client.call("sales", "list_accounts", query)

    # -- exchange rates -------------------------------------------------------------
    def refresh_rates(self):
        answer = self.client.call("sales", "get_exchange_rates")
        items = [(item["currency"], datetime.date.fromisoformat(item["valid_from"]), Decimal(item["rate"]))
                 for item in answer["items"]]
        with self.pool.connection() as conn, conn.transaction():
            store.replace_rates(conn, answer["currency"], items)
        self.rates_refreshed_at = time.monotonic()
        return len(items)
