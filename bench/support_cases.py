"""The support service: opening cases.

A case is opened the way a real one is: the routing rules pick a team (20
keyword rules, the matching one near the end), round-robin picks one of its
8 agents under the team's lock, the SLA policy is chosen and its clocks are
started on the business-hours calendar, and ``case.opened`` and
``case.assigned`` are written to the outbox, all in one transaction.

- **Latency, one request at a time**: ``POST /api/v1/cases`` through the
  gateway and ``support.create_case`` straight over RPC; the baseline, in the
  same run and alternating request by request, is reading a case back
  (``GET /api/v1/cases/{id}``, ``support.get_case``), so the ratio is the
  price of opening over the cheapest call that answers a case.
- **Throughput**: wrk POSTs cases through the gateway with 16 connections
  (``CRM_WRK_MODE=case``: a unique subject per request) for ``seconds``.

The accounts are rows of support's projection of sales' accounts, written
directly (as if their ``account.created`` had been consumed).
"""

import time
import uuid

import psycopg
from rich.console import Group
from rich.table import Table

from bench import wrk
from bench.stats import latency_summary
from shared.kit.testing import RpcCluster

SERVICE = "support"
ACTOR = "bench"
ACCOUNTS = 50
AGENTS = 8
RULES = 20
RPC_TIMEOUT = 60
WRK_CONNECTIONS = 16


def seed(support, database_url, run_id):
    """Accounts, a team of agents behind 20 routing rules; returns the account ids and the team."""
    account_ids = [str(uuid.uuid4()) for _ in range(ACCOUNTS)]
    with psycopg.connect(database_url, options=f"-c search_path={SERVICE},public") as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO accounts (id, name, type, country, source_version) "
                        "VALUES (%s, %s, 'customer', 'DE', 1)",
                        [(account_id, f"Bench Customer {run_id} {n}") for n, account_id in enumerate(account_ids)])
    teams = []
    for n in range(RULES):
        team = support.create_team({"name": f"Bench {run_id} team {n}", "assignment_method": "round_robin"}, ACTOR)
        teams.append(team)
        support.create_routing_rule({"name": f"Bench {run_id} rule {n}", "keywords": [f"bench{run_id}kw{n}"],
                                     "team_id": team["id"]}, ACTOR)
    target = teams[-2]
    for n in range(AGENTS):
        support.add_team_member(target["id"], {"user_id": str(uuid.uuid4()), "name": f"Bench agent {n}",
                                               "email": f"agent{n}-{run_id}@bench.test"}, ACTOR)
    return account_ids, f"bench{run_id}kw{RULES - 2}"


def case_body(account_id, keyword, index):
    return {"subject": f"Printer {index} fails with {keyword}", "account_id": account_id, "priority": "high",
            "channel": "web", "description": "The printer stops after the first page and shows error 0x42.",
            "contact_email": f"customer{index}@bench.test", "contact_name": "Bench Customer"}


def _alternating(calls, count, warmup):
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


def run(stack, cases=300, warmup=20, seconds=10, progress=print):
    run_id = uuid.uuid4().hex[:6]
    session = stack.session()

    def post(index):
        response = session.post(f"{stack.url}/api/v1/cases", json=case_body(accounts[index % len(accounts)],
                                                                            keyword, index))
        response.raise_for_status()
        opened.append(response.json()["id"])

    def get(index):
        session.get(f"{stack.url}/api/v1/cases/{opened[index % len(opened)]}").raise_for_status()

    with RpcCluster(stack.config(SERVICE), timeout=RPC_TIMEOUT) as cluster:
        support = cluster.support
        accounts, keyword = seed(support, stack.database_url, run_id)
        opened = []
        progress(f"support: opening {cases} cases through the gateway and over RPC ...")
        results = {"cases": cases, "warmup": warmup, "concurrency": 1, "routing_rules": RULES, "agents": AGENTS}
        times = _alternating({"open": post, "read": get}, cases, warmup)
        results["gateway"] = _summary(times)

        def rpc_open(index):
            opened.append(support.create_case(case_body(accounts[index % len(accounts)], keyword, index),
                                              ACTOR)["id"])

        def rpc_read(index):
            support.get_case(opened[index % len(opened)])

        results["rpc"] = _summary(_alternating({"open": rpc_open, "read": rpc_read}, cases, warmup))
        sample = support.get_case(opened[-1])
        results["routed"] = {"team_id": sample.get("team_id"), "owner_id": sample.get("owner_id")}
    progress(f"support: wrk POST /api/v1/cases, {WRK_CONNECTIONS} connections, {seconds} s ...")
    results["wrk"] = wrk.run(f"{stack.url}/api/v1/cases", WRK_CONNECTIONS, seconds, mode="case", token=stack.token)
    results["wrk"]["connections"] = WRK_CONNECTIONS
    results["queue"] = run_queue(stack, progress=progress)
    return results


