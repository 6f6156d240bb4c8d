"""Fixtures of the sales service's integration tests.

They run the real service over the real broker and database:

- ``sales_database_url``: a database of this suite's own, created for the
  session and dropped at its end (pipelines, exchange rates and the relay's
  leader lock are global state of the schema).
- ``sales_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the sales schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``SalesService`` container (module scope), with its relay.
- ``sales``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``sales.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

from services.sales.service import SalesService
from tests.helpers import wait_for
from tests.services import concurrently, service_fixtures, unique

__all__ = ["account_data", "concurrently", "contact_data", "unique", "wait_for"]

SCHEMA = "sales"


def account_data(**fields):
    """Input for a new account with a unique name and domain."""
    tag = unique()
    data = {"name": f"Initech {tag}", "domain": f"{tag}.example.com", "industry": "Software", "country": "DE"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def contact_data(**fields):
    """Input for a new contact with a unique email."""
    tag = unique()
    data = {"first_name": "Grace", "last_name": f"Hopper-{tag}", "emails": [f"grace.{tag}@example.com"]}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


globals().update(service_fixtures("sales", SalesService))
