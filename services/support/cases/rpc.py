"""Cases RPC entrypoints: thin shells over services.support.cases.

Every write runs in one transaction; a call carrying an idempotency key
(the gateway sends one for a POST with ``Idempotency-Key``) is answered
from its recorded answer when repeated, so a retried create opens one case."""

from services.support.cases import commands, settings, store, summary
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.support.cases import (
    CaseCountQuerySchema,
    CaseCreateSchema,
    CaseCustomerMessageSchema,
    CaseHistoryQuerySchema,
    CaseMergeSchema,
    CaseMessageCreateSchema,
    CaseMessageQuerySchema,
    CaseQuerySchema,
    CaseStatusSchema,
    CaseUpdateSchema,
)


class CasesRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    def _cases_config(self):
        settings.use(self.config)

    @rpc
    def create_case(self, data, actor=None):
        """Open a case (CaseCreateSchema); returns it (CaseDetailSchema)."""
        self._cases_config()
        data = load(CaseCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.detail_snapshot(conn, commands.open_case(conn, data, actor))

    @rpc
    def get_case(self, case_id):
        case_id = load_uuid(case_id, "case id")
        with self.db.read() as conn:
            return commands.detail_snapshot(conn, commands.get_case(conn, case_id))

    @rpc
    def list_cases(self, query=None):
        """A page of cases (CaseQuerySchema filters and sorts; CasePageSchema)."""
        query = load(CaseQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_cases(conn, query)
            return {"items": commands.detail_snapshots(conn, rows), "next_cursor": next_cursor}

    @rpc
    def count_cases(self, query=None):
        """How many cases of each status the list shows under its filters (but status)."""
        query = load(CaseCountQuerySchema(), query or {})
        with self.db.read() as conn:
            return store.count_cases(conn, query)

    @rpc
    def update_case(self, case_id, changes, actor=None, expected_version=None):
        self._cases_config()
        case_id = load_uuid(case_id, "case id")
        changes = load(CaseUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            row = commands.update_case(conn, case_id, changes, actor, expected_version=expected_version)
            return commands.detail_snapshot(conn, row)

    @rpc
    def change_case_status(self, case_id, status, actor=None, expected_version=None):
        """A legal move (409 names the allowed ones)."""
        self._cases_config()
        case_id = load_uuid(case_id, "case id")
        status = load(CaseStatusSchema(), {"status": status})["status"]
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            row = commands.change_status(conn, case_id, status, actor, expected_version=expected_version)
            return commands.detail_snapshot(conn, row)

    @rpc
    def add_case_message(self, case_id, data, actor=None):
        """An agent's public reply or internal note (CaseMessageCreateSchema);
        returns the message (CaseMessageSchema)."""
        self._cases_config()
        case_id = load_uuid(case_id, "case id")
        data = load(CaseMessageCreateSchema(), data)
        with self.db.transaction() as conn:
            message = commands.add_message(conn, case_id, kind=data["kind"], body=data["body"], actor=actor)
            return commands.message_snapshot(message)

    @rpc
    def add_customer_message(self, case_id, data):
        """A message from the customer (the portal, or mail handled elsewhere):
        may reopen the case or open a follow-up; returns the message."""
        self._cases_config()
        case_id = load_uuid(case_id, "case id")
        data = load(CaseCustomerMessageSchema(), data)
        with self.db.transaction() as conn:
            message = commands.add_message(conn, case_id, kind="customer", body=data["body"],
                                           author_email=data.get("author_email"),
                                           message_id=data.get("message_id"), in_reply_to=data.get("in_reply_to"))
            return commands.message_snapshot(message)

    @rpc
    def list_case_messages(self, case_id, query=None):
        """The conversation, oldest first, with that of cases merged into it."""
        case_id = load_uuid(case_id, "case id")
        query = load(CaseMessageQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_messages(conn, case_id, query.get("kind"), query.get("cursor"), query["limit"])

    @rpc
    def merge_case(self, case_id, data, actor=None):
        """Merge the case into ``data["target_id"]`` (CaseMergeSchema); returns the target."""
        self._cases_config()
        case_id = load_uuid(case_id, "case id")
        target_id = str(load(CaseMergeSchema(), data)["target_id"])
        with self.db.transaction() as conn:
            return commands.detail_snapshot(conn, commands.merge_cases(conn, case_id, target_id, actor))

    @rpc
    def case_history(self, case_id, query=None):
        """The case's changes, newest first (CaseHistoryPageSchema)."""
        case_id = load_uuid(case_id, "case id")
        query = load(CaseHistoryQuerySchema(), query or {})
        with self.db.read() as conn:
            commands.get_case(conn, case_id)
            return store.HISTORY.page(conn, case_id, query.get("cursor"), query["limit"])

    @rpc
    def account_support_summary(self, account_id):
        """An account's support at a glance (AccountSupportSummarySchema): open
        cases by priority and status, those breached, the oldest, recent cases,
        CSAT and open follow-up tasks.  An account without cases answers zeros."""
        account_id = load_uuid(account_id, "account id")
        with self.db.read() as conn:
            return summary.account_support_summary(conn, account_id)
