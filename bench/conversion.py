"""Lead conversion latency through the gateway: ``POST
/api/v1/leads/{id}/convert`` for qualified leads of new companies (each
conversion creates an account, a contact and an opportunity: gateway ->
leads -> sales -> leads), and again for leads already converted (the
idempotent answer, which sales is not asked for)."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.stats import latency_summary


def _check(response, what):
    if response.status_code >= 400:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
    return response.json()


def _qualified_leads(stack, session, count, run_id):
    """``count`` qualified leads, each of its own company and email domain (not timed)."""
    ids = []
    for index in range(count):
        lead = _check(session.post(f"{stack.url}/api/v1/leads", json={
            "first_name": "Bench", "last_name": f"Convert {index}", "email": f"buyer@c{index}-{run_id}.bench.test",
            "company": f"Bench Customer {run_id} {index} GmbH", "title": "Head of Purchasing", "country": "DE",
        }), "create lead")
        _check(session.patch(f"{stack.url}/api/v1/leads/{lead['id']}", json={"status": "qualified"}), "qualify lead")
        ids.append(lead["id"])
    return ids


def _timed_conversions(stack, sessions, ids, concurrency):
    chunks = [ids[worker::concurrency] for worker in range(concurrency)]

    def worker(index):
        times = []
        for lead_id in chunks[index]:
            started = time.perf_counter()
            response = sessions[index].post(f"{stack.url}/api/v1/leads/{lead_id}/convert",
                                            json={"opportunity": {"amount": "25000"}})
            times.append(time.perf_counter() - started)
            _check(response, f"convert lead {lead_id}")
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        times = [t for chunk in pool.map(worker, range(concurrency)) for t in chunk]
    return times, time.perf_counter() - started


def run(stack, conversions=200, concurrency=4):
    """Median and p99 of first conversions and of repeated ones."""
    sessions = [stack.session() for _ in range(concurrency)]
    run_id = uuid.uuid4().hex[:8]
    warmup = _qualified_leads(stack, sessions[0], concurrency, f"{run_id}w")
    _timed_conversions(stack, sessions, warmup, concurrency)  # warm connections, proxies and caches
    ids = _qualified_leads(stack, sessions[0], conversions, run_id)
    results = {"conversions": conversions, "concurrency": concurrency}
    for name in ("first", "again"):
        times, elapsed = _timed_conversions(stack, sessions, ids, concurrency)
        results[name] = {**latency_summary(times), "throughput_rps": round(len(times) / elapsed, 1)}
    return results


def rows(conversion):
    """(measure, value) rows for the benchmark table."""
    out = []
    for name, label in (("first", "lead conversion"), ("again", "  the same conversion again (idempotent)")):
        item = conversion[name]
        out.append((f"{label} median / p99 (concurrency {conversion['concurrency']})",
                    f"{item['median_ms']} ms / {item['p99_ms']} ms ({item['throughput_rps']} req/s)"))
    return out
