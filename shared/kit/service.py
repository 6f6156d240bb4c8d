"""What every service is built from.  A service's ``service.py`` only
composes::

    class SalesService(Service, AccountsRpc, ContactsRpc, ...):
        name = "sales"

``Service`` brings the platform's dependencies (``db``, ``config``, tracing,
the outbox relay, metrics, the janitor that keeps the inbox and recorded
answers to their retention, the ops port with /livez, /readyz and /metrics)
and the health RPC; each area's mixin brings its
entrypoints (``@rpc`` from :mod:`shared.kit.entrypoints`, ``@inbox_handler``
from :mod:`shared.kit.inbox`).  The runtime (nameko on eventlet today) stays
behind the kit: services import what they need from here, never from nameko.
"""

from nameko.dependency_providers import Config
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy

from shared.kit.db import Database
from shared.kit.health import HealthRpc
from shared.kit.janitor import Janitor
from shared.kit.metrics import Metrics
from shared.kit.ops import OpsServer
from shared.kit.relay import OutboxRelay
from shared.kit.tracing import Tracing

__all__ = ["Config", "RpcProxy", "Service", "UnknownService"]


class Service(HealthRpc):
    """Base of every service class (set ``name``)."""

    db = Database()
    config = Config()
    tracing = Tracing()
    metrics = Metrics()
    relay = OutboxRelay()
    janitor = Janitor()
    ops = OpsServer()
