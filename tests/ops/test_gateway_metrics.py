"""GET /metrics of the gateway: per route calls by status and latency, in
the Prometheus text format, summed over gunicorn's worker processes."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from gateway import metrics
from tests.helpers import gunicorn_gateway

LEAD_ID = "7d9f2c4e-4a4b-4c1e-9a55-2f9f5f0d1a11"


def samples(text):
    """{(sample name, sorted label items): value} of an exposition text."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def calls(figures, route, method, status):
    key = ("crm_http_requests_total", (("method", method), ("route", route), ("status", str(status))))
    return figures.get(key, 0)


def timed(figures, route, method):
    return figures.get(("crm_http_request_duration_seconds_count", (("method", method), ("route", route))), 0)


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def test_requests_are_counted_by_route_method_and_status(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/health").status_code == 200
    assert client.get("/api/v1/leads").status_code == 401
    assert client.get(f"/api/v1/leads/{LEAD_ID}").status_code == 401
    assert client.get("/no/such/page").status_code == 404
    assert client.open("/health", method="BREW").status_code == 405
    after = scrape(client)

    def delta(route, method, status):
        return calls(after, route, method, status) - calls(before, route, method, status)

    assert delta("/health", "GET", 200) == 3
    assert delta("/api/v1/leads", "GET", 401) == 1
    # The URL rule, not the path: one series however many leads there are.
    assert delta("/api/v1/leads/<uuid:lead_id>", "GET", 401) == 1
    assert delta(metrics.UNMATCHED, "GET", 404) == 1
    assert delta(metrics.UNMATCHED, "other", 405) == 1
    assert timed(after, "/health", "GET") - timed(before, "/health", "GET") == 3
    assert not any(labels and dict(labels).get("route") == "/metrics" for _, labels in after), "scrapes are not counted"


def test_metrics_need_no_token_and_only_answer_reads(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer nonsense"}).status_code == 200
    head = client.head("/metrics")
    assert head.status_code == 200 and head.get_data() == b""
    assert client.post("/metrics").status_code in (404, 405)


def test_a_failure_to_count_never_breaks_an_answer(client, monkeypatch):
    def broken(*labels):
        raise OSError("no space left on device")

    monkeypatch.setattr(metrics.REQUESTS, "labels", broken)
    assert client.get("/health").status_code == 200



@pytest.fixture
def gateway_under_gunicorn(test_env, gateway_config, tmp_path):
    """The gateway under gunicorn with two workers and a metrics directory, as `make up` runs it."""
    metrics_dir = tmp_path / "metrics"
    with gunicorn_gateway(test_env, tmp_path / "gateway.log", check="/health", timeout=30, GATEWAY_WORKERS=2,
                          PROMETHEUS_MULTIPROC_DIR=metrics_dir) as (base, _process):
        yield base, metrics_dir


def test_figures_are_those_of_every_worker(gateway_under_gunicorn):
    base, metrics_dir = gateway_under_gunicorn
    sent = 0

    def hit(_):
        # A connection per request, so that both workers take some.
        with requests.Session() as session:
            return session.get(f"{base}/health", headers={"Connection": "close"}, timeout=10).status_code

    def workers_that_counted():
        return {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}

    def scrape():
        return samples(requests.get(f"{base}/metrics", headers={"Connection": "close"}, timeout=10).text)

    # The start-up wait's calls (one, or more on a busy machine).
    before = calls(scrape(), "/health", "GET", 200)
    assert before >= 1
    with ThreadPoolExecutor(8) as pool:
        while (len(workers_that_counted()) < 2 or sent == 0) and sent < 2000:
            assert set(pool.map(hit, range(50))) == {200}
            sent += 50
    assert len(workers_that_counted()) == 2, f"one worker took all {sent} requests"
    # Whichever worker answers the scrape, it reports the requests of both.
    for _ in range(6):
        figures = scrape()
        assert calls(figures, "/health", "GET", 200) == before + sent
        assert timed(figures, "/health", "GET") == calls(figures, "/health", "GET", 200)
