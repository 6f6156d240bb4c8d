"""``make bench``: measures the running suite and writes bench/results/*.json.

    python -m bench [--seconds 10] [--warmup 3] [--http-rounds 1] [--leads-processes 2] [--rows 100000]
                    [--opportunities 200000] [--forecast-requests 200] [--conversions 200]
                    [--publisher-events 10000] [--publisher-rounds 5]
                    [--console-leads 200000] [--console-runs 20]
                    [--quotes 200] [--quote-warmup 10] [--invoices 400] [--invoice-clients 16]
                    [--value-orders 500000] [--value-accounts 20000] [--value-requests 1000]
                    [--sla-open-cases 100000] [--sla-probes 200] [--sla-window 30]
                    [--kb-articles 50000] [--kb-requests 500] [--cases 300]
                    [--segment-people 1000000] [--segment-events 2000] [--sends 10000]
                    [--only http,conversion,events,import,forecast,console,orders,customer_value,support_cases,
                            support_sla,support_kb,campaigns_segments,campaigns_sending]

The leads service runs as ``--leads-processes`` processes (replicas, as the
Kubernetes base deploys it) and sales as one, beside one gateway under
gunicorn with its default workers; the one-process baseline app
(bench/baseline_app.py) runs beside them on the same database, and wrk drives
the HTTP load of both in the same run (bench/http_load.py).
"""

import argparse
import json
import logging
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from bench import (
    campaigns_segments,
    campaigns_sending,
    conversion,
    customer_value,
    events,
    forecast,
    http_load,
    imports,
    seed_opportunities,
    support_cases,
    support_kb,
    support_sla,
)
from bench import console as console_bench
from bench import orders as orders_bench
from bench.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("http", "conversion", "events", "import", "forecast", "console", "orders", "customer_value", "support_cases",
         "support_sla", "support_kb", "campaigns_segments", "campaigns_sending")
LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def machine():
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    meminfo = Path("/proc/meminfo")
    memory = next((int(line.split()[1]) // 1024 for line in meminfo.read_text().splitlines()
                   if line.startswith("MemTotal:")), None) if meminfo.exists() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": memory, "python": platform.python_version(),
            "system": platform.platform()}


def code_version():
    """The commit measured, and whether the working tree differed from it."""
    def git(*args):
        done = subprocess.run(["git", *args], cwd=RESULTS.parent.parent, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    changes = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "uncommitted_changes": bool(changes)} if commit else None


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def _ms(value):
    return "-" if value is None else f"{value:,.2f}"


def _ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def http_table(results):
    http = results["http"]
    setup = results["setup"]
    m = results["machine"]
    runs = f"{http['seconds']} s per run after {http['warmup_seconds']} s warm-up, {http['rounds']} round(s)"
    out = Table(title=f"HTTP load on {m['cores']} cores ({m['cpu']}), {escape(http['tool'])}: {runs}",
                caption=f"gateway: {setup['gateway']}; leads x{setup['leads_processes']}, "
                        f"sales x{setup['sales_processes']}\nbaseline: {setup['baseline']}")
    for column, justify in (("measure", "left"), ("baseline", "right"), ("gateway", "right"),
                            ("gateway / baseline", "right")):
        out.add_column(column, justify=justify)
    for item in http["measures"].values():
        base, gate, ratio = item["baseline"], item["gateway"], item["gateway_over_baseline"]
        name = f"{item['what']}, {item['connections']} conn."
        out.add_row(f"{name}: req/s", f"{base['rps']:,.0f}", f"{gate['rps']:,.0f}", _ratio(ratio["rps"]))
        out.add_row("  p50 / p99 ms", f"{_ms(base['p50_ms'])} / {_ms(base['p99_ms'])}",
                    f"{_ms(gate['p50_ms'])} / {_ms(gate['p99_ms'])}",
                    f"{_ratio(ratio['p50_ms'])} / {_ratio(ratio['p99_ms'])}")
        out.add_row("  CPU ms per request (all processes of the system)",
                    _ms(base["cpu"]["total_ms_per_request"]), _ms(gate["cpu"]["total_ms_per_request"]),
                    _ratio(ratio["cpu_ms_per_request"]))
        errors = [f"{target}: {item[target]['non_2xx_3xx']} non-2xx, {item[target]['socket_errors']} socket"
                  for target in ("baseline", "gateway")
                  if item[target]["non_2xx_3xx"] or item[target]["socket_errors"]]
        if errors:
            out.add_row("  [red]errors[/red]", "", "", "; ".join(errors))
    return out


