"""Accounts RPC entrypoints: thin shells over services.sales.accounts."""

from services.sales.accounts import commands, store
from services.sales.accounts.commands import account_snapshot
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.common import PageQuerySchema
from shared.schemas.sales.accounts import (
    AccountCreateSchema,
    AccountMergeSchema,
    AccountQuerySchema,
    AccountUpdateSchema,
)


def load_account_id(value):
    return load_uuid(value, "account id")


class AccountsRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_account(self, data, actor=None):
        data = load(AccountCreateSchema(), data)
        with self.db.transaction() as conn:
            return account_snapshot(commands.create_account(conn, data, actor))

    @rpc
    def get_account(self, account_id):
        with self.db.transaction() as conn:
            return account_snapshot(store.get_account(conn, load_account_id(account_id)))

    @rpc
    def list_accounts(self, query=None):
        query = load(AccountQuerySchema(), query or {})
        with self.db.transaction() as conn:
            rows, next_cursor = store.list_accounts(conn, query)
        return {"items": [account_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def update_account(self, account_id, changes, actor=None, expected_version=None):
        account_id = load_account_id(account_id)
        changes = load(AccountUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return account_snapshot(commands.update_account(conn, account_id, changes, actor, expected_version))

    @rpc
    def account_history(self, account_id, query=None):
        """The account's changes, newest first (a merged account's too)."""
        account_id = load_account_id(account_id)
        query = load(PageQuerySchema(), query or {})
        with self.db.transaction() as conn:
            store.get_account(conn, account_id)
            return commands.HISTORY.page(conn, account_id, query["cursor"], query["limit"])

    @rpc
    def account_hierarchy(self, account_id):
        account_id = load_account_id(account_id)
        with self.db.transaction() as conn:
            account = store.get_account(conn, account_id)
            ancestors, children = store.ancestors(conn, account_id), store.children(conn, account_id)
        return {"account": account_snapshot(account), "ancestors": [account_snapshot(row) for row in ancestors],
                "children": [account_snapshot(row) for row in children]}

    @rpc
    def merge_accounts(self, account_id, duplicate_id, actor=None):
        account_id = load_account_id(account_id)
        duplicate_id = str(load(AccountMergeSchema(), {"duplicate_id": duplicate_id})["duplicate_id"])
        with self.db.transaction() as conn:
            account, moved = commands.merge_accounts(conn, account_id, duplicate_id, actor)
        return {"account": account_snapshot(account), "moved": moved}
