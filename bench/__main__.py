"""``make bench``: measures the running suite and writes bench/results/*.json.

    python -m bench [--rows 100000] [--concurrency 8] [--requests 250] [--leads-processes 2]
                    [--opportunities 200000] [--forecast-requests 200] [--conversions 200]

The leads service runs as ``--leads-processes`` processes (replicas, as the
Kubernetes base deploys it) beside one gateway with its default workers.
"""

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench import conversion, events, forecast, imports, latency, seed_opportunities
from bench.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"


def machine():
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def table(results):
    machine_line = f"{results['machine']['cores']} cores, {results['machine']['cpu']}"
    out = Table(title=f"CRM suite benchmark ({machine_line}; leads x{results['setup']['leads_processes']})")
    out.add_column("measure")
    out.add_column("value", justify="right")
    for name in ("get-lead", "create-lead"):
        item = results["latency"][name]
        out.add_row(f"{name} median / p99 (concurrency {item['concurrency']})",
                    f"{item['median_ms']} ms / {item['p99_ms']} ms ({item['throughput_rps']} req/s)")
    for measure, value in conversion.rows(results["conversion"]):
        out.add_row(measure, value)
    ev = results["events"]
    out.add_row("events/s outbox relay -> broker -> consumer", f"{ev['outbox_relay']['events_per_second']:,}")
    out.add_row("events/s nameko EventDispatcher (same run)",
                f"{ev['nameko_event_dispatcher']['events_per_second']:,}")
    out.add_row("outbox relay / dispatcher", f"{ev['ratio']}x")
    imp = results["import"]
    out.add_row(f"CSV import of {imp['rows']:,} rows",
                f"{imp['rows_per_second']:,} rows/s ({imp['seconds_until_done']} s)")
    out.add_row("  until all lead.created events published", f"{imp['seconds_until_events_published']} s")
    for measure, value in forecast.rows(results["forecast"]):
        out.add_row(measure, value)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=250, help="requests per concurrent client")
    parser.add_argument("--leads-processes", type=int, default=2, help="leads service processes (replicas)")
    parser.add_argument("--opportunities", type=int, default=200_000, help="opportunities seeded for the forecast")
    parser.add_argument("--forecast-requests", type=int, default=200, help="forecasts per measure")
    parser.add_argument("--conversions", type=int, default=200, help="leads converted (concurrency 4)")
    args = parser.parse_args()
    console = Console()
    results = {"started_at": datetime.now(UTC).isoformat(), "machine": machine(),
               "setup": {"leads_processes": args.leads_processes, "gateway": "gunicorn, default workers"}}
    with Stack(os.environ["CRM_BENCH_DATABASE_URL"], os.environ["CRM_BENCH_AMQP_URI"],
               os.environ["CRM_BENCH_RABBIT_API"], leads_processes=args.leads_processes) as stack:
        console.print("gateway latency ...")
        results["latency"] = latency.run(stack, args.concurrency, args.requests)
        console.print("lead conversion latency ...")
        results["conversion"] = conversion.run(stack, args.conversions)
        console.print("event pipeline ...")
        results["events"] = events.run(stack)
        with Progress(console=console) as progress:
            task = progress.add_task(f"import {args.rows:,} rows", total=args.rows)
            results["import"] = imports.run(stack, args.rows,
                                            lambda done, total: progress.update(task, completed=done))
        seeded = seed_opportunities.seed_with_progress(stack.database_url, args.opportunities, 2_000,
                                                       console=console)
        console.print("forecast latency ...")
        results["forecast"] = {**forecast.run(stack, args.opportunities, args.forecast_requests), "seed": seeded}
    console.print(table(results))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
