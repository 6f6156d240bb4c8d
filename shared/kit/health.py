"""Health: an RPC every service answers, and a command that asks it.

    python -m shared.kit.health leads [--wait 60]

exits 0 when the service answers (used by Kubernetes probes and ``make up``).
"""

import argparse
import sys
import time
import warnings

# A probe prints one line: not eventlet's deprecation notice on every run.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from shared.kit import outbox  # noqa: E402
from shared.kit.config import load_component_config  # noqa: E402
from shared.kit.entrypoints import rpc  # noqa: E402


class HealthRpc:
    """Mixin for a service class that has ``db`` (a Database dependency).

    The answer also tells the outbox backlog (rows waiting for the relay and
    the age of the oldest): a number that keeps growing means events are held
    back.  It never makes the service unhealthy: the backlog is shared by
    every replica, so a probe failing on it would restart them all."""

    @rpc
    def health(self):
        with self.db.read() as conn:
            backlog = outbox.backlog(conn)
        return {"service": self.name, "status": "ok", "database": True, "outbox": backlog}


def describe(answer):
    """One line for people: ``leads: ok (outbox: 0 pending)``."""
    backlog = answer.get("outbox") or {}
    waiting = "" if not backlog.get("pending") else f", oldest {backlog['oldest_seconds']:g}s"
    return f"{answer['service']}: {answer['status']} (outbox: {backlog.get('pending', '?')} pending{waiting})"


def check(name, config, timeout=5):
    from shared.kit.rpc_client import RpcClient

    client = RpcClient(config["AMQP_URI"], timeout=timeout, size=1)
    try:
        return client.call(name, "health")
    finally:
        client.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ask a service for its health.")
    parser.add_argument("service")
    parser.add_argument("--wait", type=float, default=0, help="keep trying for this many seconds")
    parser.add_argument("--timeout", type=float, default=5, help="seconds to wait for one answer")
    args = parser.parse_args(argv)
    config = load_component_config(args.service)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            print(describe(check(args.service, config, args.timeout)))
            return 0
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            if time.monotonic() >= deadline:
                print(f"{args.service}: unhealthy ({type(exc).__name__}: {exc})", file=sys.stderr)
                return 1
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
