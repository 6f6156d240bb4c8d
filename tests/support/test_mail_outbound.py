"""Outgoing mail: queued in the caller's transaction, delivered after commit
by the MailSender over real SMTP (an aiosmtpd server the test starts), temporary
failures retried with growing pauses up to a limit, permanent ones failed
with a note on the case, replies threaded."""

import uuid
from dataclasses import replace

import pytest

from services.support.mail import commands, store
from services.support.mail import settings as mail_settings
from services.support.service import SupportService
from shared.kit.db import make_pool
from shared.kit.mail import SmtpSettings, send
from shared.kit.testing import start_container
from tests.helpers import wait_for
from tests.mailservers import smtp_fixture

smtp = smtp_fixture("smtp")


@pytest.fixture(scope="module")
def pool(support_database_url, support_migrated):
    pool = make_pool(support_database_url, "support", min_size=1, max_size=3, autocommit=True)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def settings(smtp, support_config):
    base = mail_settings.configure(support_config)
    return replace(base, smtp=SmtpSettings(host="127.0.0.1", port=smtp.port, timeout=5), retry_limit=3,
                   retry_seconds=30, retry_max_seconds=100)


def a_case(db, subject="Pump broken", contact_email="ada@example.com", message_id=None):
    """A case row as the cases area writes it (numbered from its sequence)."""
    seq = db.scalar("SELECT nextval('case_numbers')")
    case_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO cases (id, number_seq, number, subject, contact_email, channel, message_id) "
                    "VALUES (%s, %s, %s, %s, %s, 'email', %s)",
                    (case_id, seq, f"CASE-{seq:06d}", subject, contact_email, message_id))
    return db.one("SELECT * FROM cases WHERE id = %s", (case_id,))


def queue(pool, **kwargs):
    kwargs.setdefault("to", "ada@example.com")
    kwargs.setdefault("subject", "Hello")
    kwargs.setdefault("text", "Hello Ada")
    kwargs.setdefault("kind", "notification")
    with pool.connection() as conn, conn.transaction():
        return commands.queue_mail(conn, **kwargs)


def outgoing(db, message_id):
    return db.one("SELECT * FROM outgoing_mail WHERE message_id = %s", (message_id,))


