"""Probes: /health (liveness) and /ready (readiness).

``/health`` answers from the process alone: no database, no broker, so an
outage of either never gets a gateway pod restarted.  ``/ready`` says whether
this process can serve: its database answers and the broker accepts a
connection (a connection and an AMQP handshake, a few milliseconds; no
service is asked, so one service being down does not take the whole API out
of the load balancer: its routes answer 503 on their own, and each service
has probes of its own).  ``checks`` names each dependency's state.
Prometheus metrics are at ``/metrics`` (gateway/metrics.py)."""

import logging
from concurrent.futures import ThreadPoolExecutor

import kombu.transport.pyamqp  # noqa: F401 - imported once here, not on a probe's clock
from flask import Blueprint
from kombu import Connection

from gateway.auth import public
from gateway.openapi import operation
from gateway.problems import problem_response
from gateway.resources import resources
from gateway.schemas import HealthSchema

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
# Seconds each check may take; they run side by side, so /ready answers within about this.
READY_TIMEOUT = 2
TAGS = ["health"]


@bp.get("/health")
@public
@operation("Liveness: the process answers", tags=TAGS, response=HealthSchema, public=True,
           description="Needs neither the database nor the broker.")
def health():
    return {"status": "ok"}


def _check_database(found):
    with found.db.connection(timeout=READY_TIMEOUT) as conn:
        conn.execute("SELECT 1")


def _check_broker(found):
    # pyamqp named explicitly: "amqp://" would first try to import librabbitmq on every check.
    with Connection(found.settings["AMQP_URI"], transport="pyamqp", connect_timeout=READY_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=0)


CHECKS = {"database": _check_database, "broker": _check_broker}


def _run(name, check, found):
    try:
        check(found)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported
        log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
        return f"failed ({type(exc).__name__})"


@bp.get("/ready")
@public
@operation("Readiness: the database and the broker answer", tags=TAGS, response=HealthSchema, public=True,
           description="503 when the gateway's database or the message broker does not answer within "
                       f"{READY_TIMEOUT} s; `checks` shows each. The services are not asked: one service being "
                       "down keeps the gateway ready (its routes answer 503).")
def ready():
    found = resources()  # the app's, looked up here: the checks run in threads of their own
    with ThreadPoolExecutor(len(CHECKS), thread_name_prefix="ready") as pool:
        running = {name: pool.submit(_run, name, check, found) for name, check in CHECKS.items()}
    checks = {name: future.result() for name, future in running.items()}
    if all(value == "ok" for value in checks.values()):
        return {"status": "ok", "checks": checks}
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return problem_response(503, "Not ready", f"Not answering in time: {failing}.", headers={"Retry-After": "5"},
                            checks=checks)
