"""Fixtures of the support service's integration tests.

They run the real service over the real broker and database:

- ``support_database_url``: a database of this suite's own, created for the
  session and dropped at its end (invoice number series and the relay's
  leader lock are global state of the schema).
- ``support_config``: the service's config on that database and the session's
  vhost, migrated.
- ``db``: direct SQL on the support schema (``ServiceDb``: outbox and relay lock).
- ``service``: a started ``SupportService`` container (module scope), with its relay.
- ``support``: an RPC proxy to it; ``rpc_proxy()`` makes more (one per green thread).
- ``events``: a collector bound to ``support.events`` (every routing key).
- ``service_process``: the service as a real process, for kill tests.
"""

import uuid

from services.support.service import SupportService
from tests.helpers import wait_for
from tests.services import concurrently, service_fixtures, unique

__all__ = ["concurrently", "known_account", "known_contact", "known_order", "unique", "wait_for"]

SCHEMA = "support"


def known_account(db, name=None, type="customer", country="DE", tier=None):
    """An account in support's projection of sales' accounts (as if its
    ``account.created`` had been consumed); returns its id."""
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type, tier, country, source_version)"
                    " VALUES (%s, %s, %s, %s, %s, 1)",
                    (account_id, name or f"Initech {unique()}", type, tier, country))
    return account_id


def known_contact(db, account_id=None, email=None, first_name="Ada", last_name=None):
    """A contact in support's projection of sales' contacts; returns its id."""
    contact_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO contacts (id, account_id, first_name, last_name, email, source_version)"
                    " VALUES (%s, %s, %s, %s, %s, 1)",
                    (contact_id, account_id, first_name, last_name or f"Lovelace {unique()}",
                     (email or f"{unique()}@example.org").lower()))
    return contact_id


def known_order(db, account_id, number=None, status="submitted"):
    """An order in support's projection of orders (as if order.placed had
    been consumed); returns its id."""
    order_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO orders (id, number, account_id, status, placed_at, source_version)"
                    " VALUES (%s, %s, %s, %s, now(), 1)", (order_id, number or f"SO-{unique()}", account_id, status))
    return order_id


# No mail servers unless a test starts its own (never a developer's local catcher).
globals().update(service_fixtures("support", SupportService, env_extra={"SMTP_HOST": "", "IMAP_HOST": ""}))
