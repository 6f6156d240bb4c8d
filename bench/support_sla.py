"""The support service's SLA sweep at 100,000 open cases: the time from a
clock's due moment to its ``case.sla_breached`` event on the broker.

Probe cases get a first-response clock due at moments spread over a window
(``--sla-window`` seconds, starting a few seconds ahead); a consumer bound to
``support.events`` notes when each breach event arrives.  The latency of a
probe is arrival minus due moment: the sweep's wait, its work, the outbox
relay and the broker.  Each probe must arrive exactly once within 60 s (the
issue's promise), or the part fails.

Measured twice in the same run: the baseline with only the probes open, then
with ``--sla-open-cases`` open cases (each with a running first-response and
resolution clock, due weeks ahead) written beside them.  The plan and time of
the sweep's query at that size (EXPLAIN ANALYZE) are reported too.  The
cases and clocks are written directly (COPY), as the cases area would have;
the part removes them afterwards.
"""

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from kombu import Connection, Consumer, Exchange, Queue
from psycopg.rows import dict_row
from rich.table import Table

from bench.stats import latency_summary

SCHEMA = "support"
EVENT = "case.sla_breached"
PROMISE_SECONDS = 60
LEAD_SECONDS = 5  # the first probe falls due this long after seeding


def _connect(database_url):
    return psycopg.connect(database_url, row_factory=dict_row, options=f"-c search_path={SCHEMA},public",
                           autocommit=True)


