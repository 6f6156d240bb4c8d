"""The loop that delivers queued mail.

Each due row is claimed in a short transaction of its own (FOR UPDATE SKIP
LOCKED, its next attempt moved MAIL_SEND_LEASE_SECONDS ahead), sent over
SMTP with no transaction open and no row locked, and its outcome (sent,
retry later, failed) booked in a second short transaction, under the same
claim: replicas share the queue, a slow SMTP server holds no lock a
request waits on, and a mail queued by a transaction that rolled back never
existed.  A sender that dies between the server's 250 and the booking sends
that one mail again when its lease ends (at least once; its Message-ID
stays the same, so the customer's mail program shows one message).  The
loop sleeps on LISTEN: a commit that queued mail wakes it at once."""

import logging

from prometheus_client import Counter

from services.support.mail import commands, store
from services.support.mail import settings as mail_settings
from shared.kit.background import PooledLoop, wait_for_notify
from shared.kit.mail import SmtpConnection

log = logging.getLogger(__name__)

# What became of each delivery attempt (sent, retry, failed), on the ops port's /metrics.
DELIVERIES = Counter("crm_mail_deliveries", "Attempts to deliver queued mail, by outcome", ("service", "outcome"))


class MailSender(PooledLoop):
    identifier = "support-mail-sender"

    def setup(self):
        super().setup()
        self.settings = mail_settings.configure(self.container.config)
        self.interval = float(self.container.config.get("MAIL_SEND_SECONDS") or 2)
        timeout = self.settings.smtp.timeout if self.settings.smtp is not None else 30
        self.lease = float(self.container.config.get("MAIL_SEND_LEASE_SECONDS") or 4 * timeout)

    @property
    def enabled(self):
        return self.settings.smtp is not None

    def serve(self):
        self.open_pool()
        with self.pool.connection() as conn:
            conn.execute(f'LISTEN "{commands.NOTIFY_CHANNEL}"')  # queue_mail's NOTIFY, at its commit
            while self.running:
                self.send_due(conn)
                wait_for_notify(conn, self.interval)  # a retry's time comes without a NOTIFY: poll too

    def send_due(self, conn, limit=None):
        """Deliver due mail until none is left (or ``limit`` rows), on one SMTP
        session; returns how many rows were tried."""
        tried = 0
        with SmtpConnection(self.settings.smtp) as smtp:
            while self.running or limit is not None:
                with conn.transaction():
                    row = store.claim_due(conn, self.lease)
                if row is None:
                    break
                result = commands.attempt(row, smtp.send)  # no transaction open, no row locked
                with conn.transaction():
                    claimed = store.still_claimed(conn, row["id"], row["next_attempt_at"])
                    if claimed is None:  # the lease ran out and another sender took it (theirs to book), or
                        # its bounce came back first (already booked as bounced)
                        log.warning("mail %s changed while it was sent (a bounce, or a sending longer than "
                                    "MAIL_SEND_LEASE_SECONDS): not booked again", row["message_id"])
                        continue
                    row = commands.record(conn, claimed, result, self.settings)
                tried += 1
                outcome = "retry" if row["status"] == "queued" else row["status"]
                DELIVERIES.labels(self.container.service_name, outcome).inc()
                if row["status"] != "sent":
                    log.info("mail %s to %s: %s (%s)", row["message_id"], ", ".join(row["to_addresses"]),
                             row["status"], row["last_error"])
                if limit is not None and tried >= limit:
                    break
        return tried
