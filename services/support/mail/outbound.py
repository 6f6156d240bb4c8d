"""The loop that delivers queued mail.

Each due row is taken FOR UPDATE SKIP LOCKED in a transaction of its own,
sent over SMTP, and marked (sent, retry later, failed) in that transaction:
replicas share the queue, a row is never sent by two senders at once, and a
mail queued by a transaction that rolled back never existed.  A sender that
dies between the server's 250 and its commit sends that one mail again when
the row is next taken (at least once; its Message-ID stays the same, so the
customer's mail program shows one message).  The loop sleeps on LISTEN:
a commit that queued mail wakes it at once."""

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
                    rows = store.take_due(conn, 1)
                    if not rows:
                        break
                    row = commands.deliver(conn, rows[0], smtp.send, self.settings)
                tried += 1
                outcome = "retry" if row["status"] == "queued" else row["status"]
                DELIVERIES.labels(self.container.service_name, outcome).inc()
                if row["status"] != "sent":
                    log.info("mail %s to %s: %s (%s)", row["message_id"], ", ".join(row["to_addresses"]),
                             row["status"], row["last_error"])
                if limit is not None and tried >= limit:
                    break
        return tried