def _summary(times):
    opened, read = latency_summary(times["open"]), latency_summary(times["read"])
    return {"open": opened, "read": read, "ratio": {"p50": _ratio(opened["median_ms"], read["median_ms"]),
                                                   "p99": _ratio(opened["p99_ms"], read["p99_ms"])}}


def table(results, machine):
    out = Table(title=f"Support: opening cases ({machine['cores']} cores, {machine['cpu']}); baseline: reading one")
    for column in ("path", "open p50 ms", "open p99 ms", "read p50 ms", "read p99 ms", "open/read p50", "p99"):
        out.add_column(column, justify="left" if column == "path" else "right")
    for path in ("gateway", "rpc"):
        item = results[path]
        out.add_row(path, f"{item['open']['median_ms']:.2f}", f"{item['open']['p99_ms']:.2f}",
                    f"{item['read']['median_ms']:.2f}", f"{item['read']['p99_ms']:.2f}",
                    f"{item['ratio']['p50']}x", f"{item['ratio']['p99']}x")
    load = results["wrk"]
    out.add_row(f"wrk POST, {load['connections']} conn.", f"{load['p50_ms']:.2f}", f"{load['p99_ms']:.2f}", "", "",
                f"{load['rps']:,} cases/s", f"{load['non_2xx_3xx']} non-2xx")
    if "queue" in results:
        return Group(out, queue_table(results["queue"], machine))
    return out


# The agent's queue at 100,000 open cases -------------------------------------------------
#
# GET /api/v1/cases?sort=due&limit=50 (least business time left first, paused
# clocks last), unfiltered and by team, p50/p99; the baseline is the same
# requests when only the first 1,000 cases are open, in the same run.  The
# cases and their clocks are written by SQL (COPY), as the cases area would
# have; the part removes them afterwards (bench.support_sla.remove_cases).

QUEUE_TEAMS = 20
QUEUE_AGENTS = 200
QUEUE_BASELINE = 1_000
QUEUE_PAGE = 50
# The status of a seeded case by share: running clocks (new, open) and paused ones (pending, on_hold).
QUEUE_STATUSES = (("open", 0.65), ("new", 0.15), ("pending", 0.15), ("on_hold", 0.05))


def seed_queue_teams(conn, label, teams=QUEUE_TEAMS, agents=QUEUE_AGENTS):
    """``teams`` teams (rows, as the teams area writes them) and ``agents``
    owner ids; returns (team ids, owner ids)."""
    team_ids = [str(uuid.uuid4()) for _ in range(teams)]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO teams (id, name, assignment_method, created_by) VALUES (%s, %s, 'manual', %s)",
                        [(team_id, f"{label} queue {n}", ACTOR) for n, team_id in enumerate(team_ids)])
    return team_ids, [str(uuid.uuid4()) for _ in range(agents)]


