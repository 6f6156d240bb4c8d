"""HTTP load driven by wrk against the gateway and, in the same run, the
one-process baseline (bench/baseline_app.py) on the same database:

- GET a lead by id at 16 connections (req/s, p50, p99) and at 1 connection;
- create a lead at 16 connections (every body unique: bench/lua/crm.lua).

Each run lasts ``seconds`` after a ``warmup`` run of the same kind; the
baseline and the gateway take turns measure by measure (with several
rounds, the order alternates and the medians are reported).  Around every
measured run the CPU time of each process involved is read from /proc
(bench/cpu.py) and divided by the requests wrk completed.
"""

import statistics
import uuid

from bench import wrk
from bench.cpu import SERVER_PROCESSES, Sampler, delta

TARGETS = ("baseline", "gateway")
# key, what, connections, wrk script mode
MEASURES = (
    ("get_lead_c16", "GET lead", 16, "get"),
    ("get_lead_c1", "GET lead", 1, "get"),
    ("create_lead_c16", "create lead", 16, "create"),
)
FIGURES = ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")


def serves(role, target):
    """Whether a process works for ``target`` (``baseline`` or ``gateway``):
    its own processes and database backends; PostgreSQL's background
    processes work for both."""
    if role == SERVER_PROCESSES:
        return True
    if role.startswith("baseline") or role == "postgres crm-bench-baseline":
        return target == "baseline"
    return target == "gateway" and role.startswith(("gateway", "leads", "sales", "rabbitmq", "postgres"))


def make_sampler(stack, rabbitmq_local=True):
    sampler = Sampler()
    for role in stack.roles():
        sampler.add(f"{role} master" if role in ("gateway", "baseline") else role, stack.pid(role))
    sampler.add_children("gateway worker", stack.pid("gateway"))
    sampler.add_children("baseline worker", stack.pid("baseline"))
    if rabbitmq_local:
        sampler.add_command("rabbitmq", "beam.smp", "rabbit")
    sampler.add_postgres(stack.database_url)
    return sampler


def seed_lead(stack):
    response = stack.session().post(f"{stack.url}/api/v1/leads", json={
        "first_name": "Seed", "last_name": "Lead", "email": f"seed-{uuid.uuid4().hex[:8]}@bench.test",
        "company": "Bench Seed GmbH", "title": "Head of Operations", "country": "DE"})
    if response.status_code != 201:
        raise RuntimeError(f"could not create the lead to read: {response.status_code} {response.text[:300]}")
    return response.json()["id"]


def cpu_figures(change, target, requests_done, cores, wrk_cpu):
    """ms of CPU per request per role of ``target``, the target's total, and
    how busy the machine was (everything on it, wrk and other users too)."""
    seconds = change["wall_seconds"]
    per_request = (lambda cpu: round(cpu * 1000 / requests_done, 3)) if requests_done else (lambda cpu: None)
    mine = {role: cpu for role, cpu in change["roles"].items() if serves(role, target)}
    total = sum(mine.values())
    busy = change["machine_busy_seconds"]
    return {
        "ms_per_request": {role: per_request(cpu) for role, cpu in sorted(mine.items())},
        "total_ms_per_request": per_request(total),
        "wrk_ms_per_request": per_request(wrk_cpu),
        "machine_busy_ms_per_request": per_request(busy),
        "unattributed_ms_per_request": per_request(max(0.0, busy - total - wrk_cpu)),
        "machine_busy_share": round(busy / (seconds * cores), 3) if seconds else None,
        "machine_stolen_share": round(change["machine_stolen_seconds"] / (seconds * cores), 3) if seconds else None,
        "window_seconds": round(seconds, 3),
        "other_roles_cpu_seconds": {role: round(cpu, 3) for role, cpu in change["roles"].items()
                                    if not serves(role, target) and cpu > 0},
        "processes_started": change["processes_started"],
        "processes_ended": change["processes_ended"],
    }


def measured_run(sampler, url, connections, seconds, mode, token, target, cores):
    before = sampler.sample()
    figures = wrk.run(url, connections, seconds, mode=mode, token=token)
    after = sampler.sample()
    figures["cpu"] = cpu_figures(delta(before, after), target, figures["requests"], cores,
                                 figures["wrk_cpu_seconds"])
    return figures


def median_of(runs):
    """One summary of several runs of the same measure: medians of every figure."""
    if len(runs) == 1:
        return runs[0]
    out = {name: round(statistics.median(run[name] for run in runs), 2) for name in FIGURES}
    out["requests"] = sum(run["requests"] for run in runs)
    out["non_2xx_3xx"] = sum(run["non_2xx_3xx"] for run in runs)
    out["socket_errors"] = sum(run["socket_errors"] for run in runs)
    roles = sorted({role for run in runs for role in run["cpu"]["ms_per_request"]})
    cpu = {"ms_per_request": {role: round(statistics.median(run["cpu"]["ms_per_request"].get(role) or 0.0
                                                              for run in runs), 3) for role in roles}}
    for name in ("total_ms_per_request", "wrk_ms_per_request", "machine_busy_ms_per_request",
                 "unattributed_ms_per_request", "machine_busy_share", "machine_stolen_share"):
        cpu[name] = round(statistics.median(run["cpu"][name] or 0.0 for run in runs), 3)
    out["cpu"] = cpu
    out["rounds"] = runs
    return out


def ratios(gateway, baseline):
    def ratio(name):
        return round(gateway[name] / baseline[name], 3) if baseline.get(name) else None
    return {"rps": ratio("rps"), "p50_ms": ratio("p50_ms"), "p99_ms": ratio("p99_ms"),
            "cpu_ms_per_request": (round(gateway["cpu"]["total_ms_per_request"]
                                         / baseline["cpu"]["total_ms_per_request"], 2)
                                   if baseline["cpu"]["total_ms_per_request"] else None)}


def run(stack, seconds=10, warmup=3, rounds=1, cores=None, rabbitmq_local=True, progress=print):
    lead_id = seed_lead(stack)
    sampler = make_sampler(stack, rabbitmq_local)
    endpoints = {"baseline": (stack.baseline_url, stack.baseline_token), "gateway": (stack.url, stack.token)}
    results = {"tool": wrk.version(), "seconds": seconds, "warmup_seconds": warmup, "rounds": rounds,
               "measures": {}}
    for key, what, connections, mode in MEASURES:
        runs = {target: [] for target in TARGETS}
        for round_number in range(rounds):
            order = TARGETS if round_number % 2 == 0 else tuple(reversed(TARGETS))
            for target in order:
                base, token = endpoints[target]
                url = f"{base}/api/v1/leads/{lead_id}" if mode == "get" else f"{base}/api/v1/leads"
                progress(f"  {what}, {connections} connection(s), {target}: {warmup} s warm-up, {seconds} s measured")
                if warmup:
                    wrk.run(url, connections, warmup, mode=mode, token=token)
                runs[target].append(measured_run(sampler, url, connections, seconds, mode, token, target, cores))
        summary = {target: median_of(runs[target]) for target in TARGETS}
        results["measures"][key] = {"what": what, "connections": connections, **summary,
                                    "gateway_over_baseline": ratios(summary["gateway"], summary["baseline"])}
    return results
