"""Customer value over many orders: ``orders.customer_value`` from a plain
process, one request at a time, with 500,000 orders over 20,000 accounts.

A scratch database of its own (dropped afterwards) is migrated and filled
with COPY: accounts in the projection, orders (most accounts have a couple
of dozen; the 20 heaviest 2,500 each), an invoice for each shipped or
delivered order, credit notes for some, in four currencies, one of them
without an exchange rate.  An orders service process runs on it, on a
RabbitMQ vhost of its own (so no other orders process of the run answers).

Measured, alternating request by request so all see the same machine:
customer value of a random account and, as the baseline, the service's
trivial ``health`` RPC (the round trip any RPC costs); then the heaviest
account's value; and the same figures computed in-process over one
database connection (the service's share without the broker).

    python -m bench.customer_value [--orders 500000] [--accounts 20000] [--requests 1000]

(reads CRM_BENCH_DATABASE_URL, CRM_BENCH_AMQP_URI and CRM_BENCH_RABBIT_API, as ``make bench`` sets them).
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import requests
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table

from bench.stats import latency_summary
from shared.kit.config import load_component_config
from shared.kit.health import check
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster

ROOT = Path(__file__).resolve().parents[1]
HEAVY_ACCOUNTS = 20
HEAVY_SHARE = 0.1  # of the orders, spread over the heavy accounts
CURRENCIES = (("EUR", 70), ("USD", 20), ("GBP", 8), ("CHF", 2))  # CHF has no rate
RATES = (("USD", "0.92"), ("GBP", "1.17"))
STATUSES = (("delivered", 55), ("shipped", 10), ("partly_shipped", 5), ("submitted", 10), ("cancelled", 5),
            ("draft", 15))
INVOICE_STATUSES = (("paid", 70), ("issued", 15), ("partly_paid", 5), ("overdue", 10))
CREDITED_SHARE = 0.02
WARMUP = 20


def _text(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def _choices(rng, weighted, count):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights, k=count)


# The scratch database ----------------------------------------------------------

def _admin_url(database_url):
    return urlunsplit(urlsplit(database_url)._replace(path="/postgres"))


def create_database(database_url):
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/') or 'crm'}_value_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(database_url):
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(database_url, orders, accounts, seed=9):
    """COPY the accounts, orders, invoices and credit notes; returns what was
    written (counts, the heavy account ids, seconds)."""
    rng = random.Random(seed)
    started = time.monotonic()
    today = datetime.date.today()
    account_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(accounts)]
    heavy = account_ids[:HEAVY_ACCOUNTS]
    heavy_orders = int(orders * HEAVY_SHARE)
    owners = [heavy[index % HEAVY_ACCOUNTS] for index in range(heavy_orders)]
    owners += rng.choices(account_ids[HEAVY_ACCOUNTS:], k=orders - heavy_orders)
    statuses = _choices(rng, STATUSES, orders)
    currencies = _choices(rng, CURRENCIES, orders)
    counts = {"orders": orders, "accounts": accounts, "invoices": 0, "credit_notes": 0}
    with psycopg.connect(database_url, options="-c search_path=orders,public") as conn:
        with conn.cursor().copy("COPY accounts (id, name, type, country, source_version) FROM STDIN") as copy:
            for index, account_id in enumerate(account_ids):
                copy.write_row((account_id, f"Bench Customer {index}", "customer", "DE", 1))
        invoices, notes = [], []
        with conn.cursor().copy(
                "COPY orders (id, number_seq, number, account_id, status, currency, tax_country, prices_include_tax,"
                " payment_terms_days, net_total, tax_total, gross_total, discount_total, tax_lines, placed_at)"
                " FROM STDIN") as copy:
            for index in range(orders):
                order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                status, currency = statuses[index], currencies[index]
                cents = rng.randrange(1_000, 500_000)
                tax_cents = cents * 19 // 100
                net, tax, gross_cents = _text(cents), _text(tax_cents), cents + tax_cents
                placed = None if status == "draft" else (
                    datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=rng.randrange(1, 1_500_000)))
                copy.write_row((order_id, index + 1, f"SO-{index + 1:06d}", owners[index], status, currency, "DE",
                                False, 30, net, tax, _text(gross_cents), "0", "[]",
                                placed))
                if status in ("delivered", "shipped"):
                    invoices.append((order_id, owners[index], currency, net, tax, gross_cents))
        invoice_statuses = _choices(rng, INVOICE_STATUSES, len(invoices))
        with conn.cursor().copy(
                "COPY invoices (id, number, series, year, sequence, status, order_id, account_id, currency,"
                " prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines, paid_total,"
                " payment_terms_days, issue_date, due_date) FROM STDIN") as copy:
            for index, (order_id, account_id, currency, net, tax, gross_cents) in enumerate(invoices):
                invoice_id, status = str(uuid.UUID(int=rng.getrandbits(128), version=4)), invoice_statuses[index]
                paid_cents = {"paid": gross_cents, "partly_paid": gross_cents // 2}.get(status, 0)
                # A steady state the overdue sweep has nothing to do in: unpaid invoices not yet overdue
                # are due in the future (else the service would start by marking tens of thousands).
                recent = status in ("issued", "partly_paid")
                issued = today - datetime.timedelta(days=rng.randrange(0, 30 if recent else 1000))
                due = issued + datetime.timedelta(days=30) if status != "overdue" else today - datetime.timedelta(1)
                copy.write_row((invoice_id, f"INV-2026-{index + 1:07d}", "INV", 2026, index + 1, status, order_id,
                                account_id, currency, False, net, tax, _text(gross_cents),
                                "0", "[]", _text(paid_cents), 30, issued, due))
                if rng.random() < CREDITED_SHARE:
                    notes.append((invoice_id, order_id, account_id, currency, gross_cents // 10))
        with conn.cursor().copy(
                "COPY credit_notes (id, number, series, year, sequence, invoice_id, order_id, account_id, reason,"
                " currency, prices_include_tax, net_total, tax_total, gross_total, discount_total, tax_lines,"
                " issue_date) FROM STDIN") as copy:
            for index, (invoice_id, order_id, account_id, currency, cents) in enumerate(notes):
                amount = _text(cents)
                copy.write_row((str(uuid.uuid4()), f"CN-2026-{index + 1:07d}", "CN", 2026, index + 1, invoice_id,
                                order_id, account_id, "bench", currency, False, amount, "0", amount, "0", "[]", today))
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO exchange_rates (currency, valid_from, rate) VALUES (%s, '2020-01-01', %s)",
                               RATES)
            cursor.execute("UPDATE exchange_rates_source SET base_currency = 'EUR', refreshed_at = now()")
            cursor.execute("UPDATE customers_sync SET done_at = now()")  # no sales here to catch up with
        counts["invoices"], counts["credit_notes"] = len(invoices), len(notes)
    with psycopg.connect(database_url, autocommit=True, options="-c search_path=orders,public") as conn:
        conn.execute("VACUUM (ANALYZE) accounts, orders, invoices, credit_notes")
    return {**counts, "heavy_accounts": heavy, "account_ids": account_ids,
            "seconds": round(time.monotonic() - started, 1)}


# The service on a vhost of its own -------------------------------------------------

class OwnVhost:
    def __init__(self, amqp_base, rabbit_api):
        parts = urlsplit(rabbit_api)
        self.api = urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port or 15672}"))
        self.auth = (parts.username or "guest", parts.password or "guest")
        self.name = f"crm-bench-value-{uuid.uuid4().hex[:6]}"
        self.amqp_uri = amqp_base.rstrip("/") + "/" + quote(self.name, safe="")

    def __enter__(self):
        requests.put(f"{self.api}/api/vhosts/{self.name}", auth=self.auth, timeout=10).raise_for_status()
        requests.put(f"{self.api}/api/permissions/{self.name}/{self.auth[0]}", auth=self.auth,
                     json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
        return self

    def __exit__(self, *exc):
        requests.delete(f"{self.api}/api/vhosts/{self.name}", auth=self.auth, timeout=10)


def start_service(env, log_path, timeout=60):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "shared.kit.run", "orders"], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT)
    config = load_component_config("orders", env)
    deadline = time.monotonic() + timeout
    while True:
        try:
            check("orders", config, timeout=2)
            return process, log, config
        except Exception:  # noqa: BLE001 - not up yet
            if process.poll() is not None or time.monotonic() > deadline:
                stop_service(process, log)
                raise RuntimeError(f"the orders service did not answer within {timeout} s; see {log_path}") \
                    from None
            time.sleep(0.5)


def stop_service(process, log):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


# Measuring --------------------------------------------------------------------------------

def _timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure_rpc(config, sample, heavy, requests_count):
    value_times, health_times, heavy_times = [], [], []
    with RpcCluster(config, timeout=60) as cluster:
        orders = cluster.orders
        for index in range(WARMUP):
            orders.customer_value(sample[index % len(sample)])
            orders.health()
        for index in range(requests_count):
            account_id = sample[index % len(sample)]
            value_times.append(_timed(lambda account_id=account_id: orders.customer_value(account_id)))
            health_times.append(_timed(orders.health))
        for index in range(max(requests_count // 5, 50)):
            account_id = heavy[index % len(heavy)]
            heavy_times.append(_timed(lambda account_id=account_id: orders.customer_value(account_id)))
        example = orders.customer_value(heavy[0])
    return {"random": latency_summary(value_times), "health": latency_summary(health_times),
            "heavy": latency_summary(heavy_times), "heavy_example": {
                key: example[key] for key in ("order_count", "lifetime_revenue", "missing_rates")}}


def measure_in_process(database_url, sample, heavy, requests_count):
    """The same answers computed over one connection: the database and the Python rules alone."""
    from services.orders.customers import commands

    today = datetime.datetime.now(datetime.UTC).date()
    times = {"random": [], "heavy": []}
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=orders,public") as conn:
        def one(account_id):
            with conn.transaction():
                commands.customer_value(conn, account_id, "EUR", today)

        for index in range(WARMUP):
            one(sample[index % len(sample)])
        for index in range(requests_count):
            times["random"].append(_timed(lambda index=index: one(sample[index % len(sample)])))
        for index in range(max(requests_count // 5, 50)):
            times["heavy"].append(_timed(lambda index=index: one(heavy[index % len(heavy)])))
    return {key: latency_summary(values) for key, values in times.items()}


def run(database_url, amqp_base, rabbit_api, orders=500_000, accounts=20_000, requests_count=1000, progress=print):
    """The customer value part: fill a scratch database beside ``database_url``, measure, drop it."""
    scratch = create_database(database_url)
    try:
        env = {**os.environ, "DATABASE_URL": scratch, "LOG_LEVEL": "WARNING", "OPS_PORT": "0",
               "RATES_REFRESH_SECONDS": "86400"}
        migrate_component("orders", load_component_config("orders", env))
        progress(f"customer value: filling {orders:,} orders over {accounts:,} accounts (COPY) ...")
        seeded = fill(scratch, orders, accounts)
        rng = random.Random(4)
        sample = rng.sample(seeded["account_ids"][HEAVY_ACCOUNTS:], min(requests_count, accounts - HEAVY_ACCOUNTS))
        logs = ROOT / ".crm" / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        with OwnVhost(amqp_base, rabbit_api) as vhost:
            process, log, config = start_service({**env, "AMQP_URI": vhost.amqp_uri}, logs / "orders-value.log")
            try:
                progress(f"customer value: {requests_count} RPCs (and as many health RPCs, alternating) ...")
                rpc = measure_rpc(config, sample, seeded["heavy_accounts"], requests_count)
            finally:
                stop_service(process, log)
        in_process = measure_in_process(scratch, sample, seeded["heavy_accounts"], requests_count)
    finally:
        drop_database(scratch)
    seed = {key: seeded[key] for key in ("orders", "accounts", "invoices", "credit_notes", "seconds")}
    seed["heavy_accounts"] = HEAVY_ACCOUNTS
    seed["orders_per_heavy_account"] = int(orders * HEAVY_SHARE) // HEAVY_ACCOUNTS
    return {"seed": seed, "requests": requests_count, "rpc": rpc, "in_process": in_process,
            "ratio_p50_over_health": round(rpc["random"]["median_ms"] / rpc["health"]["median_ms"], 2)}


def _pair(item):
    return f"{item['median_ms']:,.2f} / {item['p99_ms']:,.2f}"


def table(value, machine):
    seed = value["seed"]
    out = Table(title=f"Customer value (same run, {machine['cores']} cores, {machine['cpu']})",
                caption=f"{seed['orders']:,} orders over {seed['accounts']:,} accounts ({seed['heavy_accounts']} "
                        f"heavy ones of {seed['orders_per_heavy_account']:,} orders), {seed['invoices']:,} invoices, "
                        f"{seed['credit_notes']:,} credit notes; {value['requests']} requests per measure, one at "
                        "a time, after a warm-up; baseline: the health RPC, alternating with the measured calls")
    for column, justify in (("measure", "left"), ("p50 / p99 ms", "right"), ("p50 / baseline p50", "right")):
        out.add_column(column, justify=justify)
    rpc, local = value["rpc"], value["in_process"]
    out.add_row("RPC orders.customer_value, a random account", _pair(rpc["random"]),
                f"{value['ratio_p50_over_health']:.2f}x")
    out.add_row("RPC orders.health (baseline)", _pair(rpc["health"]), "1.00x")
    out.add_row(f"RPC orders.customer_value, a heavy account ({seed['orders_per_heavy_account']:,} orders)",
                _pair(rpc["heavy"]), f"{rpc['heavy']['median_ms'] / rpc['health']['median_ms']:.2f}x")
    out.add_row("in-process (one connection), a random account", _pair(local["random"]), "")
    out.add_row("in-process (one connection), a heavy account", _pair(local["heavy"]), "")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    from bench.__main__ import machine

    console = Console()
    result = run(os.environ["CRM_BENCH_DATABASE_URL"], os.environ["CRM_BENCH_AMQP_URI"],
                 os.environ["CRM_BENCH_RABBIT_API"], args.orders, args.accounts, args.requests,
                 progress=console.print)
    result["machine"] = machine()
    console.print(table(result, result["machine"]))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