def cpu_table(results):
    measures = results["http"]["measures"]
    columns = [(key, target) for key in measures for target in ("baseline", "gateway")]
    out = Table(title="CPU ms per request per process (utime+stime from /proc around each wrk run)",
                caption="postgres <name>: the backends of crm_bench with that application_name, summed; "
                        "postgres server processes: WAL writer, checkpointer, background writer, autovacuum "
                        "(the whole server, counted for both systems); rabbitmq: the whole broker (all vhosts); "
                        "machine busy: every process on the machine, wrk, other users and the kernel included")
    out.add_column("process")
    for key, target in columns:
        item = measures[key]
        out.add_column(f"{item['what']} c{item['connections']}\n{target}", justify="right")
    roles = []
    for key, target in columns:
        for role in measures[key][target]["cpu"]["ms_per_request"]:
            if role not in roles:
                roles.append(role)
    for role in sorted(roles, key=_role_order):
        out.add_row(role, *[_ms(measures[key][target]["cpu"]["ms_per_request"].get(role))
                            if role in measures[key][target]["cpu"]["ms_per_request"] else ""
                            for key, target in columns])
    for name, label in (("total_ms_per_request", "[bold]total of the system[/bold]"),
                        ("wrk_ms_per_request", "wrk (load generator)"),
                        ("unattributed_ms_per_request", "other processes (not the system, not wrk)"),
                        ("machine_busy_ms_per_request", "machine busy")):
        out.add_row(label, *[_ms(measures[key][target]["cpu"][name]) for key, target in columns])
    out.add_row("machine busy share of the cores",
                *[f"{measures[key][target]['cpu']['machine_busy_share']:.0%}" for key, target in columns])
    out.add_row("cores' time stolen by the hypervisor",
                *[f"{measures[key][target]['cpu'].get('machine_stolen_share') or 0:.0%}" for key, target in columns])
    return out


NOISY_SHARE = 0.1


def others_share(http):
    """Per HTTP run: the share of the machine's busy CPU used by processes
    that are neither the system under test nor wrk (other users' work)."""
    shares = {}
    for key, item in http["measures"].items():
        for target in ("baseline", "gateway"):
            cpu = item[target]["cpu"]
            busy = cpu["machine_busy_ms_per_request"]
            shares[f"{key}/{target}"] = round(cpu["unattributed_ms_per_request"] / busy, 3) if busy else 0.0
    return shares


def _role_order(role):
    order = ("baseline", "gateway", "leads", "sales", "rabbitmq", "postgres")
    return next((index for index, prefix in enumerate(order) if role.startswith(prefix)), len(order)), role


def other_table(results):
    m = results["machine"]
    out = Table(title=f"Other measures (same run, {m['cores']} cores, {m['cpu']})")
    out.add_column("measure")
    out.add_column("value", justify="right")
    if "conversion" in results:
        for measure, value in conversion.rows(results["conversion"]):
            out.add_row(measure, value)
    if "events" in results:
        ev = results["events"]
        out.add_row("events/s outbox relay -> broker -> consumer", f"{ev['outbox_relay']['events_per_second']:,}")
        out.add_row("events/s nameko EventDispatcher (same run)",
                    f"{ev['nameko_event_dispatcher']['events_per_second']:,}")
        out.add_row("outbox relay / dispatcher", f"{ev['ratio']}x")
        for mode, item in ev["relay_publishers"].items():
            out.add_row(f"relay publisher alone ({mode}, batches of {item['batch_size']}), events/s: "
                        "public basic_publish (the relay) / frames batched in one send",
                        f"{item['relay']['events_per_second']:,} / {item['batched_frames']['events_per_second']:,}"
                        f" ({item['ratio_batched_frames_over_relay']}x)")
            out.add_row("  publisher CPU µs per event: relay / batched",
                        f"{item['relay']['publisher_cpu_us_per_event']} / "
                        f"{item['batched_frames']['publisher_cpu_us_per_event']}")
    if "import" in results:
        imp = results["import"]
        out.add_row(f"CSV import of {imp['rows']:,} rows",
                    f"{imp['rows_per_second']:,} rows/s ({imp['seconds_until_done']} s)")
        out.add_row("  until all lead.created events published", f"{imp['seconds_until_events_published']} s")
    if "forecast" in results:
        for measure, value in forecast.rows(results["forecast"]):
            out.add_row(measure, value)
    if "console" in results:
        for measure, value in console_bench.rows(results["console"]):
            out.add_row(measure, value)
    return out


