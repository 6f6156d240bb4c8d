"""Mail RPC entrypoints: the administrator's view of outgoing and incoming
mail, and sending a failed mail again."""

from services.support.mail import commands, store
from shared.kit.entrypoints import rpc
from shared.kit.rows import plain, snapshot
from shared.kit.validation import load, load_uuid
from shared.schemas.support.mail import OutgoingQuerySchema

MAILBOX_FIELDS = ("mailbox", "uidvalidity", "last_uid", "last_poll_at", "last_ok_at", "last_result", "last_error")
INCOMING_FIELDS = ("message_id", "from_address", "subject", "outcome", "reason", "case_id", "received_at")


class MailRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def mail_status(self):
        """Outgoing counts by status, what is due, the latest failures with
        their errors, each mailbox's last poll and the mail received lately."""
        with self.db.transaction() as conn:
            due, oldest = store.due_count(conn)
            failures, _ = store.list_outgoing(conn, ("failed", "bounced"), None, None, 20)
            return {
                "sending": bool(self.config.get("SMTP_HOST")),
                "polling": bool(self.config.get("IMAP_HOST")),
                "support_address": str(self.config.get("SUPPORT_ADDRESS") or ""),
                "outgoing": store.counts_by_status(conn),
                "due": due,
                "oldest_due_at": plain(oldest),
                "failures": [commands.mail_snapshot(row) for row in failures],
                "mailboxes": [snapshot(row, MAILBOX_FIELDS) for row in store.all_mailbox_states(conn)],
                "incoming_last_day": store.incoming_counts(conn),
                "incoming": [snapshot(row, INCOMING_FIELDS) for row in store.recent_incoming(conn)],
            }

    @rpc
    def list_outgoing_mail(self, query=None):
        query = load(OutgoingQuerySchema(), query or {})
        case_id = str(query["case_id"]) if query.get("case_id") else None
        with self.db.read() as conn:
            rows, next_cursor = store.list_outgoing(conn, query.get("status"), case_id, query.get("cursor"),
                                                    query["limit"])
        return {"items": [commands.mail_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def retry_mail(self, mail_id, actor=None):
        """Queue a failed or bounced mail to be sent again now."""
        mail_id = load_uuid(mail_id, "mail id")
        with self.db.transaction() as conn:
            return commands.mail_snapshot(commands.retry_mail(conn, mail_id))
