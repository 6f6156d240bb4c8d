"""Activities RPC entrypoints: thin shells over services.sales.activities."""

from services.sales.accounts.commands import get_live_account
from services.sales.activities import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.sales.activities import (
    ActivityCreateSchema,
    ActivityQuerySchema,
    ActivityUpdateSchema,
    TimelineQuerySchema,
)

snapshot = commands.snapshot


def _page(rows, next_cursor):
    return {"items": [snapshot(row) for row in rows], "next_cursor": next_cursor}


class ActivitiesRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def log_activity(self, data, actor=None):
        data = load(ActivityCreateSchema(), data)
        with self.db.transaction() as conn:
            return snapshot(commands.log_activity(conn, data, actor))

    @rpc
    def get_activity(self, activity_id):
        with self.db.transaction() as conn:
            return snapshot(store.get_activity(conn, load_uuid(activity_id, "activity id")))

    @rpc
    def list_activities(self, query=None):
        query = load(ActivityQuerySchema(), {} if query is None else query)
        with self.db.transaction() as conn:
            return _page(*store.list_activities(conn, query))

    @rpc
    def update_activity(self, activity_id, changes, actor=None, expected_version=None):
        activity_id = load_uuid(activity_id, "activity id")
        changes = load(ActivityUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return snapshot(commands.update_activity(conn, activity_id, changes, actor, expected_version))

    @rpc
    def account_timeline(self, account_id, query=None):
        query = load(TimelineQuerySchema(), {} if query is None else query)
        account_id = load_uuid(account_id, "account id")
        with self.db.transaction() as conn:
            get_live_account(conn, account_id)  # 404, or 409 naming the survivor of a merge
            return _page(*store.account_timeline(conn, account_id, query))
