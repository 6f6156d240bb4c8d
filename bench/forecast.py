"""Forecast latency over many opportunities (seeded by bench.seed_opportunities):
through the gateway (GET /api/v1/forecast) and straight over RPC
(sales.forecast), one request at a time, for whole-company quarters and
months spread over the seeded two years."""

import time
from datetime import UTC, datetime

from bench.stats import latency_summary
from shared.kit.testing import RpcCluster

WARMUP = 10


def periods(today=None):
    """The quarters and months of the seeded window (a year back, a year ahead)."""
    today = today or datetime.now(UTC).date()
    months = []
    for offset in range(-12, 12):
        year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
        months.append(f"{year:04d}-{month + 1:02d}")
    quarters = sorted({f"{label[:4]}-Q{(int(label[5:]) - 1) // 3 + 1}" for label in months})
    return {"quarter": quarters, "month": months}


def _timed(call, labels, count):
    for index in range(WARMUP):
        call(labels[index % len(labels)])
    times = []
    for index in range(count):
        started = time.perf_counter()
        call(labels[index % len(labels)])
        times.append(time.perf_counter() - started)
    return times


def run(stack, opportunities, requests=200):
    """Median and p99 per kind of period and path; ``opportunities`` is what was seeded (for the record)."""
    session = stack.session()

    def through_gateway(period):
        response = session.get(f"{stack.url}/api/v1/forecast", params={"period": period})
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/forecast?period={period}: {response.status_code} {response.text[:300]}")
        return response.json()

    results = {"opportunities": opportunities, "concurrency": 1, "gateway": {}, "rpc": {}}
    labels = periods()
    with RpcCluster(stack.config("sales"), timeout=60) as cluster:
        for kind, chosen in labels.items():
            results["gateway"][kind] = latency_summary(_timed(through_gateway, chosen, requests))
            results["rpc"][kind] = latency_summary(_timed(lambda period: cluster.sales.forecast({"period": period}),
                                                          chosen, requests))
        sample = cluster.sales.forecast({"period": labels["quarter"][len(labels["quarter"]) // 2]})
    results["sample_quarter"] = {"period": sample["period"], "count": sample["totals"]["count"],
                                 "owners": len(sample["by_owner"]), "pipelines": len(sample["by_pipeline"])}
    return results


def rows(forecast):
    """(measure, value) rows for the benchmark table."""
    out = []
    sample = forecast["sample_quarter"]
    for kind in ("quarter", "month"):
        for path, label in (("gateway", "gateway"), ("rpc", "RPC")):
            item = forecast[path][kind]
            out.append((f"forecast of a {kind}, {label}, median / p99 ({forecast['opportunities']:,} opportunities)",
                        f"{item['median_ms']} ms / {item['p99_ms']} ms"))
    out.append(("  a quarter's forecast sums", f"{sample['count']:,} opportunities, {sample['owners']} owners"))
    return out
