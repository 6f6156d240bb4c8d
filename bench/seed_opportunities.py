"""Seeds the sales schema with many opportunities for the forecast benchmark.

    python -m bench.seed_opportunities [--count 200000] [--accounts 2000] [--reset] [--database-url URL]

Writes straight into the database with COPY (no service needed): accounts,
a second pipeline ``renewals``, monthly exchange rates for a few currencies,
and opportunities spread over two years around today (one year back, one
ahead) across several owners, both pipelines, every stage (won and lost ones
with their closed_on) and several currencies (one of them, BRL, without a
rate, as happens in real data).  The sales schema is migrated first.

Seeded rows carry ``created_by = 'bench-seed'``.  A run finds the seed
already there with the asked count and does nothing (``--reset`` seeds
again); a seed of another size is replaced.  The random data is the same
for the same ``--seed``, relative to the day it runs.
"""

import argparse
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component

SEEDED_BY = "bench-seed"
OWNERS = [f"rep{n:02d}" for n in range(1, 13)]
OWNER_WEIGHTS = range(len(OWNERS) + 4, 4, -1)  # some reps carry more deals than others (16:5)
INDUSTRIES = ["software", "manufacturing", "retail", "finance", "healthcare", "logistics", "energy"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "ES", "CH", "SE", "JP", "BR"]
SOURCES = ["web_form", "referral", "partner", "event", "outbound", "campaign"]
LOSS_REASONS = ["price", "competitor", "no budget", "no decision", "timing"]
# currency: (share of opportunities, EUR per unit around which the monthly rates move, amount factor)
CURRENCIES = {
    "EUR": (0.52, None, 1),
    "USD": (0.25, Decimal("0.92"), 1),
    "GBP": (0.10, Decimal("1.17"), 1),
    "CHF": (0.05, Decimal("1.04"), 1),
    "SEK": (0.03, Decimal("0.087"), 10),
    "JPY": (0.045, Decimal("0.0061"), 150),
    "BRL": (0.005, None, 5),  # no exchange rate: shows up in missing_rates
}
RENEWALS_STAGES = [
    # key, name, position, probability, category, forecast_category
    ("upcoming", "Upcoming", 1, 50, "open", "pipeline"),
    ("quoted", "Quoted", 2, 70, "open", "best_case"),
    ("committed", "Committed", 3, 90, "open", "commit"),
    ("renewed", "Renewed", 4, 100, "won", "closed"),
    ("churned", "Churned", 5, 0, "lost", "omitted"),
]
ACCOUNT_COLUMNS = ("id", "name", "name_norm", "domain", "industry", "size", "country", "type", "owner",
                   "created_by", "created_at", "updated_at")
OPPORTUNITY_COLUMNS = ("id", "account_id", "name", "amount", "currency", "pipeline_id", "stage", "category",
                       "probability", "probability_overridden", "forecast_category", "expected_close_date",
                       "closed_on", "source", "owner", "next_step", "loss_reason", "created_by", "created_at",
                       "updated_at")


def sales_config(database_url):
    return load_component_config("sales", {**os.environ, "DATABASE_URL": database_url})


def seeded_count(conn):
    return conn.execute("SELECT count(*) FROM opportunities WHERE created_by = %s", (SEEDED_BY,)).fetchone()[0]


def remove_seed(conn):
    conn.execute("DELETE FROM opportunities WHERE created_by = %s", (SEEDED_BY,))
    conn.execute("DELETE FROM accounts WHERE created_by = %s", (SEEDED_BY,))


def ensure_pipeline_and_rates(conn, today):
    """The ``renewals`` pipeline and monthly rates (25 months back from today's month); kept when present."""
    conn.execute("INSERT INTO pipelines (id, name) VALUES ('renewals', 'Renewals') ON CONFLICT DO NOTHING")
    for key, name, position, probability, category, forecast_category in RENEWALS_STAGES:
        conn.execute(
            "INSERT INTO pipeline_stages (pipeline_id, key, name, position, probability, category, forecast_category)"
            " VALUES ('renewals', %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (key, name, position, probability, category, forecast_category),
        )
    rng = random.Random(7)
    first = today.replace(day=1)
    for currency, (_share, around, _factor) in CURRENCIES.items():
        if around is None:
            continue
        for months_back in range(25):
            year, month = divmod(first.year * 12 + first.month - 1 - months_back, 12)
            rate = (around * Decimal(str(round(rng.uniform(0.95, 1.05), 4)))).quantize(Decimal("0.0000000001"))
            conn.execute(
                "INSERT INTO exchange_rates (currency, valid_from, rate, set_by) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (currency, date(year, month + 1, 1), rate, SEEDED_BY),
            )


def stages(conn):
    """{pipeline_id: {"open": [(key, probability)...], "won": [...], "lost": [...]}}"""
    found = {}
    for pipeline_id, key, probability, category in conn.execute(
        "SELECT pipeline_id, key, probability, category FROM pipeline_stages"
        " WHERE pipeline_id IN ('default', 'renewals') ORDER BY pipeline_id, position"
    ):
        found.setdefault(pipeline_id, {"open": [], "won": [], "lost": []})[category].append((key, probability))
    return found


def account_rows(count, rng, now):
    for n in range(count):
        name = f"Bench Account {n:05d}"
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), name, name.lower(), f"acct{n:05d}.bench-seed.test",
               rng.choice(INDUSTRIES), rng.choice([10, 50, 200, 1000, 5000]), rng.choice(COUNTRIES),
               rng.choice(["prospect", "customer", "customer", "partner"]), rng.choice(OWNERS), SEEDED_BY,
               now, now)


