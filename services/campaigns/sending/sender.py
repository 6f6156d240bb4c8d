"""The email sender loop: claims queued emails, sends them through the kit's
SMTP sender at the configured rate, records the result.

Per marketing email, three steps on the loop's own connection:

1. one transaction decides (commands.decide_recipient, under the address's
   advisory lock): ``suppressed`` with its reason, or ``sending`` with a
   lease, committed before any SMTP conversation;
2. the SMTP conversation, with no transaction open and no row locked;
3. one transaction books the outcome under the same claim.

A process killed between 1 and 3 leaves its one email ``sending``; when the
lease runs out any sender marks it ``unknown`` (the server may have it) and
never sends it again: a kill costs at most the in-flight email per sender,
reported, never a second copy.  Temporary failures (no connection, 4xx)
were not accepted, so they are tried again after a growing pause.

Transactional mail (queue.enqueue_transactional) goes first and at once, at
least once (same Message-ID if repeated after a kill).  Scheduled sends
whose time has come are started here.  Replicas share the work (rows taken
FOR UPDATE SKIP LOCKED); each sends at most SEND_RATE emails per second."""

import logging

from prometheus_client import Counter

from services.campaigns.segments import suppression
from services.campaigns.sending import commands, decide, store
from services.campaigns.sending import settings as send_settings
from services.campaigns.sending.pacing import TokenBucket
from shared.kit.background import PooledLoop, wait_for_notify
from shared.kit.mail import PermanentMailError, SmtpConnection, TemporaryMailError, build_message

log = logging.getLogger(__name__)

EMAILS = Counter("crm_campaign_emails", "Campaign emails by outcome (sent, retry, bounced, failed, suppressed, "
                 "unknown, transactional)", ("service", "outcome"))
BATCH = 200  # emails between two looks at leases, scheduled sends and transactional mail


def attempt(smtp, message):
    """Hand one message to the server: ``("sent", None)``, ``("temporary",
    error)`` or ``("permanent", error)``; no transaction is open."""
    try:
        refused = smtp.send(message)
    except TemporaryMailError as exc:
        return "temporary", str(exc)
    except PermanentMailError as exc:
        return "permanent", str(exc)
    if refused:
        return "permanent", "; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items())
    return "sent", None


class EmailSender(PooledLoop):
    identifier = "campaigns-email-sender"

    def setup(self):
        super().setup()
        self.settings = send_settings.from_config(self.container.config)
        self.bucket = TokenBucket(self.settings.rate)

    @property
    def enabled(self):
        return self.settings.smtp is not None

    def serve(self):
        self.open_pool()
        with self.pool.connection() as conn:
            conn.execute(f'LISTEN "{store.NOTIFY_CHANNEL}"')  # a queued mail's or a started send's commit
            while self.running:
                if not self.run_once(conn):
                    wait_for_notify(conn, self.settings.poll_seconds)  # retries and schedules come without one

    def run_once(self, conn, limit=BATCH):
        """One round: expired leases, due sends, transactional mail, then up
        to ``limit`` marketing emails; returns how many emails were handled."""
        with conn.transaction():
            expired = commands.expire_leases(conn)
        EMAILS.labels(self.container.service_name, "unknown").inc(len(expired))
        while self.running:
            with conn.transaction():
                if commands.start_due(conn) is None:
                    break
        with SmtpConnection(self.settings.smtp) as smtp:
            handled = self.send_transactional(conn, smtp)
            handled += self.send_marketing(conn, smtp, limit)
        with conn.transaction():
            store.complete_finished(conn)
        return handled

    def send_marketing(self, conn, smtp, limit):
        handled = 0
        config = self.container.config
        while self.running and handled < limit:
            pause = self.bucket.wait()
            if pause > 0:
                self.sleep(pause)
                continue
            with conn.transaction():
                recipient = store.claim_due_recipient(conn)
                if recipient is None:
                    break
                row, message = commands.decide_recipient(conn, recipient, self.settings, config)
            handled += 1
            if message is None:
                EMAILS.labels(self.container.service_name, row["status"]).inc()
                continue
            self.bucket.take()
            result = attempt(smtp, message)  # no transaction open, no row locked
            with conn.transaction():
                claimed = store.still_claimed(conn, row["id"], row["claimed_until"])
                if claimed is None:
                    log.warning("email %s changed while it was sent (a bounce came first?): not booked again",
                                row["message_id"])
                    continue
                booked = commands.record_attempt(conn, claimed, result, self.settings)
            outcome = "retry" if booked["status"] == "queued" else booked["status"]
            EMAILS.labels(self.container.service_name, outcome).inc()
            if booked["status"] != "sent":
                log.info("email %s: %s (%s)", booked["message_id"], booked["status"], booked["last_error"])
        return handled

    def send_transactional(self, conn, smtp):
        handled = 0
        settings = self.settings
        while self.running:
            with conn.transaction():
                row = store.claim_outgoing(conn, settings.lease_seconds)
            if row is None:
                break
            headers = dict(row["headers"] or {})
            try:
                message = build_message(from_address=row["from_address"], from_name=row["from_name"],
                                        to=row["to_address"], subject=row["subject"], text=row["text"],
                                        html=row["html"], message_id=row["message_id"], headers=headers,
                                        auto_submitted=headers.pop("Auto-Submitted", None))
                kind, error = attempt(smtp, message)
            except ValueError as exc:
                kind, error = "permanent", str(exc)
            with conn.transaction():
                if store.outgoing_still_claimed(conn, row["id"], row["next_attempt_at"]) is None:
                    continue
                if kind == "sent":
                    store.book_outgoing(conn, row["id"], "sent")
                elif kind == "permanent":
                    store.book_outgoing(conn, row["id"], "failed", error[:1000])
                    suppression.suppress(conn, row["to_address"].lower(), "hard_bounce", f"mail:{row['kind']}")
                else:
                    attempts = row["attempts"] + 1
                    if attempts >= settings.retry_limit:
                        store.book_outgoing(conn, row["id"], "failed", error[:1000])
                    else:
                        pause = decide.retry_pause(attempts, settings.retry_seconds, settings.retry_max_seconds)
                        store.book_outgoing(conn, row["id"], "queued", error[:1000], pause)
            EMAILS.labels(self.container.service_name, "transactional").inc()
            handled += 1
        return handled
