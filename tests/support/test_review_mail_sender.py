"""The MailSender sends with no transaction open and no row locked: a slow
SMTP server holds no lock that a request (a bounce, a retry) waits on; the
mail is claimed for a lease, booked under the same claim afterwards, and a
claim that ran out is another sender's to book."""

from types import SimpleNamespace

import psycopg
import pytest

from services.support.mail import commands, outbound, store
from shared.kit.db import make_pool
from shared.kit.mail import SmtpSettings
from tests.services import unique


@pytest.fixture(scope="module")
def pool(support_database_url, support_migrated):
    pool = make_pool(support_database_url, "support", min_size=1, max_size=3, autocommit=True)
    yield pool
    pool.close()


def sender(lease=60):
    loop = outbound.MailSender()
    loop.container = SimpleNamespace(service_name="support", config={})
    loop.settings = SimpleNamespace(smtp=SmtpSettings(host="127.0.0.1", port=1), retry_limit=3, retry_seconds=30,
                                    retry_max_seconds=100)
    loop.lease = lease
    loop.running = True
    return loop


class FakeSmtp:
    """An SMTP session whose ``send`` runs ``during`` (the checks made while the mail is on the wire)."""

    def __init__(self, during):
        self.during = during
        self.sent = []

    def __call__(self, settings):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def send(self, message):
        self.during(message)
        self.sent.append(message["Message-ID"])
        return {}


def queue(pool, subject):
    with pool.connection() as conn, conn.transaction():
        return commands.queue_mail(conn, to="ada@example.com", subject=subject, text="x", kind="notification")


@pytest.fixture
def only(db):
    """Other modules' queued mail out of the way: the sender takes only this test's."""
    db.conn.execute("UPDATE outgoing_mail SET status = 'failed' WHERE status = 'queued'")


def test_nothing_is_locked_while_a_mail_is_sent(pool, db, only, monkeypatch):
    message_id = queue(pool, unique("Lease "))
    seen = {}
    with pool.connection() as conn:

        def during(message):
            seen["sender"] = conn.info.transaction_status
            with pool.connection() as other, other.transaction():
                seen["row"] = other.execute(
                    "SELECT status, next_attempt_at > now() + interval '30 seconds' AS leased FROM outgoing_mail "
                    "WHERE message_id = %s FOR UPDATE NOWAIT", (message["Message-ID"],)).fetchone()

        smtp = FakeSmtp(during)
        monkeypatch.setattr(outbound, "SmtpConnection", smtp)
        assert sender().send_due(conn, limit=5) == 1
    assert smtp.sent == [message_id]
    assert seen["sender"] == psycopg.pq.TransactionStatus.IDLE  # no transaction open on the wire
    assert seen["row"] == {"status": "queued", "leased": True}  # claimed for the lease, not locked (NOWAIT)
    row = db.one("SELECT * FROM outgoing_mail WHERE message_id = %s", (message_id,))
    assert (row["status"], row["attempts"]) == ("sent", 1)


def test_a_claim_that_ran_out_is_left_to_the_sender_that_took_it(pool, db, only, monkeypatch):
    message_id = queue(pool, unique("Taken "))

    def during(message):  # meanwhile the lease ran out and another sender claimed the mail
        with pool.connection() as other, other.transaction():
            other.execute("UPDATE outgoing_mail SET next_attempt_at = now() - interval '1 second' "
                          "WHERE message_id = %s", (message["Message-ID"],))
            assert store.claim_due(other, 60)["message_id"] == message["Message-ID"]

    monkeypatch.setattr(outbound, "SmtpConnection", FakeSmtp(during))
    with pool.connection() as conn:
        sender().send_due(conn, limit=1)
    row = db.one("SELECT * FROM outgoing_mail WHERE message_id = %s", (message_id,))
    assert (row["status"], row["attempts"]) == ("queued", 0)  # not booked by the first: the second books it
