"""What a service process counts, in the Prometheus format (served on the
ops port, :mod:`shared.kit.ops`).

- ``crm_worker_calls_total{service, entrypoint, kind, outcome}`` and
  ``crm_worker_seconds{service, entrypoint, kind}``: every RPC (kind ``rpc``)
  and event handler (kind ``event``); outcome ``ok``, ``refused`` (a domain
  error: the caller's input or the record's state) or ``error``;
- ``crm_background_failures_total{service, loop, error}``;
- ``crm_relay_published_total{service}``;
- read at each scrape (:class:`ServiceCollector`): ``crm_outbox_pending``,
  ``crm_outbox_oldest_seconds``, ``crm_dead_lettered_messages``.
"""

import logging
import time

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from shared.schemas.errors import CrmError

log = logging.getLogger(__name__)

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

WORKER_CALLS = Counter("crm_worker_calls", "RPC calls and events handled, by outcome",
                       ("service", "entrypoint", "kind", "outcome"))
WORKER_SECONDS = Histogram("crm_worker_seconds", "Time to handle an RPC call or an event",
                           ("service", "entrypoint", "kind"), buckets=BUCKETS)
BACKGROUND_FAILURES = Counter("crm_background_failures", "Failures of background loops (each retried)",
                              ("service", "loop", "error"))
RELAY_PUBLISHED = Counter("crm_relay_published", "Events the outbox relay published", ("service",))


def outcome_of(exc_info):
    if exc_info is None:
        return "ok"
    return "refused" if isinstance(exc_info[1], CrmError) else "error"


class Metrics(DependencyProvider):
    """Times every worker of the service and counts its outcome."""

    def setup(self):
        self.started = {}

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        kind = "event" if isinstance(entrypoint, EventHandler) else "rpc"
        labels = (worker_ctx.service_name, entrypoint.method_name, kind)
        WORKER_SECONDS.labels(*labels).observe(time.perf_counter() - started)
        WORKER_CALLS.labels(*labels, outcome_of(exc_info)).inc()

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)


class ServiceCollector:
    """Figures read when Prometheus scrapes: ``backlog()`` ->
    {"pending", "oldest_seconds"}, ``dead_lettered()`` -> message count
    (None when the broker did not answer)."""

    def __init__(self, service, backlog, dead_lettered):
        self.service = service
        self.backlog = backlog
        self.dead_lettered = dead_lettered

    def collect(self):
        pending = GaugeMetricFamily("crm_outbox_pending", "Events in the outbox not yet published",
                                    labels=["service"])
        oldest = GaugeMetricFamily("crm_outbox_oldest_seconds",
                                   "How long the oldest unpublished event has waited (0 when none)",
                                   labels=["service"])
        try:
            backlog = self.backlog()
        except Exception as exc:  # noqa: BLE001 - a scrape reports what it can
            log.warning("metrics: outbox backlog unavailable: %s", exc)
        else:
            pending.add_metric([self.service], backlog["pending"])
            oldest.add_metric([self.service], backlog["oldest_seconds"] or 0)
        yield pending
        yield oldest
        dead = GaugeMetricFamily("crm_dead_lettered_messages",
                                 "Messages in the service's dead-letter queue (could not be handled)",
                                 labels=["service"])
        try:
            count = self.dead_lettered()
        except Exception as exc:  # noqa: BLE001
            log.warning("metrics: dead-letter count unavailable: %s", exc)
        else:
            dead.add_metric([self.service], count)
        yield dead
