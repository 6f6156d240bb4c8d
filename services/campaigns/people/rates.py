"""Sales' exchange rates in campaigns, so that an account's open pipeline and
lifetime revenue are in sales' reporting currency (the base) and segments
compare like with like.

Campaigns keeps a copy of the rates (``exchange_rates``, migration 0008);
``in_base_currency`` converts with them in SQL when an account's signals are
recomputed (``store.refresh_signals``): open opportunities at today's rate,
invoices and credit notes at the rate of their issue date; a currency with
no rate is left out of the sums (as it is until sales first answered).

``RatesRefresh`` is one loop per replica: at start and every
RATES_REFRESH_SECONDS (default 300; 0: never) it asks sales for its rates
(``sales.get_exchange_rates``).  When they or the base differ from the
copy, the copy is replaced and, in the same transaction, the accounts they
affect are queued (``rates_recompute``): those with invoices, credit notes
or open opportunities in the currencies whose rates changed (every account
with any when the base changed).  A new day whose rate in force differs
from the previous day's (a rate dated ahead) queues the accounts whose
amounts convert at today's rate in those currencies.  The queue is then
worked off in batches of ``BATCH`` accounts, each in a transaction of its
own through the path events take (``commands.recompute_signals``: the
accounts locked, their signals recomputed, the people of those that
changed handed to the segments' upkeep), so a restart resumes where it
stopped; one replica at a time runs a batch (an advisory lock; the others
wait for it).

When sales does not answer, the loop logs it and asks again after
``RETRY_SECONDS`` (or the interval, when shorter); the service works
meanwhile with the rates it has.
"""

import datetime
import logging
import re
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from services.campaigns.people import commands, store
from shared.kit.background import RETRYABLE, PooledLoop
from shared.kit.rpc_client import RemoteError, RpcClient, RpcUnavailable

log = logging.getLogger(__name__)

LOCK_KEY = 0x9E0_0001  # pg_try_advisory_xact_lock key of a batch of the queue
BATCH = 200
RPC_TIMEOUT_SECONDS = 30
RETRY_SECONDS = 60
BUSY_SECONDS = 1  # the pause while another replica runs a batch
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Batch:
    accounts: int      # accounts recomputed
    changed: int       # of which the signals changed
    done: bool         # nothing is left to recompute


def read_answer(answer):
    """``(base currency, [(currency, valid_from, rate)...])`` of sales'
    ``get_exchange_rates`` answer, or None when it cannot be read (then it is
    not taken at all: a partly read answer would drop rates)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        return None
    base = answer.get("currency")
    if not isinstance(base, str) or not _CURRENCY.fullmatch(base):
        return None
    rates = {}
    for item in answer["items"]:
        try:
            currency, rate = item["currency"], Decimal(str(item["rate"]))
            valid_from = datetime.date.fromisoformat(item["valid_from"])
        except (TypeError, KeyError, ValueError, InvalidOperation):
            return None
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency) or not rate.is_finite() or rate <= 0:
            return None
        if currency != base:  # the base needs no rate (sales sends none)
            rates[(currency, valid_from)] = rate
    return base, sorted((currency, valid_from, rate) for (currency, valid_from), rate in rates.items())


def refresh(conn, answer=None):
    """One refresh in the caller's transaction: a new day's rates in force
    and, when sales answered (``answer``), its rates replacing the copy if
    they or the base differ.  Queues the accounts that calls for and returns
    what it queued them for: None (nothing), ``"all"`` or the currencies."""
    source = store.rates_source(conn, lock=True)
    days = store.new_rates_day(conn)
    repriced = store.currencies_repriced(conn, *days) if days is not None else []
    if repriced:
        store.queue_recompute(conn, repriced, today_only=True)
    read = read_answer(answer) if answer is not None else None
    if answer is not None and read is None:
        log.warning("sales' exchange rates could not be read; the stored ones stay: %.300r", answer)
    changed, everything = set(), False
    if read is not None:
        base, items = read
        stored, given = store.stored_rates(conn), set(items)
        stored_base = source["base_currency"].strip() if source["base_currency"] else None
        if (stored_base, stored) != (base, given):
            store.replace_rates(conn, base, items)
            everything = stored_base != base
            changed = {currency for currency, _day, _rate in stored ^ given}
            store.queue_recompute(conn, None if everything else sorted(changed))
            log.info("exchange rates from sales replaced: base %s, %s rate(s)%s", base, len(items),
                     f" (the base was {stored_base})" if everything else "")
        store.mark_rates_refreshed(conn)
    if everything:
        return "all"
    return sorted(changed | set(repriced)) or None


def recompute_batch(conn, size=BATCH):
    """The next batch of the queued accounts, in the caller's transaction;
    None when another replica is working the queue."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS got", (LOCK_KEY,)).fetchone()["got"]:
        return None
    account_ids = store.take_recompute(conn, size)
    changed = commands.recompute_signals(conn, account_ids) if account_ids else []
    return Batch(len(account_ids), len(changed), len(account_ids) < size)


class RatesRefresh(PooledLoop):
    identifier = "campaigns-rates-refresh"
    retry_on = (*RETRYABLE, RpcUnavailable)

    def setup(self):
        super().setup()
        self.client = None

    @property
    def interval(self):
        return float(self.container.config.get("RATES_REFRESH_SECONDS", 300) or 0)

    @property
    def enabled(self):
        return self.interval > 0

    def close_resources(self):
        super().close_resources()
        if self.client is not None:
            self.client.close()
            self.client = None

    def serve(self):
        self.open_pool()
        if self.client is None:
            self.client = RpcClient(self.container.config["AMQP_URI"], timeout=RPC_TIMEOUT_SECONDS, size=1,
                                    name=self.identifier)
        while self.running:
            answered = self.run_round()
            self.sleep(self.interval if answered else min(self.interval, RETRY_SECONDS))

    def run_round(self):
        """Ask sales, refresh, recompute what that queued (and what an
        earlier round left); returns whether sales answered."""
        answer = self.ask_sales()
        with self.pool.connection() as conn, conn.transaction():
            refresh(conn, answer)
        self.recompute()
        return answer is not None

    def ask_sales(self):
        try:
            return self.client.call("sales", "get_exchange_rates")
        except (RpcUnavailable, RemoteError) as exc:
            log.warning("%s: sales did not give its exchange rates (%s); the stored ones stay, asking again"
                        " in %.0fs", self.identifier, getattr(exc, "reason", exc),
                        min(self.interval, RETRY_SECONDS))
            return None

    def recompute(self):
        """Work the queue of accounts off, batch by batch, until it is empty
        (or the container stops); while another replica runs a batch, look
        again shortly."""
        started, accounts, changed = time.monotonic(), 0, 0
        while self.running:
            with self.pool.connection() as conn, conn.transaction():
                batch = recompute_batch(conn)
            if batch is None:
                self.sleep(BUSY_SECONDS)
                continue
            accounts, changed = accounts + batch.accounts, changed + batch.changed
            if batch.done:
                break
        if accounts:
            log.info("signals of %s account(s) recomputed at the new exchange rates in %.1fs: %s changed",
                     accounts, time.monotonic() - started, changed)
