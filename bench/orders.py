"""The orders service: creating quotes and issuing invoices.

- Quotes: ``POST /api/v1/quotes`` through the gateway and ``orders.create_quote``
  straight over RPC, one request at a time, for quotes of 20 catalog lines and
  (the baseline, in the same run) of 1 line.  The two sizes alternate request
  by request, so both see the same tables and the same machine.
- Invoices: submitted orders and their draft invoices are prepared over RPC
  (not timed), then ``orders.issue_invoice`` is called by 16 client threads
  at once (each its own broker connection, all released together, each taking
  the next id from one shared list) and, as the baseline, by 1 client.  Each
  measure numbers its drafts in a series of its own, so its issues must get
  exactly the numbers 1..M of it, without a gap or a duplicate, in their
  answers and in the database: the part fails otherwise.

The catalog (products priced in the standard book, the country's standard tax
rate) is made through the service's own RPCs; the accounts are rows of the
orders service's projection of sales' accounts, written directly (as if their
``account.created`` had been consumed).
"""

import contextlib
import os
import queue
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from rich.table import Table

from bench import cpu
from bench.stats import latency_summary
from shared.kit.testing import RpcCluster
from shared.schemas.errors import Conflict

SERVICE = "orders"
CLIENT = "bench client"  # this process: the RPC clients' threads
ACTOR = "bench"
COUNTRY = "DE"
CURRENCY = "EUR"
TAX_RATE = "19"
PRODUCTS = 40
ACCOUNTS = 50
ORDER_LINES = 5
PREPARE_CLIENTS = 8
RPC_TIMEOUT = 60
NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<sequence>[0-9]+)$")


class GaplessCheckFailed(RuntimeError):
    """The issued invoice numbers have a gap or a duplicate."""


# Seeding ---------------------------------------------------------------------

def seed_accounts(database_url, count, run_id):
    """``count`` customer accounts in orders' projection of sales' accounts."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with psycopg.connect(database_url, options="-c search_path=orders,public") as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO accounts (id, name, type, country, source_version) VALUES (%s, %s, 'customer', %s, 1)",
                [(account_id, f"Bench Customer {run_id} {index}", COUNTRY) for index, account_id in enumerate(ids)])
    return ids


def standard_book(orders):
    books = orders.list_price_books({"limit": 100})
    items = books["items"] if isinstance(books, dict) else books
    found = next((book for book in items if book.get("is_standard")), None)
    if found is None:
        raise RuntimeError("the orders service has no standard price book")
    return found


def seed_catalog(orders, count, run_id, today):
    """``count`` products of the standard tax category, each priced in the
    standard book (tax-exclusive or not, as the book says), and the
    country's standard rate (kept when it exists)."""
    with contextlib.suppress(Conflict):  # the rate of an earlier run in the same database
        orders.create_tax_rate({"tax_category": "standard", "country": COUNTRY, "rate": TAX_RATE,
                                "valid_from": (today - timedelta(days=365)).isoformat()}, ACTOR)
    book = standard_book(orders)
    product_ids = []
    for index in range(count):
        product = orders.create_product({"sku": f"BENCH-{run_id}-{index:03d}", "name": f"Bench product {index}",
                                         "family": "bench", "tax_category": "standard"}, ACTOR)
        unit_price = Decimal(10 + index * 7) + Decimal(index % 100) / 100
        orders.set_price(book["id"], {"product_id": product["id"], "currency": CURRENCY,
                                      "unit_price": str(unit_price),
                                      "valid_from": (today - timedelta(days=30)).isoformat()}, ACTOR)
        product_ids.append(product["id"])
    return {"price_book_id": book["id"], "product_ids": product_ids}


def quote_body(account_id, product_ids, lines, offset=0):
    """A quote of ``lines`` catalog lines (prices from the standard book)."""
    return {
        "account_id": account_id, "currency": CURRENCY, "title": "Bench quote",
        "lines": [{"product_id": product_ids[(offset + n) % len(product_ids)], "quantity": str(1 + (offset + n) % 9)}
                  for n in range(lines)],
    }