def deliver_now(pool, settings, message_id):
    """Deliver that one row (made due now) as the sender does."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("UPDATE outgoing_mail SET next_attempt_at = now() WHERE message_id = %s", (message_id,))
        row = conn.execute("SELECT * FROM outgoing_mail WHERE message_id = %s FOR UPDATE", (message_id,)).fetchone()
        return commands.deliver(conn, row, lambda message: send(settings.smtp, message), settings)


def received(smtp, message_id):
    return [pair for pair in smtp.messages() if pair[1]["Message-ID"] == message_id]


def test_a_mail_exists_only_when_its_transaction_commits(pool, db):
    with pytest.raises(RuntimeError), pool.connection() as conn, conn.transaction():
        message_id = commands.queue_mail(conn, to="ada@example.com", subject="Gone", text="x", kind="notification")
        raise RuntimeError("the caller's work failed")
    assert outgoing(db, message_id) is None
    message_id = queue(pool, subject="Kept")
    row = outgoing(db, message_id)
    assert (row["status"], row["attempts"], row["from_address"]) == ("queued", 0, "support@crm.local")


def test_bad_mail_is_refused(pool):
    from shared.schemas.errors import ValidationFailed

    for kwargs in ({"to": "nobody"}, {"to": []}, {"subject": "  "}, {"kind": "Bad Kind"},
                   {"headers": {"Bad: header": "x"}}):
        with pytest.raises(ValidationFailed):
            queue(pool, **kwargs)


def test_a_queued_mail_is_delivered_as_queued(pool, db, smtp, settings):
    message_id = queue(pool, to=["Ada <Ada@Example.com>", "bob@example.com"], subject="Escalated",
                       text="Case needs you", headers={"X-CRM-Case": "CASE-000001"})
    row = deliver_now(pool, settings, message_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None) and row["sent_at"]
    [(envelope, message)] = received(smtp, message_id)
    assert envelope["to"] == ["ada@example.com", "bob@example.com"]
    assert message["From"].addresses[0].display_name == "Customer support"
    assert message["Message-ID"].endswith("@crm.local>") and message["X-CRM-Case"] == "CASE-000001"


def test_a_notification_is_marked_automatic_and_names_its_case(pool, db, smtp, settings):
    case = a_case(db)
    with pool.connection() as conn, conn.transaction():
        message_id = commands.queue_notification(conn, to="lead@crm.local", subject="SLA breached",
                                                 text="Look at it", case_id=case["id"], kind="escalation")
    deliver_now(pool, settings, message_id)
    [(_, message)] = received(smtp, message_id)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == f"[{case['number']}] SLA breached"


def test_a_temporary_failure_is_retried_with_growing_pauses_then_given_up(pool, db, settings):
    case = a_case(db, contact_email="later@example.com")
    message_id = queue(pool, to="later@example.com", case_id=case["id"], kind="case_reply")
    pauses = []
    for _ in range(2):
        row = deliver_now(pool, settings, message_id)
        assert row["status"] == "queued" and "451" in row["last_error"]
        pauses.append(db.scalar("SELECT extract(epoch FROM next_attempt_at - updated_at) FROM outgoing_mail "
                                "WHERE message_id = %s", (message_id,)))
    assert [round(float(pause)) for pause in pauses] == [30, 60]
    row = deliver_now(pool, settings, message_id)
    assert (row["status"], row["attempts"]) == ("failed", 3) and "Gave up after 3 attempts" in row["last_error"]
    note = db.one("SELECT * FROM case_messages WHERE case_id = %s AND kind = 'note'", (case["id"],))
    assert "could not be delivered" in note["body"] and "later@example.com" in note["body"]


def test_a_permanent_failure_fails_at_once_with_a_note_on_the_case(pool, db, settings):
    case = a_case(db, contact_email="reject@example.com")
    message_id = queue(pool, to="reject@example.com", case_id=case["id"], kind="case_reply",
                       subject=f"[{case['number']}] Pump broken")
    row = deliver_now(pool, settings, message_id)
    assert (row["status"], row["attempts"]) == ("failed", 1) and "550" in row["last_error"]
    note = db.one("SELECT * FROM case_messages WHERE case_id = %s AND kind = 'note'", (case["id"],))
    assert note["body"].startswith("The reply to reject@example.com") and "550 5.1.1" in note["body"]
    assert note["direction"] == "internal"


def test_no_server_is_temporary(pool, db, settings):
    from tests.helpers import free_port

    nowhere = replace(settings, smtp=SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    message_id = queue(pool)
    row = deliver_now(pool, nowhere, message_id)
    assert row["status"] == "queued" and row["attempts"] == 1 and "Could not send" in row["last_error"]


def test_a_reply_is_threaded_into_the_customers_conversation(pool, db, smtp, settings):
    case = a_case(db, subject="Pump broken", message_id="<first@example.com>")
    db.conn.execute("INSERT INTO case_messages (id, case_id, kind, direction, body, message_id) VALUES "
                    "(%s, %s, 'customer', 'inbound', 'More', '<second@example.com>')", (str(uuid.uuid4()), case["id"]))
    with pool.connection() as conn, conn.transaction():
        message_id = commands.queue_case_reply(conn, case, {"body": "We sent a new pump.", "author": "agent1"})
    row = outgoing(db, message_id)
    assert (row["kind"], row["case_id"], row["created_by"]) == ("case_reply", case["id"], "agent1")
    deliver_now(pool, settings, message_id)
    [(envelope, message)] = received(smtp, message_id)
    assert envelope["to"] == ["ada@example.com"]
    assert message["Subject"] == f"[{case['number']}] Pump broken"
    assert message["In-Reply-To"] == "<second@example.com>"
    assert message["References"] == "<first@example.com> <second@example.com>"
    assert "Auto-Submitted" not in message
    assert message.get_body(("plain",)).get_content().startswith("We sent a new pump.")


def test_a_case_without_an_address_gets_no_mail(pool, db):
    case = a_case(db, contact_email=None)
    with pool.connection() as conn, conn.transaction():
        assert commands.queue_case_reply(conn, case, {"body": "x"}) is None


def test_senders_skip_the_rows_another_holds(pool, db):
    first, second = queue(pool, subject="one"), queue(pool, subject="two")
    db.conn.execute("UPDATE outgoing_mail SET next_attempt_at = now() - interval '1 hour' WHERE message_id = ANY(%s)",
                    ([first, second],))
    with pool.connection() as one, one.transaction(), pool.connection() as two, two.transaction():
        taken = store.take_due(one, 1)[0]["message_id"]
        other = store.take_due(two, 1)[0]["message_id"]
        assert taken != other
        one.execute("UPDATE outgoing_mail SET status = 'sent' WHERE message_id = %s", (taken,))
        two.execute("UPDATE outgoing_mail SET status = 'sent' WHERE message_id = %s", (other,))


def test_retry_sends_a_failed_mail_again(pool, db):
    message_id = queue(pool)
    row_id = outgoing(db, message_id)["id"]
    db.conn.execute("UPDATE outgoing_mail SET status = 'failed', last_error = 'x' WHERE id = %s", (row_id,))
    with pool.connection() as conn, conn.transaction():
        assert commands.retry_mail(conn, row_id)["status"] == "queued"
    from shared.schemas.errors import Conflict, NotFound

    with pytest.raises(Conflict), pool.connection() as conn, conn.transaction():
        commands.retry_mail(conn, row_id)
    with pytest.raises(NotFound), pool.connection() as conn, conn.transaction():
        commands.retry_mail(conn, str(uuid.uuid4()))


# The loop in the service ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service(support_config, db, smtp):
    config = {**support_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
              "MAIL_SEND_SECONDS": "60"}  # only a NOTIFY can wake it in time
    container = start_container(SupportService, config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


def test_the_sender_delivers_what_commits_at_once(service, support, pool, db, smtp):
    support.mail_status()  # the container is up, its sender asleep on LISTEN
    message_id = queue(pool, subject="Through the loop")
    wait_for(lambda: received(smtp, message_id), 5, message="the sender did not deliver the mail")
    wait_for(lambda: outgoing(db, message_id)["status"] == "sent", 5)
    assert len(received(smtp, message_id)) == 1


def test_the_admin_view_over_rpc(service, support, pool, db):
    case = a_case(db, contact_email="reject@example.com")
    message_id = queue(pool, to="reject@example.com", case_id=case["id"], kind="case_reply")
    row = wait_for(lambda: (lambda r: r if r["status"] == "failed" else None)(outgoing(db, message_id)), 5)
    status = support.mail_status()
    assert status["sending"] is True and status["support_address"] == "support@crm.local"
    assert status["outgoing"]["failed"] >= 1 and set(status["outgoing"]) == {"queued", "sent", "failed", "bounced"}
    failure = next(item for item in status["failures"] if item["id"] == str(row["id"]))
    assert "550" in failure["last_error"] and failure["case_id"] == str(case["id"])
    page = support.list_outgoing_mail({"status": ["failed"], "case_id": str(case["id"])})
    assert [item["message_id"] for item in page["items"]] == [message_id]
    assert support.retry_mail(str(row["id"]), "admin")["status"] == "queued"
    wait_for(lambda: outgoing(db, message_id)["attempts"] == 2, 5)  # tried again at once (and refused again)
    first = support.list_outgoing_mail({"limit": 1})
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = support.list_outgoing_mail({"limit": 1, "cursor": first["next_cursor"]})
    assert second["items"][0]["id"] != first["items"][0]["id"]