class BreachListener:
    """Notes the arrival time of each breach event, by case id."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.connection.connect()
        queue = Queue(f"bench-sla-{uuid.uuid4().hex[:8]}", exchange=Exchange("support.events", type="topic",
                                                                             durable=True),
                      routing_key=EVENT, exclusive=True)
        self.arrivals = {}
        self.duplicates = 0
        self.consumer = Consumer(self.connection.channel(), queues=[queue], callbacks=[self._on_message],
                                 accept=["application/json"], no_ack=True)
        self.consumer.consume()
        self.running = True
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _on_message(self, body, message):
        case_id = body["data"]["case"]["id"]
        if case_id in self.arrivals:
            self.duplicates += 1
        else:
            self.arrivals[case_id] = datetime.now(UTC)

    def _drain(self):
        while self.running:
            try:
                self.connection.drain_events(timeout=0.2)
            except TimeoutError:
                continue

    def close(self):
        self.running = False
        self.thread.join(5)
        self.connection.release()


def _numbers(conn, count):
    """``count`` fresh case numbers (the sequence moved past them at once)."""
    first = conn.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    conn.execute("SELECT setval('case_numbers', %s)", (first + count,))
    return range(first, first + count)


def seed_cases(conn, count, due_from, due_spread, label, calendar_id, metric_rows):
    """``count`` open cases with clocks (``metric_rows``: (metric, seconds
    after ``due_from`` + a random share of ``due_spread``)); returns
    {case id: first-response due moment}."""
    now = conn.execute("SELECT now() AS now").fetchone()["now"]
    cases, clocks, due = [], [], {}
    for number in _numbers(conn, count):
        case_id = str(uuid.uuid4())
        cases.append((case_id, number, f"CASE-{number:06d}", f"{label} {number}", "urgent", "open", now))
        for metric, offset in metric_rows:
            due_at = due_from + timedelta(seconds=offset + random.random() * due_spread)
            if metric == "first_response":
                due[case_id] = due_at
            clocks.append((case_id, metric, str(calendar_id), 3600, 80, 0, now, now, due_at))
    with conn.transaction():
        with conn.cursor().copy("COPY cases (id, number_seq, number, subject, priority, status, created_at)"
                                " FROM STDIN") as copy:
            for row in cases:
                copy.write_row(row)
        with conn.cursor().copy("COPY case_sla (case_id, metric, calendar_id, target_seconds, warn_percent,"
                                " used_seconds, started_at, running_since, due_at) FROM STDIN") as copy:
            for row in clocks:
                copy.write_row(row)
        conn.execute("NOTIFY support_sla_due")  # as sla.commands does for a moment in the next minutes
    return due


def _referencing(conn):
    """(table, column) of every foreign key to the cases table."""
    return [(row["tab"], row["col"]) for row in conn.execute(
        "SELECT c.conrelid::regclass::text AS tab, a.attname AS col FROM pg_constraint c"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " WHERE c.contype = 'f' AND c.confrelid = 'cases'::regclass AND c.conrelid <> 'cases'::regclass")]


def remove_cases(conn, case_ids):
    """Delete the bench's cases with what refers to them; when something
    else holds on to them (a row of another area referring to those rows),
    close them and stop their clocks instead."""
    ids = list(case_ids)
    referencing = _referencing(conn)
    for start in range(0, len(ids), 10_000):
        chunk = ids[start:start + 10_000]
        try:
            with conn.transaction():
                for table, column in referencing:
                    conn.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s::uuid[])", (chunk,))
                conn.execute("DELETE FROM cases WHERE id = ANY(%s::uuid[])", (chunk,))
        except psycopg.errors.IntegrityError:
            with conn.transaction():
                conn.execute("UPDATE case_sla SET due_at = NULL, warn_at = NULL, running_since = NULL,"
                             " stopped = true WHERE case_id = ANY(%s::uuid[])", (chunk,))
                conn.execute("UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ANY(%s::uuid[])",
                             (chunk,))


def measure_probes(conn, listener, probes, window, calendar_id, label, lead=LEAD_SECONDS):
    """Probes due over ``window`` seconds from ``lead`` seconds ahead; waits
    for their events; returns the latency figures."""
    start = datetime.now(UTC) + timedelta(seconds=lead)
    due = seed_cases(conn, probes, start, window, label, calendar_id, [("first_response", 0)])
    deadline = time.monotonic() + lead + window + PROMISE_SECONDS + 10
    while time.monotonic() < deadline and not all(case_id in listener.arrivals for case_id in due):
        time.sleep(0.2)
    missing = [case_id for case_id in due if case_id not in listener.arrivals]
    latencies = [(listener.arrivals[case_id] - due_at).total_seconds() for case_id, due_at in due.items()
                 if case_id in listener.arrivals]
    marked = conn.execute("SELECT count(*) AS n FROM case_sla WHERE case_id = ANY(%s::uuid[])"
                          " AND breached_at IS NOT NULL", (list(due),)).fetchone()["n"]
    remove_cases(conn, due)
    figures = latency_summary([max(value, 0.0) for value in latencies]) if latencies else {"requests": 0}
    early = sum(1 for value in latencies if value < 0)
    return {**figures, "probes": probes, "missing": len(missing), "early": early, "marked_in_database": marked,
            "within_promise": sum(1 for value in latencies if 0 <= value <= PROMISE_SECONDS)}


def sweep_query_plan(conn):
    """EXPLAIN ANALYZE of the sweep's breach query (nothing is due: the
    common case), and the sizes of its partial indexes."""
    rows = conn.execute(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT s.* FROM case_sla s JOIN cases c ON c.id = s.case_id"
        " WHERE s.due_at IS NOT NULL AND s.breached_at IS NULL AND s.due_at <= now()"
        " ORDER BY s.due_at LIMIT 200 FOR UPDATE OF s, c SKIP LOCKED").fetchone()
    plan = next(iter(rows.values()))[0]
    sizes = conn.execute(
        "SELECT relname, pg_relation_size(oid) AS bytes FROM pg_class WHERE relname IN"
        " ('case_sla_due', 'case_sla_warn', 'case_sla')").fetchall()
    return {"execution_ms": round(plan["Execution Time"], 3), "planning_ms": round(plan["Planning Time"], 3),
            "top_node": plan["Plan"]["Node Type"],
            "relation_bytes": {row["relname"]: row["bytes"] for row in sizes}}


def run(stack, open_cases=100_000, probes=200, window=30, lead=LEAD_SECONDS, progress=print):
    """The support_sla part of ``python -m bench`` on a started stack."""
    config = stack.config("support")
    interval = float(config.get("SLA_SWEEP_SECONDS", 10))
    label = f"Bench SLA {uuid.uuid4().hex[:6]}"
    listener = BreachListener(stack.amqp_uri)
    conn = _connect(stack.database_url)
    background = {}
    try:
        calendar_id = conn.execute("SELECT id FROM calendars WHERE is_default").fetchone()["id"]
        progress(f"support SLA sweep: {probes} probes due over {window} s, no other open case ...")
        baseline = measure_probes(conn, listener, probes, window, calendar_id, label, lead)
        progress(f"support SLA sweep: writing {open_cases:,} open cases with running clocks ...")
        far = datetime.now(UTC) + timedelta(days=30)
        background = seed_cases(conn, open_cases, far, 30 * 86400, label, calendar_id,
                                [("first_response", 0), ("resolution", 86400)])
        conn.execute("ANALYZE case_sla")
        conn.execute("ANALYZE cases")
        plan = sweep_query_plan(conn)
        progress(f"support SLA sweep: {probes} probes due over {window} s beside {open_cases:,} open cases ...")
        loaded = measure_probes(conn, listener, probes, window, calendar_id, label, lead)
    finally:
        if background:
            remove_cases(conn, background)
        conn.close()
        listener.close()
    duplicates = listener.duplicates
    result = {"open_cases": open_cases, "probes": probes, "window_seconds": window, "sweep_seconds": interval,
              "promise_seconds": PROMISE_SECONDS, "baseline": baseline, "measured": loaded,
              "duplicates": duplicates, "sweep_query": plan,
              "ratio_p50": _ratio(loaded.get("median_ms"), baseline.get("median_ms")),
              "ratio_p99": _ratio(loaded.get("p99_ms"), baseline.get("p99_ms"))}
    failures = [f"{name}: {figures['missing']} probe(s) never breached" for name, figures in
                (("baseline", baseline), ("measured", loaded)) if figures["missing"]]
    failures += [f"{name}: {figures['probes'] - figures['within_promise']} probe(s) outside {PROMISE_SECONDS} s"
                 for name, figures in (("baseline", baseline), ("measured", loaded))
                 if figures["within_promise"] != figures["probes"]]
    if duplicates:
        failures.append(f"{duplicates} breach event(s) arrived twice")
    result["failures"] = failures
    if failures:
        raise RuntimeError("support SLA sweep: " + "; ".join(failures))
    return result


def _ratio(value, baseline):
    if value is None or not baseline:
        return None
    return round(value / baseline, 2)


def _pair(figures):
    return f"{figures['median_ms']:,.0f} / {figures['p99_ms']:,.0f} / {figures['max_ms']:,.0f}"


def table(sla, machine):
    out = Table(title=f"Support SLA sweep (same run, {machine['cores']} cores, {machine['cpu']})",
                caption=f"{sla['probes']} probe clocks due over {sla['window_seconds']} s; sweep every "
                        f"{sla['sweep_seconds']:g} s (sooner when a moment falls due); latency = the breach event's "
                        f"arrival on support.events minus the due moment; promise: within "
                        f"{sla['promise_seconds']} s, exactly once")
    for column, justify in (("measure", "left"), (f"{sla['open_cases']:,} open cases", "right"),
                            ("baseline: probes only", "right"), ("measured / baseline", "right")):
        out.add_column(column, justify=justify)
    measured, baseline = sla["measured"], sla["baseline"]
    out.add_row("due moment -> event: p50 / p99 / max ms", _pair(measured), _pair(baseline),
                f"{sla['ratio_p50'] or 0:.2f}x / {sla['ratio_p99'] or 0:.2f}x")
    out.add_row("events: arrived once / missing / duplicated",
                f"{measured['within_promise']} / {measured['missing']} / {sla['duplicates']}",
                f"{baseline['within_promise']} / {baseline['missing']} / -", "")
    query = sla["sweep_query"]
    out.add_row("sweep query (nothing due), execution ms", f"{query['execution_ms']:.3f}", "-", "")
    return out
