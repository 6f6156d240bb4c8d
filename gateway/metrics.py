"""Prometheus metrics of the gateway at ``GET /metrics``: per route, calls by
status (so errors, 4xx and 5xx, by status) and latency.

- ``crm_http_requests_total{route, method, status}``: requests answered;
  errors are those with ``status=~"4..|5.."``.
- ``crm_http_request_duration_seconds{route, method}``: a histogram of the
  time from the request's arrival in Flask to its response.
- ``crm_rpc_client_calls_total{service, method, outcome}`` and
  ``crm_rpc_client_seconds{service, method}``: the gateway's calls to the
  services (outcome ``ok``, ``error``: the service answered with an error,
  ``unavailable``: no answer, a 503).

``route`` is the URL rule (``/api/v1/leads/<uuid:lead_id>``), never the
path, and unknown methods count as ``other``, so clients cannot grow the
number of series.

gunicorn runs several worker processes and a scrape reaches one of them.
With ``PROMETHEUS_MULTIPROC_DIR`` set (``make up``: ``.crm/metrics/gateway``;
Kubernetes: an emptyDir), every worker writes its samples to files there and
``/metrics`` sums the files of all workers, past and present, so the figures
are those of the whole gateway and a restarted worker's counts are kept
(prometheus_client's multiprocess mode; it must be set before
``prometheus_client`` is imported, so it comes from the environment).
Without it, ``/metrics`` shows the answering process only.

``/metrics`` is answered before Flask (a small WSGI wrapper): it needs no
token and is not part of the API document.  Expose only ``/api`` and
``/console`` through an ingress, not ``/metrics``.

    metrics.install(app)  # in the app factory, before the other request hooks
"""

import logging
import os
import sys
import time

from flask import g, request

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
if MULTIPROCESS_DIR:
    try:
        os.makedirs(MULTIPROCESS_DIR, exist_ok=True)
    except OSError as exc:
        log.error("metrics: cannot use PROMETHEUS_MULTIPROC_DIR=%s (%s): /metrics shows this process only",
                  MULTIPROCESS_DIR, exc)
        if "prometheus_client" not in sys.modules:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
            MULTIPROCESS_DIR = None

from prometheus_client import (  # noqa: E402 - after PROMETHEUS_MULTIPROC_DIR is settled
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"
# Up to the gateway's RPC timeout (30 s by default).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("crm_http_requests", "HTTP requests answered by the gateway, by route, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("crm_http_request_duration_seconds", "Time the gateway took to answer, by route and method.",
                    ["route", "method"], buckets=BUCKETS)


RPC_CALLS = Counter("crm_rpc_client_calls", "RPC calls the gateway made, by service, method and outcome.",
                    ["service", "method", "outcome"])
RPC_SECONDS = Histogram("crm_rpc_client_seconds", "Time an RPC call of the gateway took, by service and method.",
                        ["service", "method"], buckets=BUCKETS)


def record_rpc(service, method, seconds, outcome):
    """The RPC client's ``on_call`` hook."""
    try:
        RPC_CALLS.labels(service, method, outcome).inc()
        RPC_SECONDS.labels(service, method).observe(seconds)
    except Exception:  # counting must never break a call
        log.exception("metrics: could not record an RPC call to %s.%s", service, method)


def _start():
    g.crm_metrics_start = time.perf_counter()


def _observe(status):
    start = g.pop("crm_metrics_start", None)
    if start is None:
        return
    try:
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, str(status)).inc()
        LATENCY.labels(route, method).observe(time.perf_counter() - start)
    except Exception:  # counting must never break an answer
        log.exception("metrics: could not record %s %s", request.method, request.path)


def _after(response):
    _observe(response.status_code)
    return response


def _teardown(error):
    # Only when no response was made (an exception escaped every handler): the client got a 500.
    _observe(500)


def render():
    """The exposition text of every worker (multiprocess mode) or of this process."""
    if MULTIPROCESS_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=MULTIPROCESS_DIR)
    else:
        registry = REGISTRY
    return generate_latest(registry)


class MetricsEndpoint:
    """WSGI wrapper answering ``GET /metrics``; everything else goes to the app."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        body = render()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def install(app):
    """Count and time every request of ``app`` and serve ``/metrics``.  Call it
    before the other ``before_request`` hooks (authentication), so that the
    requests they answer (401) are counted and their time included."""
    app.before_request(_start)
    app.after_request(_after)
    app.teardown_request(_teardown)
    app.wsgi_app = MetricsEndpoint(app.wsgi_app)
