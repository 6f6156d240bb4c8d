"""Segment membership upkeep and live counts with 1,000,000 people in the
campaigns service's projection.

The people (and 20,000 accounts) are written set-based (generate_series),
as the people area would have, with the people table's secondary indexes
dropped for the bulk insert and built again after it (in the same
transaction: the same indexes are there for everything measured, and a
failure leaves them as they were); ~10 dynamic segments are created through
the segments area's commands (each computes its members in full once:
timed), then the membership tables are analysed, as autovacuum would have
done by then (with no statistics yet, the planner scans every member of the
changed segments for a batch of people). Then:

- upkeep: people-change events applied as the event handlers apply them,
  each a transaction that updates the person and calls
  ``upkeep.people_changed`` for it; and account-sized batches (100 people
  per call). Events per second, against a baseline in the same run: the same
  updates and commits without the upkeep.
- live count: ``count_rule`` (what POST /campaigns/segments/count runs) for
  a few typical rules, p50 / p99, against a plain ``count(*)`` of people.

The part removes its people, accounts and segments afterwards.
"""

import time
import uuid

import psycopg
from psycopg.rows import dict_row
from rich.table import Table

from bench.stats import latency_summary
from services.campaigns.segments import commands, upkeep

SCHEMA = "campaigns"
SEGMENTS = [
    ("German leads", {"all": [{"field": "country", "op": "eq", "value": "DE"}, {"field": "kind", "op": "eq",
                                                                                 "value": "lead"}]}),
    ("Hot leads", {"all": [{"field": "lead_score", "op": "gte", "value": 90}]}),
    ("Retail or banking", {"any": [{"field": "account_industry", "op": "eq", "value": "Retail"},
                                   {"field": "account_industry", "op": "eq", "value": "Banking"}]}),
    ("Recent buyers", {"field": "last_order_at", "op": "within_last_days", "value": 30}),
    ("CTOs", {"field": "title", "op": "contains", "value": "cto"}),
    ("Unhappy customers", {"all": [{"field": "open_cases", "op": "gte", "value": 3},
                                   {"field": "last_csat", "op": "lte", "value": 2}]}),
    ("Big accounts outside DACH", {"all": [{"field": "lifetime_revenue", "op": "gt", "value": "400000"},
                                           {"not": {"field": "country", "op": "in", "value": ["DE", "AT", "CH"]}}]}),
    ("New this quarter", {"field": "created_at", "op": "within_last_days", "value": 90}),
    ("Working leads, no email ban", {"all": [{"field": "lead_status", "op": "eq", "value": "working"},
                                             {"field": "do_not_email", "op": "eq", "value": False}]}),
]
COUNT_RULES = {
    "country = DE": {"field": "country", "op": "eq", "value": "DE"},
    "score >= 80 and status working": {"all": [{"field": "lead_score", "op": "gte", "value": 80},
                                               {"field": "lead_status", "op": "eq", "value": "working"}]},
    "industry Retail, ordered in 30 days": {"all": [{"field": "account_industry", "op": "eq", "value": "retail"},
                                                    {"field": "last_order_at", "op": "within_last_days",
                                                     "value": 30}]},
    "title contains 'head', not in FR": {"all": [{"field": "title", "op": "contains", "value": "head"},
                                                 {"not": {"field": "country", "op": "eq", "value": "FR"}}]},
}


def _connect(database_url):
    return psycopg.connect(database_url, row_factory=dict_row, options=f"-c search_path={SCHEMA},public",
                           autocommit=True)


def _secondary_indexes(conn, table):
    """``(name, CREATE INDEX statement)`` of the table's indexes that no constraint owns."""
    return [(row["name"], row["definition"]) for row in conn.execute(
        "SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition FROM pg_index x"
        " JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY c.relname",
        (table,))]


