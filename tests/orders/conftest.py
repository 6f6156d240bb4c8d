"""Fixtures of the orders service's integration tests.

They run the real service over the real broker and database:

- ``orders_database_url``: a database of this suite's own, created for the
  session and dropped at its end (invoice number series and the relay's
  leader lock are global state of the schema).
- ``orders_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the orders schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``OrdersService`` container (module scope), with its relay.
- ``orders``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``orders.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

import uuid

from services.orders.service import OrdersService
from tests.helpers import wait_for
from tests.services import concurrently, service_fixtures, unique

__all__ = ["concurrently", "known_account", "unique", "wait_for"]

SCHEMA = "orders"


def known_account(db, name=None, type="customer", country="DE"):
    """An account in orders' projection of sales' accounts (as if its
    ``account.created`` had been consumed); returns its id."""
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type, country, source_version) VALUES (%s, %s, %s, %s, 1)",
                    (account_id, name or f"Initech {unique()}", type, country))
    return account_id


globals().update(service_fixtures("orders", OrdersService))
