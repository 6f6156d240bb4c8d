"""Probes: /health (the process answers; no dependencies) and /ready (the
gateway's database and the leads service answer within 2 s)."""

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
TAGS = ["health"]


@bp.get("/health")
@public
@operation("Liveness: the process answers", tags=TAGS, response=HealthSchema, public=True)
def health():
    return {"status": "ok"}


def _check_database():
    with resources().db.connection(timeout=READY_TIMEOUT) as conn:
        conn.execute("SELECT 1")


def _check_leads():
    resources().rpc.call("leads", "health", timeout=READY_TIMEOUT)


@bp.get("/ready")
@public
@operation("Readiness: the database and the leads service answer", tags=TAGS, response=HealthSchema,
           public=True)
def ready():
    checks = {}
    for name, check in (("database", _check_database), ("leads", _check_leads)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
            checks[name] = f"failed ({type(exc).__name__})"
    if all(value == "ok" for value in checks.values()):
        return {"status": "ok", "checks": checks}
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return problem_response(503, "Not ready", f"Not answering in time: {failing}.", headers={"Retry-After": "5"},
                            checks=checks)
