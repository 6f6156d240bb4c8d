"""Fixtures of the campaigns service's integration tests.

They run the real service over the real broker and database
(``service_fixtures``: a scratch database, the migrated config, ``db`` for
direct SQL, ``service``, the ``campaigns`` RPC proxy, ``events`` on
``campaigns.events``, ``service_process`` for kill tests)."""

from services.campaigns.service import CampaignsService
from tests.helpers import wait_for
from tests.services import concurrently, service_fixtures, unique

__all__ = ["concurrently", "unique", "wait_for"]

SCHEMA = "campaigns"

# No mail server unless a test starts its own (never a developer's local catcher).
globals().update(service_fixtures("campaigns", CampaignsService, env_extra={"SMTP_HOST": ""}))