def seed(conn, people, accounts, label):
    with conn.transaction():
        # one bulk insert into people: its secondary indexes are built after it, not row by row
        indexes = _secondary_indexes(conn, "people")
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute(
            "INSERT INTO accounts (id, name, type, industry, country, open_cases, last_csat, lifetime_revenue,"
            " last_order_at)"
            " SELECT gen_random_uuid(), %s || ' ' || n, (ARRAY['customer','prospect','partner'])[1 + n %% 3],"
            " (ARRAY['Retail','Banking','Software','Health','Energy'])[1 + n %% 5],"
            " (ARRAY['DE','FR','GB','US','AT','CH','IT','ES'])[1 + n %% 8], n %% 5, 1 + (n / 5) %% 5,"
            " (n %% 1000) * 1000, now() - make_interval(days => n %% 365)"
            " FROM generate_series(1, %s) AS n", (label, accounts))
        conn.execute(
            "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, company, title,"
            " country, lead_score, lead_status, account_id, created_at)"
            " SELECT CASE WHEN n %% 3 = 0 THEN 'contact' ELSE 'lead' END, gen_random_uuid(), 'P' || n, %s,"
            " 'p' || n || '@bench.example', 'p' || n || '@bench.example', %s,"
            " (ARRAY['CTO','Head of Sales','Engineer','Buyer','CEO','Head of IT'])[1 + n %% 6],"
            " (ARRAY['DE','FR','GB','US','AT','CH','IT','ES','NL','PL'])[1 + (n / 7) %% 10],"
            " CASE WHEN n %% 3 = 0 THEN NULL ELSE (n::bigint * 7919) %% 101 END,"
            " CASE WHEN n %% 3 = 0 THEN NULL ELSE (ARRAY['new','working','nurturing'])[1 + n %% 3] END,"
            " CASE WHEN n %% 3 = 0 THEN ids[1 + n %% cardinality(ids)] END,"
            " now() - make_interval(days => n %% 700)"
            " FROM generate_series(1, %s) AS g(n),"
            " (SELECT array_agg(id ORDER BY id) AS ids FROM accounts WHERE name LIKE %s || ' %%') AS bench",
            (label, label, people, label))
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            conn.execute(definition)
    conn.execute("ANALYZE people")
    conn.execute("ANALYZE accounts")


def _bench_people(conn, label, count):
    rows = conn.execute("SELECT id FROM people WHERE last_name = %s ORDER BY random() LIMIT %s",
                        (label, count)).fetchall()
    return [str(row["id"]) for row in rows]


def _change(conn, person_id, with_upkeep):
    with conn.transaction():
        conn.execute("UPDATE people SET lead_score = (random() * 100)::int, country = (ARRAY['DE','FR','GB'])"
                     "[1 + (random() * 2)::int], updated_at = now() WHERE id = %s", (person_id,))
        if with_upkeep:
            upkeep.people_changed(conn, [person_id])


def _batch(conn, person_ids, with_upkeep):
    with conn.transaction():
        conn.execute("UPDATE people SET lead_score = (random() * 100)::int, updated_at = now()"
                     " WHERE id = ANY(%s::uuid[])", (person_ids,))
        if with_upkeep:
            upkeep.people_changed(conn, person_ids)


def _rate(count, seconds):
    return round(count / seconds, 1) if seconds else None


def measure_upkeep(conn, ids, batch_size):
    """Events per second, one event per transaction and in batches, with and without the upkeep."""
    half = len(ids) // 2
    singles, batched = ids[:half], ids[half:]
    result = {}
    for mode, with_upkeep in (("baseline", False), ("upkeep", True)):
        started = time.perf_counter()
        for person_id in singles:
            _change(conn, person_id, with_upkeep)
        single_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(batched), batch_size):
            _batch(conn, batched[start:start + batch_size], with_upkeep)
        batch_seconds = time.perf_counter() - started
        result[mode] = {"single_events_per_second": _rate(len(singles), single_seconds),
                        "batched_events_per_second": _rate(len(batched), batch_seconds)}
    return result


def measure_counts(conn, runs):
    counts = {}
    for name, rule in COUNT_RULES.items():
        seconds, found = [], None
        for _ in range(runs):
            started = time.perf_counter()
            with conn.transaction():
                found = commands.count_rule(conn, rule)["count"]
            seconds.append(time.perf_counter() - started)
        counts[name] = {"count": found, **latency_summary(seconds)}
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute("SELECT count(*) FROM people").fetchone()
        seconds.append(time.perf_counter() - started)
    counts["baseline: count(*) of all people"] = {"count": None, **latency_summary(seconds)}
    return counts


def remove(conn, label, segment_ids):
    with conn.transaction():
        if segment_ids:
            conn.execute("DELETE FROM segments WHERE id = ANY(%s::uuid[])", (segment_ids,))
    while True:
        with conn.transaction():
            ids = [row["id"] for row in conn.execute("SELECT id FROM people WHERE last_name = %s LIMIT 50000",
                                                      (label,))]
            if not ids:
                break
            conn.execute("DELETE FROM segment_members WHERE person_id = ANY(%s::uuid[])", (ids,))
            conn.execute("DELETE FROM segment_history WHERE person_id = ANY(%s::uuid[])", (ids,))
            conn.execute("DELETE FROM people WHERE id = ANY(%s::uuid[])", (ids,))
    with conn.transaction():
        conn.execute("DELETE FROM accounts WHERE name LIKE %s || ' %%'", (label,))


