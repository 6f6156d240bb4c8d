"""Health: an RPC every service answers, and a command that asks it.

    python -m shared.kit.health leads [--wait 60]

exits 0 when the service answers (used by Kubernetes probes and ``make up``).
"""

import argparse
import sys
import time

from shared.kit.config import load_component_config
from shared.kit.entrypoints import rpc


class HealthRpc:
    """Mixin for a service class that has ``db`` (a Database dependency)."""

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok", "database": self.db.ping()}


def check(name, config, timeout=5):
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(config, timeout=timeout) as cluster:
        return getattr(cluster, name).health()


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
            answer = check(args.service, config, args.timeout)
            print(f"{args.service}: {answer['status']}")
            return 0
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            if time.monotonic() >= deadline:
                print(f"{args.service}: unhealthy ({type(exc).__name__}: {exc})", file=sys.stderr)
                return 1
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
