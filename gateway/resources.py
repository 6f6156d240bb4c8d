"""What one gateway process holds: settings, the database pool, the RPC pool,
the token cache; reachable from any view as ``resources()``."""

from dataclasses import dataclass, field
from typing import Any

from flask import current_app


@dataclass
class Resources:
    settings: dict
    db: Any  # psycopg_pool.ConnectionPool on the gateway schema
    rpc: Any  # gateway.rpc.RpcPool (or a test double)
    token_cache: Any
    tracer: Any
    closed: bool = field(default=False)

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.rpc.close()
        self.db.close()


def resources():
    return current_app.extensions["gateway"]


def call(service, method, *args, **kwargs):
    """One RPC through the pool; remembers that a service was asked (the
    idempotency layer stores only answers that reached a service).  Under an
    Idempotency-Key, the call carries the key with its method and ordinal in
    this request, so a retry of the request makes the same keyed calls and
    the service answers them from what it recorded."""
    from flask import g

    g.crm_rpc_called = True
    key = g.get("crm_answer_key")
    if key is not None:
        ordinals = g.setdefault("crm_rpc_ordinals", {})
        ordinal = ordinals[service, method] = ordinals.get((service, method), 0) + 1
        kwargs["context"] = {"idempotency_key": f"{key}:{service}.{method}:{ordinal}"}
    return resources().rpc.call(service, method, *args, **kwargs)