def seed_queue(conn, count, team_ids, owner_ids, label, calendar_id, rng=None):
    """``count`` open cases, each with a first-response and a resolution
    clock: running (due within the next 30 days) for new/open cases, paused
    for pending/on_hold ones; spread over the teams and owners (a tenth have
    no owner).  ``cases.due_at`` is written with them (the earliest running
    due moment; the triggers of 0009_queue.sql find it already right).
    Returns the case ids."""
    import random
    from datetime import timedelta

    rng = rng or random.Random(count)
    now = conn.execute("SELECT now() AS now").fetchone()["now"]
    first = conn.execute("SELECT nextval('case_numbers') AS n").fetchone()["n"]
    conn.execute("SELECT setval('case_numbers', %s)", (first + count,))
    statuses = [status for status, _ in QUEUE_STATUSES]
    weights = [share for _, share in QUEUE_STATUSES]
    cases, clocks = [], []
    for number in range(first, first + count):
        case_id = str(uuid.uuid4())
        status = rng.choices(statuses, weights)[0]
        running = status in ("new", "open")
        created = now - timedelta(seconds=rng.randrange(30 * 86400))
        dues = {}
        for metric, target in (("first_response", 4 * 3600), ("resolution", 40 * 3600)):
            due = now + timedelta(seconds=rng.randrange(1, 30 * 86400)) if running else None
            dues[metric] = due
            clocks.append((case_id, metric, str(calendar_id), target, 80, rng.randrange(600), created,
                           now if running else None, due))
        owner = None if rng.random() < 0.1 else rng.choice(owner_ids)
        cases.append((case_id, number, f"CASE-{number:06d}", f"{label} {number}", "normal", status,
                      rng.choice(team_ids), owner, min(dues.values()) if running else None, created, created))
    with conn.transaction():
        with conn.cursor().copy("COPY cases (id, number_seq, number, subject, priority, status, team_id, owner_id,"
                                " due_at, created_at, updated_at) FROM STDIN") as copy:
            for row in cases:
                copy.write_row(row)
        with conn.cursor().copy("COPY case_sla (case_id, metric, calendar_id, target_seconds, warn_percent,"
                                " used_seconds, started_at, running_since, due_at) FROM STDIN") as copy:
            for row in clocks:
                copy.write_row(row)
    return [row[0] for row in cases]


class ExplainingConnection:
    """A connection whose every statement is run twice: once under EXPLAIN
    (ANALYZE, BUFFERS, FORMAT JSON), its plan kept in ``plans``, then for
    its rows; so the very statements a list function runs are explained."""

    def __init__(self, conn):
        self.conn = conn
        self.plans = []

    def execute(self, sql, params=()):
        row = self.conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).fetchone()
        self.plans.append(next(iter(row.values()))[0])
        return self.conn.execute(sql, params)


def _nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def plan_figures(plans, table="cases"):
    """What the statements of one list call read of ``table``: rows
    returned by its scans, rows they read and threw away, whether any step
    sorted, which indexes, and the time."""
    figures = {"rows_read": 0, "rows_removed": 0, "sorts": 0, "seq_scans": 0, "indexes": set(),
               "execution_ms": 0.0, "statements": len(plans)}
    for plan in plans:
        figures["execution_ms"] += plan["Execution Time"]
        for node in _nodes(plan["Plan"]):
            if node["Node Type"] in ("Sort", "Incremental Sort"):
                figures["sorts"] += 1
            if node.get("Relation Name") != table:
                continue
            loops = node.get("Actual Loops", 1)
            figures["rows_read"] += node.get("Actual Rows", 0) * loops
            figures["rows_removed"] += (node.get("Rows Removed by Filter", 0)
                                        + node.get("Rows Removed by Index Recheck", 0)) * loops
            if node["Node Type"] == "Seq Scan":
                figures["seq_scans"] += 1
            if node.get("Index Name"):
                figures["indexes"].add(node["Index Name"])
    figures["indexes"] = sorted(figures["indexes"])
    figures["execution_ms"] = round(figures["execution_ms"], 3)
    return figures


def queue_queries(team_id, owner_id):
    """The queue's lists: name -> CaseQuerySchema-like query (sort ``due``)."""
    return {"unfiltered": {}, "status open": {"status": ["open"]}, "status new+open": {"status": ["new", "open"]},
            "status pending": {"status": ["pending"]}, "team": {"team_id": team_id}, "owner": {"owner_id": owner_id},
            "team + status new+open": {"team_id": team_id, "status": ["new", "open"]}}


def explain_queue(conn, team_id, owner_id, limit=QUEUE_PAGE, pages=3):
    """For each queue list, the plan figures of its first ``pages`` pages
    (cursor paging), as services/support/cases/store.list_cases runs them."""
    from services.support.cases import store

    result = {}
    for name, query in queue_queries(team_id, owner_id).items():
        cursor, pages_figures = None, []
        for _ in range(pages):
            explaining = ExplainingConnection(conn)
            rows, cursor = store.list_cases(explaining, {**query, "sort": "due", "limit": limit, "cursor": cursor})
            pages_figures.append({**plan_figures(explaining.plans), "rows": len(rows)})
            if cursor is None:
                break
        result[name] = pages_figures
    return result