def order_body(account_id, product_ids, offset):
    address = {"street": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": COUNTRY}
    return {
        "account_id": account_id, "currency": CURRENCY, "customer_reference": f"PO-{offset}",
        "shipping_address": address, "billing_address": address,
        "lines": [{"product_id": product_ids[(offset + n) % len(product_ids)], "quantity": str(1 + n)}
                  for n in range(ORDER_LINES)],
    }


# Quotes ----------------------------------------------------------------------

def _alternating(calls, count, warmup):
    """Run each of ``calls`` (name -> call(index)) once per round, ``warmup``
    rounds untimed then ``count`` timed; seconds per call by name."""
    for index in range(warmup):
        for call in calls.values():
            call(index)
    times = {name: [] for name in calls}
    for index in range(warmup, warmup + count):
        for name, call in calls.items():
            started = time.perf_counter()
            call(index)
            times[name].append(time.perf_counter() - started)
    return times


def _ratio(big, small):
    return round(big / small, 2) if small else None


def measure_quotes(orders, post, account_ids, product_ids, count, warmup, lines=20):
    """Quotes of ``lines`` and of 1 line, over RPC and (``post`` given) the gateway."""
    def rpc_create(size):
        def call(index):
            return orders.create_quote(quote_body(account_ids[index % len(account_ids)], product_ids, size, index),
                                       ACTOR)
        return call

    def gateway_create(size):
        def call(index):
            return post("/api/v1/quotes", quote_body(account_ids[index % len(account_ids)], product_ids, size, index))
        return call

    paths = {"rpc": rpc_create}
    if post is not None:
        paths = {"gateway": gateway_create, **paths}
    results = {"lines": lines, "baseline_lines": 1, "requests": count, "warmup": warmup, "concurrency": 1}
    for path, make in paths.items():
        times = _alternating({"lines": make(lines), "one_line": make(1)}, count, warmup)
        big, one = latency_summary(times["lines"]), latency_summary(times["one_line"])
        results[path] = {"lines": big, "one_line": one,
                         "ratio": {"p50": _ratio(big["median_ms"], one["median_ms"]),
                                   "p99": _ratio(big["p99_ms"], one["p99_ms"])}}
    return results


# Invoices --------------------------------------------------------------------

def _clients(config, count):
    return [RpcCluster(config, timeout=RPC_TIMEOUT).start() for _ in range(count)]


def _stop(clusters):
    for cluster in clusters:
        cluster.stop()


def prepare_invoices(config, account_ids, product_ids, series, count, clients=PREPARE_CLIENTS):
    """``count`` draft invoices of the number ``series``, each of a submitted order of its own."""
    clusters = _clients(config, clients)

    def make(worker):
        orders = clusters[worker].orders
        made = []
        for index in range(worker, count, clients):
            account_id = account_ids[index % len(account_ids)]
            order = orders.create_order(order_body(account_id, product_ids, index), ACTOR)
            orders.submit_order(order["id"], ACTOR)
            made.append((index, orders.create_invoice({"order_id": order["id"], "series": series}, ACTOR)["id"]))
        return made

    try:
        with ThreadPoolExecutor(clients) as pool:
            by_index = dict(pair for made in pool.map(make, range(clients)) for pair in made)
    finally:
        _stop(clusters)
    return [by_index[index] for index in range(count)]


def sequence_of(number):
    """The running number of an invoice number (``INV-2026-000042`` -> 42)
    and the rest of it (series and year: ``INV-2026-``)."""
    found = NUMBER.match(number or "")
    if found is None:
        raise GaplessCheckFailed(f"invoice number {number!r} does not end in its running number")
    return found["prefix"], int(found["sequence"])


def gapless(numbers, first=1):
    """Whether ``numbers`` (invoice numbers) are exactly the running numbers
    ``first``, ``first + 1``, ... of one series and year, each once.  Returns
    the figures; raises GaplessCheckFailed naming the gaps and duplicates."""
    prefixes = set()
    sequences = []
    for number in numbers:
        prefix, sequence = sequence_of(number)
        prefixes.add(prefix)
        sequences.append(sequence)
    expected = set(range(first, first + len(numbers)))
    seen, duplicates = set(), set()
    for sequence in sequences:
        (duplicates if sequence in seen else seen).add(sequence)
    missing = sorted(expected - seen)
    unexpected = sorted(seen - expected)
    problems = []
    if len(prefixes) > 1:
        problems.append(f"several series: {sorted(prefixes)}")
    if duplicates:
        problems.append(f"duplicates: {sorted(duplicates)[:20]}")
    if missing:
        problems.append(f"gaps (never issued): {missing[:20]}")
    if unexpected:
        problems.append(f"outside {first}..{first + len(numbers) - 1}: {unexpected[:20]}")
    if problems:
        raise GaplessCheckFailed(f"{len(numbers)} issued invoice numbers are not gapless: " + "; ".join(problems))
    ordered = sorted(numbers, key=lambda number: sequence_of(number)[1])
    return {"series": next(iter(prefixes), None), "first": first, "last": first + len(numbers) - 1,
            "count": len(numbers), "first_number": ordered[0] if ordered else None,
            "last_number": ordered[-1] if ordered else None, "gapless": True}


def stored_series(database_url, series):
    """What the database holds of ``series``: its invoices' (id, number,
    status, sequence) and the next number of each year."""
    with psycopg.connect(database_url, options="-c search_path=orders,public") as conn:
        invoices = conn.execute("SELECT id::text, number, status, sequence FROM invoices WHERE series = %s",
                                (series,)).fetchall()
        following = dict(conn.execute("SELECT year, next FROM invoice_series WHERE document = 'invoice'"
                                      " AND series = %s", (series,)).fetchall())
    return invoices, following


def issue_concurrently(config, invoice_ids, clients):
    """Issue every invoice of ``invoice_ids`` with ``clients`` client threads
    released together, each taking the next id of one shared queue; returns
    (number by invoice id, seconds per issue, wall seconds)."""
    clusters = _clients(config, clients)
    todo = queue.SimpleQueue()
    for invoice_id in invoice_ids:
        todo.put(invoice_id)
    go = threading.Barrier(clients + 1)

    def client(cluster):
        go.wait()
        done, times = {}, []
        while True:
            try:
                invoice_id = todo.get_nowait()
            except queue.Empty:
                return done, times
            started = time.perf_counter()
            issued = cluster.orders.issue_invoice(invoice_id, ACTOR)
            times.append(time.perf_counter() - started)
            done[invoice_id] = issued["number"]

    try:
        with ThreadPoolExecutor(clients) as pool:
            running = [pool.submit(client, cluster) for cluster in clusters]
            go.wait()
            started = time.perf_counter()
            answers = [future.result() for future in running]
            elapsed = time.perf_counter() - started
    finally:
        _stop(clusters)
    numbers = {invoice_id: number for done, _times in answers for invoice_id, number in done.items()}
    return numbers, [seconds for _done, times in answers for seconds in times], elapsed


def check_series(database_url, series, numbers):
    """The gapless check of one measure: the issue answers (``numbers`` by
    invoice id) and the database agree, and the series holds exactly the
    numbers 1..N, each on one issued invoice; raises GaplessCheckFailed."""
    figures = gapless(list(numbers.values()), 1)
    if not figures["series"].startswith(f"{series}-"):
        raise GaplessCheckFailed(f"the invoices were numbered {figures['series']}..., not in the series {series}")
    invoices, following = stored_series(database_url, series)
    stored = {invoice_id: (number, status) for invoice_id, number, status, _sequence in invoices}
    differing = [invoice_id for invoice_id, number in numbers.items() if stored.get(invoice_id) != (number, "issued")]
    if differing or len(stored) != len(numbers):
        raise GaplessCheckFailed(f"the series {series} holds {len(stored)} invoices, {len(differing)} of the "
                                 f"{len(numbers)} issued stored with another number or status than their issue "
                                 "answered")
    if sorted(sequence for *_rest, sequence in invoices) != list(range(1, len(numbers) + 1)):
        raise GaplessCheckFailed(f"the stored running numbers of {series} are not exactly 1..{len(numbers)}")
    if list(following.values()) != [len(numbers) + 1]:
        raise GaplessCheckFailed(f"the series {series} would go on with {following}, not {len(numbers) + 1}")
    return figures


def cpu_figures(change, count):
    """CPU of the orders service process and of the database's backends per
    operation, and how busy the service process and the machine were."""
    roles = change["roles"]
    wall = change["wall_seconds"] or 1e-9
    service = roles.get(SERVICE, 0.0)
    postgres = sum(seconds for role, seconds in roles.items() if role.startswith("postgres"))
    return {"service_ms_per_operation": round(service * 1000 / count, 2),
            "postgres_ms_per_operation": round(postgres * 1000 / count, 2),
            "client_ms_per_operation": round(roles.get(CLIENT, 0.0) * 1000 / count, 2),
            "service_busy_share": round(service / wall, 2),
            "machine_busy_share": round(change["machine_busy_seconds"] / (wall * (os.cpu_count() or 1)), 2)}


def measure_issue(config, database_url, invoice_ids, clients, series, sampler=None):
    """Invoices/s and latency of issuing ``invoice_ids`` (drafts of ``series``)
    with ``clients`` concurrent clients, the gapless check of their numbers,
    and (``sampler`` given) the CPU the service and the database used."""
    before = sampler.sample() if sampler else None
    numbers, times, elapsed = issue_concurrently(config, invoice_ids, clients)
    used = cpu_figures(cpu.delta(before, sampler.sample()), len(invoice_ids)) if sampler else None
    if len(numbers) != len(invoice_ids):
        raise GaplessCheckFailed(f"{len(invoice_ids) - len(numbers)} of {len(invoice_ids)} invoices were not issued")
    return {"clients": clients, "invoices": len(invoice_ids), "seconds": round(elapsed, 3),
            "invoices_per_second": round(len(invoice_ids) / elapsed, 1), **latency_summary(times),
            "cpu": used, "numbers": check_series(database_url, series, numbers)}


def measure_invoices(config, database_url, account_ids, product_ids, count, clients, warmup=16, sampler=None):
    """Issuing ``count`` invoices with ``clients`` clients, and ``count``
    others with 1, each measure in a number series of its own (so each must
    get exactly 1..count), after ``warmup`` issued with ``clients`` (not
    measured)."""
    run_id = uuid.uuid4().hex[:6].upper()
    series = {"warmup": f"BW{run_id}", "concurrent": f"BC{run_id}", "single": f"BS{run_id}"}
    started = time.perf_counter()
    drafts = {name: prepare_invoices(config, account_ids, product_ids, series[name], size)
              for name, size in (("warmup", warmup), ("concurrent", count), ("single", count))}
    prepared = round(time.perf_counter() - started, 1)
    warm, _times, _elapsed = issue_concurrently(config, drafts["warmup"], clients)
    check_series(database_url, series["warmup"], warm)
    concurrent = measure_issue(config, database_url, drafts["concurrent"], clients, series["concurrent"], sampler)
    single = measure_issue(config, database_url, drafts["single"], 1, series["single"], sampler)
    return {"invoices": count, "warmup": warmup, "order_lines": ORDER_LINES, "prepare_seconds": prepared,
            "concurrent": concurrent, "single": single,
            "ratio_invoices_per_second": _ratio(concurrent["invoices_per_second"], single["invoices_per_second"])}


# The part --------------------------------------------------------------------

def run(stack, quotes=200, warmup=10, invoices=400, clients=16, progress=print):
    """The orders part of ``python -m bench`` on a started stack."""
    session = stack.session()

    def post(path, body):
        response = session.post(f"{stack.url}{path}", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    sampler = cpu.Sampler()
    sampler.add(SERVICE, stack.pid(SERVICE))
    sampler.add(CLIENT, os.getpid())
    sampler.add_postgres(stack.database_url)
    return measure(stack.config(SERVICE), stack.database_url, post, quotes=quotes, warmup=warmup,
                   invoices=invoices, clients=clients, sampler=sampler, progress=progress)


def measure(config, database_url, post, quotes=200, warmup=10, invoices=400, clients=16, invoice_warmup=16,
            products=PRODUCTS, accounts=ACCOUNTS, sampler=None, progress=print):
    """Seeds, then measures quotes and invoices against the running orders
    service of ``config``; ``post(path, body)`` creates through the gateway
    (None: RPC only); ``sampler`` (a bench.cpu.Sampler with the service's
    process as role ``orders``) adds CPU figures to the invoice measures."""
    run_id = uuid.uuid4().hex[:6]
    today = datetime.now(UTC).date()
    with RpcCluster(config, timeout=RPC_TIMEOUT) as cluster:
        catalog = seed_catalog(cluster.orders, products, run_id, today)
        account_ids = seed_accounts(database_url, accounts, run_id)
        paths = "gateway and RPC" if post else "RPC"
        progress(f"orders: {quotes} quotes of 20 lines and of 1 line, {paths} ...")
        quote_figures = measure_quotes(cluster.orders, post, account_ids, catalog["product_ids"], quotes, warmup)
    progress(f"orders: issuing {invoices} invoices with {clients} clients and with 1 ...")
    invoice_figures = measure_invoices(config, database_url, account_ids, catalog["product_ids"], invoices, clients,
                                       invoice_warmup, sampler)
    return {"seed": {"products": products, "accounts": accounts, "currency": CURRENCY, "country": COUNTRY,
                     "tax_rate": TAX_RATE},
            "quotes": quote_figures, "invoices": invoice_figures}


# The table -------------------------------------------------------------------

def _ms_pair(item):
    return f"{item['median_ms']:,.2f} / {item['p99_ms']:,.2f}"


def _times(value):
    return "-" if value is None else f"{value:.2f}x"


def table(orders, machine):
    """The part's own table: each measure beside its baseline of the same run."""
    quotes, invoices = orders["quotes"], orders["invoices"]
    out = Table(title=f"Orders (same run, {machine['cores']} cores, {machine['cpu']})",
                caption=f"quotes: {quotes['requests']} creates per measure after {quotes['warmup']} warm-up, one "
                        f"at a time, {quotes['lines']}-line and 1-line creates alternating; invoices: "
                        f"{invoices['invoices']} per measure (orders of {invoices['order_lines']} lines) after "
                        f"{invoices['warmup']} warm-up, issued over RPC by client threads of one process")
    for column, justify in (("measure", "left"), ("measured", "right"), ("baseline", "right"),
                            ("measured / baseline", "right")):
        out.add_column(column, justify=justify)
    for path, label in (("gateway", "POST /api/v1/quotes"), ("rpc", "RPC orders.create_quote")):
        if path not in quotes:
            continue
        item = quotes[path]
        out.add_row(f"{quotes['lines']}-line quote (baseline: 1 line), {label}: p50 / p99 ms",
                    _ms_pair(item["lines"]), _ms_pair(item["one_line"]),
                    f"{_times(item['ratio']['p50'])} / {_times(item['ratio']['p99'])}")
    concurrent, single = invoices["concurrent"], invoices["single"]
    out.add_row(f"issue invoices, {concurrent['clients']} clients (baseline: {single['clients']}): invoices/s",
                f"{concurrent['invoices_per_second']:,.1f}", f"{single['invoices_per_second']:,.1f}",
                _times(invoices["ratio_invoices_per_second"]))
    out.add_row("  p50 / p99 ms per issue", _ms_pair(concurrent), _ms_pair(single),
                f"{_times(_ratio(concurrent['median_ms'], single['median_ms']))} / "
                f"{_times(_ratio(concurrent['p99_ms'], single['p99_ms']))}")
    if concurrent.get("cpu") and single.get("cpu"):
        many, one = concurrent["cpu"], single["cpu"]
        out.add_row("  CPU ms per issue: orders process / database backends / bench client",
                    *[f"{item['service_ms_per_operation']:,.2f} / {item['postgres_ms_per_operation']:,.2f} / "
                      f"{item['client_ms_per_operation']:,.2f}" for item in (many, one)], "")
        out.add_row("  busy: orders process (of one core) / machine (of all cores)",
                    f"{many['service_busy_share']:.0%} / {many['machine_busy_share']:.0%}",
                    f"{one['service_busy_share']:.0%} / {one['machine_busy_share']:.0%}", "")
    out.add_row("  numbers issued (checked: no gap, no duplicate)", _numbers(concurrent["numbers"]),
                _numbers(single["numbers"]), "")
    return out


def _numbers(figures):
    """``BC1A2B3C-2026-000001..000400``"""
    return f"{figures['first_number']}..{figures['last_number'][len(figures['series']):]}"