def header(results):
    m = results["machine"]
    return (f"CRM suite benchmark, {results['started_at'][:19]} UTC: {m['cores']} cores, {m['cpu']}, "
            f"{m['memory_mib']:,} MiB; load average at start {results['load_average']['start']}, "
            f"at end {results['load_average']['end']}"
            + ("" if not results.get("code") else f"; commit {results['code']['commit'][:10]}"
               + (" with uncommitted changes" if results["code"]["uncommitted_changes"] else "")))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each wrk run")
    parser.add_argument("--http-rounds", type=int, default=1, help="rounds per HTTP measure (medians reported)")
    parser.add_argument("--leads-processes", type=int, default=2, help="leads service processes (replicas)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=200_000, help="opportunities seeded for the forecast")
    parser.add_argument("--forecast-requests", type=int, default=200, help="forecasts per measure")
    parser.add_argument("--conversions", type=int, default=200, help="leads converted (concurrency 4)")
    parser.add_argument("--publisher-events", type=int, default=10_000, help="events per relay publisher round")
    parser.add_argument("--publisher-rounds", type=int, default=5, help="rounds of the relay publisher comparison")
    parser.add_argument("--console-leads", type=int, default=200_000,
                        help="leads seeded for the console's page timings (headless Chromium)")
    parser.add_argument("--console-runs", type=int, default=20, help="page loads per console measure")
    parser.add_argument("--quotes", type=int, default=200, help="quotes created per orders measure")
    parser.add_argument("--quote-warmup", type=int, default=10, help="quotes created before each is timed")
    parser.add_argument("--invoices", type=int, default=400, help="invoices issued per orders measure")
    parser.add_argument("--invoice-clients", type=int, default=16, help="concurrent clients issuing invoices")
    parser.add_argument("--value-orders", type=int, default=500_000, help="orders filled for customer value")
    parser.add_argument("--value-accounts", type=int, default=20_000, help="accounts those orders are spread over")
    parser.add_argument("--value-requests", type=int, default=1000, help="customer value RPCs per measure")
    parser.add_argument("--cases", type=int, default=300, help="cases opened per support measure (one at a time)")
    parser.add_argument("--sla-open-cases", type=int, default=100_000, help="open cases beside the SLA sweep's probes")
    parser.add_argument("--sla-probes", type=int, default=200, help="SLA clocks whose breach is timed, per measure")
    parser.add_argument("--sla-window", type=int, default=30, help="seconds the probes' due moments spread over")
    parser.add_argument("--kb-articles", type=int, default=50_000, help="knowledge base articles searched")
    parser.add_argument("--kb-requests", type=int, default=500, help="knowledge searches per measure")
    parser.add_argument("--segment-people", type=int, default=1_000_000,
                        help="people in the campaigns projection for the segments part")
    parser.add_argument("--segment-events", type=int, default=2000,
                        help="people-change events per segments measure (one per transaction, and in batches)")
    parser.add_argument("--sends", type=int, default=10_000, help="campaign emails sent to the local SMTP catcher")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    args = parser.parse_args()
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(args.only) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    return args


def main():
    args = parse_args()
    # py-amqp warns of acks that reach an RPC channel being closed (health checks while the stack starts)
    logging.getLogger("amqp").setLevel(logging.ERROR)
    console = Console()
    if not console.is_terminal:
        console = Console(width=180)  # a log file: no wrapping of the tables
    results = {"started_at": datetime.now(UTC).isoformat(), "machine": machine(), "code": code_version(),
               "load_average": {"start": load_average()}}
    started = time.monotonic()
    rabbitmq_local = urlsplit(os.environ["CRM_BENCH_AMQP_URI"]).hostname in LOCAL_HOSTS
    with Stack(os.environ["CRM_BENCH_DATABASE_URL"], os.environ["CRM_BENCH_AMQP_URI"],
               os.environ["CRM_BENCH_RABBIT_API"], leads_processes=args.leads_processes) as stack:
        results["setup"] = stack.setup()
        if "http" in args.only:
            console.print("HTTP load (wrk): baseline and gateway ...")
            results["http"] = http_load.run(stack, args.seconds, args.warmup, args.http_rounds,
                                            cores=results["machine"]["cores"], rabbitmq_local=rabbitmq_local,
                                            progress=console.print)
        if "conversion" in args.only:
            console.print("lead conversion latency ...")
            results["conversion"] = conversion.run(stack, args.conversions)
        if "events" in args.only:
            console.print("event pipeline and relay publishers ...")
            results["events"] = events.run(stack, publisher_events=args.publisher_events,
                                           publisher_rounds=args.publisher_rounds)
        if "import" in args.only:
            with Progress(console=console) as progress:
                task = progress.add_task(f"import {args.rows:,} rows", total=args.rows)
                results["import"] = imports.run(stack, args.rows,
                                                lambda done, total: progress.update(task, completed=done))
        if "forecast" in args.only:
            seeded = seed_opportunities.seed_with_progress(stack.database_url, args.opportunities, 2_000,
                                                           console=console)
            console.print("forecast latency ...")
            results["forecast"] = {**forecast.run(stack, args.opportunities, args.forecast_requests),
                                   "seed": seeded}
        if "console" in args.only:
            results["console"] = console_bench.run(stack, args.console_leads, args.console_runs,
                                                   progress=console.print)
        if "orders" in args.only:
            results["orders"] = orders_bench.run(stack, quotes=args.quotes, warmup=args.quote_warmup,
                                                 invoices=args.invoices, clients=args.invoice_clients,
                                                 progress=console.print)
        if "customer_value" in args.only:
            results["customer_value"] = customer_value.run(
                stack.database_url, os.environ["CRM_BENCH_AMQP_URI"], os.environ["CRM_BENCH_RABBIT_API"],
                args.value_orders, args.value_accounts, args.value_requests, progress=console.print)
        if "support_cases" in args.only:
            results["support_cases"] = support_cases.run(stack, cases=args.cases, seconds=args.seconds,
                                                         progress=console.print)
        if "support_sla" in args.only:
            results["support_sla"] = support_sla.run(stack, open_cases=args.sla_open_cases, probes=args.sla_probes,
                                                     window=args.sla_window, progress=console.print)
        if "support_kb" in args.only:
            results["support_kb"] = support_kb.run(
                stack.database_url, os.environ["CRM_BENCH_AMQP_URI"], os.environ["CRM_BENCH_RABBIT_API"],
                args.kb_articles, args.kb_requests, progress=console.print)
        if "campaigns_segments" in args.only:
            results["campaigns_segments"] = campaigns_segments.run(stack, people=args.segment_people,
                                                                   events=args.segment_events, progress=console.print)
        if "campaigns_sending" in args.only:
            results["campaigns_sending"] = campaigns_sending.run(stack, recipients=args.sends, progress=console.print)
    results["load_average"]["end"] = load_average()
    results["seconds"] = round(time.monotonic() - started, 1)
    console.print(header(results))
    if "http" in results:
        results["http"]["others_share_of_busy_cpu"] = others_share(results["http"])
        busiest = max(results["http"]["others_share_of_busy_cpu"].values())
        if busiest > NOISY_SHARE:
            console.print(f"[yellow]Other processes on the machine used up to {busiest:.0%} of the busy CPU during"
                          " the HTTP runs: these figures are noisy (quote figures from a quiet machine).[/yellow]")
    if "http" in results:
        console.print(http_table(results))
        console.print(cpu_table(results))
    if any(part in results for part in PARTS[1:]
           if part not in ("orders", "customer_value", "support_cases", "support_sla", "support_kb",
                           "campaigns_segments", "campaigns_sending")):
        console.print(other_table(results))
    if "orders" in results:
        console.print(orders_bench.table(results["orders"], results["machine"]))
    if "customer_value" in results:
        console.print(customer_value.table(results["customer_value"], results["machine"]))
    if "support_cases" in results:
        console.print(support_cases.table(results["support_cases"], results["machine"]))
    if "support_sla" in results:
        console.print(support_sla.table(results["support_sla"], results["machine"]))
    if "support_kb" in results:
        console.print(support_kb.table(results["support_kb"], results["machine"]))
    if "campaigns_segments" in results:
        console.print(campaigns_segments.table(results["campaigns_segments"], results["machine"]))
    if "campaigns_sending" in results:
        console.print(campaigns_sending.table(results["campaigns_sending"], results["machine"]))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    console.print(f"written to {shown} ({results['seconds']} s)")


if __name__ == "__main__":
    main()