def _time_queue(session, url, team_id, requests):
    """p50/p99 of the queue's first page, unfiltered and by team (alternating)."""
    times = {"unfiltered": [], "team": []}
    paths = {"unfiltered": f"{url}/api/v1/cases?sort=due&limit={QUEUE_PAGE}",
             "team": f"{url}/api/v1/cases?sort=due&limit={QUEUE_PAGE}&team_id={team_id}"}
    for index in range(requests + 5):
        for name, path in paths.items():
            started = time.perf_counter()
            response = session.get(path)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            if index >= 5:  # warm-up
                times[name].append(elapsed)
    return {name: latency_summary(values) for name, values in times.items()}


def run_queue(stack, open_cases=100_000, requests=200, progress=print):
    """The agent's queue at ``open_cases`` open cases; the baseline is the
    same requests at the first QUEUE_BASELINE cases, in the same run."""
    from psycopg.rows import dict_row

    from bench.support_sla import remove_cases

    label = f"Bench queue {uuid.uuid4().hex[:6]}"
    session = stack.session()
    conn = psycopg.connect(stack.database_url, row_factory=dict_row, options=f"-c search_path={SERVICE},public",
                           autocommit=True)
    seeded = []
    try:
        calendar_id = conn.execute("SELECT id FROM calendars WHERE is_default").fetchone()["id"]
        team_ids, owner_ids = seed_queue_teams(conn, label)
        progress(f"support queue: {QUEUE_BASELINE:,} open cases, GET /api/v1/cases?sort=due ...")
        seeded += seed_queue(conn, QUEUE_BASELINE, team_ids, owner_ids, label, calendar_id)
        conn.execute("ANALYZE cases")
        baseline = _time_queue(session, stack.url, team_ids[0], requests)
        progress(f"support queue: writing {open_cases - QUEUE_BASELINE:,} more open cases (COPY) ...")
        seeded += seed_queue(conn, open_cases - QUEUE_BASELINE, team_ids, owner_ids, label, calendar_id)
        conn.execute("ANALYZE cases")
        conn.execute("ANALYZE case_sla")
        progress(f"support queue: {open_cases:,} open cases, GET /api/v1/cases?sort=due ...")
        measured = _time_queue(session, stack.url, team_ids[0], requests)
        plans = {name: pages[-1] for name, pages in explain_queue(conn, team_ids[0], owner_ids[0]).items()}
    finally:
        if seeded:
            remove_cases(conn, seeded)
            conn.execute("DELETE FROM teams WHERE name LIKE %s", (f"{label} queue %",))
        conn.close()
    return {"open_cases": open_cases, "baseline_cases": QUEUE_BASELINE, "requests": requests,
            "baseline": baseline, "measured": measured, "plans": plans,
            "ratio": {name: {"p50": _ratio(measured[name]["median_ms"], baseline[name]["median_ms"]),
                             "p99": _ratio(measured[name]["p99_ms"], baseline[name]["p99_ms"])}
                      for name in measured}}


def queue_table(queue, machine):
    out = Table(title=f"Support: the agent's queue, GET /api/v1/cases?sort=due&limit={QUEUE_PAGE} "
                      f"({machine['cores']} cores, {machine['cpu']}); baseline: {queue['baseline_cases']:,} open cases",
                caption="plans: the third page (cursor) of each list, as store.list_cases runs it (EXPLAIN ANALYZE)")
    for column in ("measure", f"{queue['open_cases']:,} cases p50 / p99 ms", "baseline p50 / p99 ms",
                   "ratio p50 / p99"):
        out.add_column(column, justify="left" if column == "measure" else "right")
    for name in ("unfiltered", "team"):
        measured, baseline, ratio = queue["measured"][name], queue["baseline"][name], queue["ratio"][name]
        out.add_row(f"GET {name}", f"{measured['median_ms']:.2f} / {measured['p99_ms']:.2f}",
                    f"{baseline['median_ms']:.2f} / {baseline['p99_ms']:.2f}", f"{ratio['p50']}x / {ratio['p99']}x")
    for name, plan in queue["plans"].items():
        figures = (f"{plan['rows_read']} rows read, {plan['rows_removed']} removed, {plan['sorts']} sorts, "
                   f"{plan['execution_ms']:.2f} ms")
        out.add_row(f"plan: {name}", figures, ", ".join(plan["indexes"]), "")
    return out