def opportunity_rows(count, account_ids, pipeline_stages, rng, today, now):
    """Opportunities with close dates uniform over today -365 .. today +365 days."""
    currencies = list(CURRENCIES)
    weights = [CURRENCIES[c][0] for c in currencies]
    for n in range(count):
        pipeline_id = "renewals" if rng.random() < 0.25 else "default"
        stage_set = pipeline_stages[pipeline_id]
        close = today + timedelta(days=rng.randint(-365, 365))
        closed_on = loss_reason = None
        if close < today and rng.random() < 0.7:
            category = "won" if rng.random() < 0.4 else "lost"
            closed_on = close
            close += timedelta(days=rng.randint(-20, 20))
        elif close >= today and rng.random() < 0.03:
            category = "won"
            closed_on = today - timedelta(days=rng.randint(0, 30))
        else:
            category = "open"
        # Early stages are more common than late ones.
        choices = stage_set[category]
        stage, probability = rng.choices(choices, weights=range(len(choices), 0, -1))[0]
        overridden = category == "open" and rng.random() < 0.1
        if overridden:
            probability = rng.randint(5, 95)
        forecast_category = None
        if category == "open" and rng.random() < 0.08:
            forecast_category = rng.choice(["pipeline", "best_case", "commit", "omitted"])
        if category == "lost":
            loss_reason = rng.choice(LOSS_REASONS)
        currency = rng.choices(currencies, weights=weights)[0]
        amount = Decimal(round(rng.lognormvariate(9.5, 1.1) * CURRENCIES[currency][2], 2)).quantize(Decimal("0.01"))
        created = min(now, datetime.combine(close, datetime.min.time(), UTC) - timedelta(days=rng.randint(10, 300)))
        owner = None if rng.random() < 0.03 else rng.choices(OWNERS, weights=OWNER_WEIGHTS)[0]
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), rng.choice(account_ids), f"Bench deal {n}",
               amount, currency, pipeline_id, stage, category, probability, overridden, forecast_category,
               close, closed_on, rng.choice(SOURCES), owner, None if category != "open" else "Follow up",
               loss_reason, SEEDED_BY, created, created)


def seed(database_url, count=200_000, accounts=2_000, reset=False, random_seed=42, progress=None, migrate=True):
    """Seed ``count`` opportunities (and ``accounts`` accounts); returns a summary dict.

    ``progress(done, total)`` is called as rows are written (accounts and
    opportunities together)."""
    if migrate:
        migrate_component("sales", sales_config(database_url))
    started = time.perf_counter()
    total = accounts + count
    with psycopg.connect(database_url, options="-c search_path=sales,public") as conn:
        existing = seeded_count(conn)
        if existing == count and not reset:
            if progress:
                progress(total, total)
            return {"opportunities": count, "accounts": accounts, "seeded_now": False, "seconds": 0.0}
        remove_seed(conn)
        rng = random.Random(random_seed)
        today, now = datetime.now(UTC).date(), datetime.now(UTC)
        ensure_pipeline_and_rates(conn, today)
        account_ids = []
        done = 0
        with conn.cursor().copy(f"COPY accounts ({', '.join(ACCOUNT_COLUMNS)}) FROM STDIN") as copy:
            for row in account_rows(accounts, rng, now):
                copy.write_row(row)
                account_ids.append(row[0])
        done += accounts
        if progress:
            progress(done, total)
        pipeline_stages = stages(conn)
        with conn.cursor().copy(f"COPY opportunities ({', '.join(OPPORTUNITY_COLUMNS)}) FROM STDIN") as copy:
            for index, row in enumerate(opportunity_rows(count, account_ids, pipeline_stages, rng, today, now), 1):
                copy.write_row(row)
                if progress and index % 5_000 == 0:
                    progress(done + index, total)
        done += count
        if progress:
            progress(done, total)
    # Fresh statistics and a set visibility map, as autovacuum leaves a table
    # that has settled: the forecast's index-only scans depend on the latter.
    with psycopg.connect(database_url, autocommit=True, options="-c search_path=sales,public") as conn:
        conn.execute("VACUUM (ANALYZE) accounts, opportunities, exchange_rates, pipeline_stages")
    return {"opportunities": count, "accounts": accounts, "seeded_now": True,
            "seconds": round(time.perf_counter() - started, 1)}


def seed_with_progress(database_url, count, accounts, reset=False, random_seed=42, console=None):
    """``seed`` with a rich progress bar."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console or Console()) as progress:
        task = progress.add_task(f"seed {count:,} opportunities", total=accounts + count)
        return seed(database_url, count, accounts, reset, random_seed,
                    lambda done, total: progress.update(task, completed=done))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200_000, help="opportunities (default 200000)")
    parser.add_argument("--accounts", type=int, default=2_000, help="accounts (default 2000)")
    parser.add_argument("--reset", action="store_true", help="seed again even when already seeded")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--database-url", default=os.environ.get("CRM_BENCH_DATABASE_URL")
                        or os.environ.get("DATABASE_URL"),
                        help="default: $CRM_BENCH_DATABASE_URL, else $DATABASE_URL")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set CRM_BENCH_DATABASE_URL / DATABASE_URL")
    if args.count < 0 or args.accounts < 1:
        parser.error("--count must be >= 0 and --accounts >= 1")
    console = Console()
    summary = seed_with_progress(args.database_url, args.count, args.accounts, args.reset, args.seed, console)
    if summary["seeded_now"]:
        console.print(f"seeded {summary['opportunities']:,} opportunities and {summary['accounts']:,} accounts"
                      f" in {summary['seconds']} s")
    else:
        console.print(f"already seeded with {summary['opportunities']:,} opportunities; --reset seeds again")


if __name__ == "__main__":
    main()
