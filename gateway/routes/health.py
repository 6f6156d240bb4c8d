"""Probes: /health (the process answers; no dependencies) and /ready.

Ready means the gateway can serve: its own database answers, and the broker
carries RPC, which at least one service's health answer within 2 s shows.
One service being down does not take the whole API out of the load
balancer (its routes answer 503 on their own); ``checks`` names each
service's state for the operator."""

import logging

from flask import Blueprint

from gateway.auth import public
from gateway.openapi import operation
from gateway.problems import problem_response
from gateway.resources import resources
from gateway.schemas import HealthSchema

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
READY_TIMEOUT = 2
SERVICES = ("leads", "sales")  # the services the gateway's routes call
TAGS = ["health"]


@bp.get("/health")
@public
@operation("Liveness: the process answers", tags=TAGS, response=HealthSchema, public=True)
def health():
    return {"status": "ok"}


def _check_database():
    with resources().db.connection(timeout=READY_TIMEOUT) as conn:
        conn.execute("SELECT 1")


def _service_check(service):
    def check():
        resources().rpc.call(service, "health", timeout=READY_TIMEOUT)
    return check


def _run(name, check):
    try:
        check()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported
        log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
        return f"failed ({type(exc).__name__})"


@bp.get("/ready")
@public
@operation("Readiness: the database answers and RPC gets through to the services", tags=TAGS,
           response=HealthSchema, public=True,
           description="503 when the gateway's database fails, or when no service answers (the broker is "
                       "unreachable). `checks` shows each service; one service down alone keeps the gateway ready.")
def ready():
    checks = {"database": _run("database", _check_database)}
    checks.update((service, _run(service, _service_check(service))) for service in SERVICES)
    serving = checks["database"] == "ok" and any(checks[service] == "ok" for service in SERVICES)
    if serving:
        return {"status": "ok", "checks": checks}
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return problem_response(503, "Not ready", f"Not answering in time: {failing}.", headers={"Retry-After": "5"},
                            checks=checks)