def run(stack, people=1_000_000, accounts=20_000, events=2000, batch_size=100, count_runs=20, progress=print):
    """The campaigns_segments part of ``python -m bench`` on a started stack."""
    label = f"BenchSeg{uuid.uuid4().hex[:6]}"
    conn = _connect(stack.database_url)
    segment_ids = []
    try:
        progress(f"campaigns segments: writing {people:,} people and {accounts:,} accounts ...")
        started = time.perf_counter()
        seed(conn, people, accounts, label)
        seed_seconds = time.perf_counter() - started
        creations = []
        for name, rule in SEGMENTS:
            started = time.perf_counter()
            with conn.transaction():
                created = commands.create_segment(conn, {"name": f"{label} {name}", "rule": rule}, "bench")
            creations.append({"name": name, "members": created["member_count"],
                              "ms": round((time.perf_counter() - started) * 1000, 1)})
            segment_ids.append(created["id"])
        nested_rule = {"all": [{"segment": segment_ids[0]}, {"segment": segment_ids[1]}]}
        started = time.perf_counter()
        with conn.transaction():
            created = commands.create_segment(conn, {"name": f"{label} Hot German leads", "rule": nested_rule},
                                              "bench")
        creations.append({"name": "Hot German leads (nested)", "members": created["member_count"],
                          "ms": round((time.perf_counter() - started) * 1000, 1)})
        segment_ids.append(created["id"])
        conn.execute("ANALYZE segment_members")
        conn.execute("ANALYZE segment_history")
        progress(f"campaigns segments: {len(segment_ids)} segments; {events:,} people-change events ...")
        ids = _bench_people(conn, label, events * 2)
        upkeep_figures = measure_upkeep(conn, ids, batch_size)
        progress("campaigns segments: live counts ...")
        counts = measure_counts(conn, count_runs)
        started = time.perf_counter()
        with conn.transaction():
            commands.refresh_relative(conn)
        refresh_ms = round((time.perf_counter() - started) * 1000, 1)
    finally:
        progress("campaigns segments: removing the bench's people ...")
        remove(conn, label, segment_ids)
        conn.close()
    measured, baseline = upkeep_figures["upkeep"], upkeep_figures["baseline"]
    return {"people": people, "accounts": accounts, "segments": len(segment_ids), "events": events * 2,
            "batch_size": batch_size, "seed_seconds": round(seed_seconds, 1), "creations": creations,
            "upkeep": measured, "baseline": baseline,
            "ratio_single": _ratio(measured["single_events_per_second"], baseline["single_events_per_second"]),
            "ratio_batched": _ratio(measured["batched_events_per_second"], baseline["batched_events_per_second"]),
            "counts": counts, "relative_refresh_ms": refresh_ms}


def _ratio(value, base):
    return round(value / base, 3) if value and base else None


def table(result, machine):
    out = Table(title=f"Campaign segments at {result['people']:,} people (same run, {machine['cores']} cores, "
                      f"{machine['cpu']})",
                caption=f"{result['segments']} dynamic segments kept current by people_changed in the event's "
                        f"transaction; batches of {result['batch_size']} people per call; baseline = the same "
                        f"updates and commits without the upkeep, and a plain count(*) of all people")
    for column, justify in (("measure", "left"), ("with segments", "right"), ("baseline", "right"),
                            ("ratio", "right")):
        out.add_column(column, justify=justify)
    upkeep_, base = result["upkeep"], result["baseline"]
    out.add_row("people-change events/s, one per transaction", f"{upkeep_['single_events_per_second']:,}",
                f"{base['single_events_per_second']:,}", f"{result['ratio_single'] or 0:.2f}x")
    out.add_row(f"people-change events/s, {result['batch_size']} per call",
                f"{upkeep_['batched_events_per_second']:,}", f"{base['batched_events_per_second']:,}",
                f"{result['ratio_batched'] or 0:.2f}x")
    baseline_count = result["counts"]["baseline: count(*) of all people"]
    for name, figures in result["counts"].items():
        if figures["count"] is None:
            continue
        out.add_row(f"live count: {name} ({figures['count']:,}) p50 / p99 ms",
                    f"{figures['median_ms']:.1f} / {figures['p99_ms']:.1f}",
                    f"{baseline_count['median_ms']:.1f} / {baseline_count['p99_ms']:.1f}",
                    f"{figures['median_ms'] / baseline_count['median_ms']:.2f}x")
    for creation in result["creations"]:
        out.add_row(f"create '{creation['name']}' ({creation['members']:,} members), ms", f"{creation['ms']:,}",
                    "-", "")
    out.add_row("refresh of the relative-date segments, ms", f"{result['relative_refresh_ms']:,}", "-", "")
    return out


if __name__ == "__main__":  # a quick run on a database of one's own: python -m bench.campaigns_segments URL [PEOPLE]
    import sys

    from rich.console import Console

    class _Stack:
        database_url = sys.argv[1]

    figures = run(_Stack(), people=int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
    Console().print(table(figures, {"cores": "?", "cpu": "this machine"}))
