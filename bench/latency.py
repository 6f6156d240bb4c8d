"""Gateway request latency for get-lead and create-lead under concurrency."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.stats import latency_summary


def _timed(call, count):
    times = []
    for index in range(count):
        started = time.perf_counter()
        response = call(index)
        times.append(time.perf_counter() - started)
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return times


def run(stack, concurrency=8, per_worker=250):
    sessions = [stack.session() for _ in range(concurrency)]
    run_id = uuid.uuid4().hex[:8]
    seed = sessions[0].post(f"{stack.url}/api/v1/leads",
                            json={"last_name": "Seed", "email": f"seed-{run_id}@bench.test"})
    seed.raise_for_status()
    lead_id = seed.json()["id"]
    for session in sessions:  # warm the connections and the proxy pool
        session.get(f"{stack.url}/api/v1/leads/{lead_id}").raise_for_status()

    def get_worker(worker):
        return _timed(lambda i: sessions[worker].get(f"{stack.url}/api/v1/leads/{lead_id}"), per_worker)

    def create_worker(worker):
        def create(i):
            return sessions[worker].post(f"{stack.url}/api/v1/leads", json={
                "first_name": "Bench", "last_name": f"W{worker}-{i}", "email": f"w{worker}-{i}-{run_id}@bench.test",
                "company": f"Bench {i % 97} GmbH", "title": "Head of Operations", "country": "DE",
            })
        return _timed(create, per_worker)

    results = {}
    for name, worker in (("get-lead", get_worker), ("create-lead", create_worker)):
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            times = [t for chunk in pool.map(worker, range(concurrency)) for t in chunk]
        elapsed = time.perf_counter() - started
        results[name] = {**latency_summary(times), "concurrency": concurrency,
                         "throughput_rps": round(len(times) / elapsed, 1)}
    return results
