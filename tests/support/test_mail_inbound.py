"""Incoming mail read from a real IMAP server (pymap, started by the test,
the messages APPENDed to its mailbox as a mail server delivers them): new
mail opens a case, replies thread by number or by In-Reply-To, machines'
mail and bounces open nothing and send nothing, a bounced reply is marked,
a message read twice or after a UIDVALIDITY change has one effect."""

import ssl
import uuid

import pytest

from services.support.cases import commands as cases
from services.support.mail import commands
from services.support.mail.inbound import ImapSettings, MailboxError, poll_once
from services.support.service import SupportService
from shared.kit.db import make_pool
from shared.kit.testing import start_container
from tests.helpers import wait_for
from tests.mailservers import PASSWORD, USER, ImapServer, customer_mail, imap_fixture, make_certificate
from tests.support.conftest import known_account
from tests.support.test_mail_parsing import dsn_bytes


@pytest.fixture(scope="module", autouse=True)
def case_numbers_ahead(db):
    """Case numbers after every case there is: a helper that numbered cases by hand (max + 1, not the
    sequence) must not make the cases this module opens collide."""
    db.conn.execute("SELECT setval('case_numbers', greatest((SELECT coalesce(max(number_seq), 0) FROM cases),"
                    " (SELECT last_value FROM case_numbers), 1))")


imap = imap_fixture()


@pytest.fixture(scope="module")
def pool(support_database_url, support_migrated):
    pool = make_pool(support_database_url, "support", min_size=1, max_size=3, autocommit=True)
    yield pool
    pool.close()


def poll(pool, imap, **kwargs):
    return poll_once(pool, imap.settings(**kwargs))


def case_by_message_id(db, message_id):
    return db.one("SELECT * FROM cases WHERE message_id = %s", (message_id,))


def messages_of(db, case_id, kind=None):
    sql = "SELECT * FROM case_messages WHERE case_id = %s" + (" AND kind = %s" if kind else "") + " ORDER BY seq"
    return db.all(sql, (case_id, kind) if kind else (case_id,))


def counts(db):
    return (db.scalar("SELECT count(*) FROM cases"), db.scalar("SELECT count(*) FROM case_messages"),
            db.scalar("SELECT count(*) FROM outgoing_mail"))


def agent_reply(pool, case_id, body="We are sending a new pump."):
    with pool.connection() as conn, conn.transaction():
        return cases.add_message(conn, case_id, kind="reply", body=body, actor="agent1")


def test_new_mail_opens_a_case(pool, db, imap):
    mail = customer_mail()
    imap.deliver(mail.as_bytes())
    assert poll(pool, imap) == {"opened": 1}
    case = case_by_message_id(db, mail["Message-ID"])
    assert (case["subject"], case["channel"], case["contact_email"], case["contact_name"]) == (
        "The pump is broken", "email", "ada@example.com", "Ada Lovelace")
    assert case["description"] == "It stopped this morning."
    assert case["created_by"] == "system:mail"
    assert imap.seen() >= 1
    assert poll(pool, imap) == {}  # nothing new


def test_a_known_contacts_mail_is_their_case(pool, db, imap):
    account_id = known_account(db)
    contact_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO contacts (id, account_id, first_name, last_name, email) VALUES (%s, %s, 'Grace', "
                    "'Hopper', 'grace@example.com')", (contact_id, account_id))
    mail = customer_mail(sender="GRACE@Example.com", subject="Fwd: Invoice wrong")
    imap.deliver(mail.as_bytes())
    poll(pool, imap)
    case = case_by_message_id(db, mail["Message-ID"])
    assert (str(case["contact_id"]), str(case["account_id"]), case["subject"]) == (contact_id, account_id,
                                                                                   "Invoice wrong")


def test_replies_thread_by_number_and_by_in_reply_to(pool, db, imap):
    first = customer_mail(subject="Login fails")
    imap.deliver(first.as_bytes())
    poll(pool, imap)
    case = case_by_message_id(db, first["Message-ID"])
    reply = agent_reply(pool, case["id"])
    assert reply["message_id"] and db.one("SELECT * FROM outgoing_mail WHERE message_id = %s", (reply["message_id"],))

    by_number = customer_mail(subject=f"Re: [{case['number']}] Login fails", text="Still failing.")
    by_reference = customer_mail(subject="Re: Login fails", text="And now?",
                                 headers={"In-Reply-To": reply["message_id"], "References": reply["message_id"]})
    imap.deliver(by_number.as_bytes(), by_reference.as_bytes())
    assert poll(pool, imap) == {"threaded": 2}
    customer = messages_of(db, case["id"], "customer")
    assert [message["body"] for message in customer] == ["Still failing.", "And now?"]
    assert customer[1]["in_reply_to"] == reply["message_id"]
    assert customer[0]["author_email"] == "ada@example.com"


def test_a_colleagues_mail_on_a_case_is_an_internal_note(pool, db, imap):
    first = customer_mail(subject="Pump leaks")
    imap.deliver(first.as_bytes())
    poll(pool, imap)
    case = case_by_message_id(db, first["Message-ID"])
    with pool.connection() as conn, conn.transaction():
        cases.change_status(conn, case["id"], "pending", "agent1")
    lead = f"lead-{uuid.uuid4().hex[:8]}@example.com"
    db.conn.execute("INSERT INTO agents (user_id, name, email) VALUES (%s, 'Lee Lead', %s)", (str(uuid.uuid4()), lead))
    # the team lead answers an escalation notice by mail: "[CASE-…]" is in its subject
    answer = customer_mail(subject=f"Re: [{case['number']}] Breach warning", text="On it.", sender=f"Lee <{lead}>")
    imap.deliver(answer.as_bytes())
    assert poll(pool, imap) == {"threaded": 1}
    [note] = messages_of(db, case["id"], "note")
    assert note["body"] == "By email: On it." and note["author_email"] == lead
    assert messages_of(db, case["id"], "customer") == []
    assert db.one("SELECT status FROM cases WHERE id = %s", (case["id"],))["status"] == "pending"  # not reopened


def test_attachments_are_named_in_the_text(pool, db, imap):
    mail = customer_mail(subject="Photo of the damage", text="See the photo.")
    mail.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="damage.png")
    imap.deliver(mail.as_bytes())
    poll(pool, imap)
    description = case_by_message_id(db, mail["Message-ID"])["description"]
    assert description == "See the photo.\n\n[1 attachment(s) not kept: damage.png]"


def test_html_only_mail_becomes_text(pool, db, imap):
    mail = customer_mail(text=None, html="<p>Hello,</p><p>the <b>printer</b> &amp; scanner fail.</p>")
    imap.deliver(mail.as_bytes())
    poll(pool, imap)
    assert case_by_message_id(db, mail["Message-ID"])["description"] == "Hello,\n\nthe printer & scanner fail."


def test_machines_mail_opens_nothing_and_sends_nothing(pool, db, imap):
    first = customer_mail(subject="Order missing")
    imap.deliver(first.as_bytes())
    poll(pool, imap)
    case = case_by_message_id(db, first["Message-ID"])
    before = counts(db)
    automatic = [
        customer_mail(subject=f"Out of office: [{case['number']}] Order missing",
                      headers={"Auto-Submitted": "auto-replied"}),
        customer_mail(subject="Automatic reply", headers={"X-Autoreply": "yes"}),
        customer_mail(subject="Newsletter", headers={"Precedence": "bulk"}),
        customer_mail(subject="Loop", sender="Customer support <support@crm.local>"),
        customer_mail(subject="Delivery Status Notification (Failure)",
                      sender="Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>",
                      text="Your message to nobody@example.com could not be delivered."),
    ]
    imap.deliver(*(mail.as_bytes() for mail in automatic))
    assert poll(pool, imap) == {"auto_reply": 4, "bounce": 1}
    assert counts(db) == before
    outcomes = {row["message_id"]: row["outcome"] for row in
                db.all("SELECT * FROM incoming_mail WHERE message_id = ANY(%s)",
                       ([str(mail["Message-ID"]) for mail in automatic],))}
    assert sorted(outcomes.values()) == ["auto_reply"] * 4 + ["bounce"]


def test_a_bounced_reply_is_marked_and_noted(pool, db, imap):
    first = customer_mail(subject="Bounce me", sender="gone@example.com")
    imap.deliver(first.as_bytes())
    poll(pool, imap)
    case = case_by_message_id(db, first["Message-ID"])
    reply = agent_reply(pool, case["id"], body="Here is the answer.")
    db.conn.execute("UPDATE outgoing_mail SET status = 'sent', sent_at = now() WHERE message_id = %s",
                    (reply["message_id"],))
    before = counts(db)
    imap.deliver(dsn_bytes(original=reply["message_id"], to="gone@example.com", n=uuid.uuid4().hex,
                           action="delayed"))
    assert poll(pool, imap) == {"bounce": 1}  # "still trying": nothing marked
    assert db.scalar("SELECT status FROM outgoing_mail WHERE message_id = %s", (reply["message_id"],)) == "sent"
    imap.deliver(dsn_bytes(original=reply["message_id"], to="gone@example.com", n=uuid.uuid4().hex))
    assert poll(pool, imap) == {"bounce": 1}
    sent = db.one("SELECT * FROM outgoing_mail WHERE message_id = %s", (reply["message_id"],))
    assert sent["status"] == "bounced" and "5.1.1" in sent["last_error"] and sent["bounced_at"]
    notes = messages_of(db, case["id"], "note")
    assert len(notes) == 1 and "bounced" in notes[0]["body"] and "gone@example.com" in notes[0]["body"]
    cases_now, messages_now, outgoing_now = counts(db)
    assert (cases_now, messages_now, outgoing_now) == (before[0], before[1] + 1, before[2])


def test_the_same_message_twice_has_one_effect(pool, db, imap):
    mail = customer_mail(subject="Twice")
    imap.deliver(mail.as_bytes(), mail.as_bytes())
    assert poll(pool, imap) == {"opened": 1, "duplicate": 1}
    assert db.scalar("SELECT count(*) FROM cases WHERE message_id = %s", (mail["Message-ID"],)) == 1


def test_a_uidvalidity_change_reads_again_without_duplicates(pool, db, imap):
    old = customer_mail(subject="Before the move")
    imap.deliver(old.as_bytes())
    poll(pool, imap)
    before = counts(db)
    imap.restart()  # a new mailbox: new UIDVALIDITY, UIDs from the start
    new = customer_mail(subject="After the move")
    imap.deliver(old.as_bytes(), new.as_bytes())
    assert poll(pool, imap) == {"duplicate": 1, "opened": 1}
    assert counts(db)[0] == before[0] + 1
    state = db.one("SELECT * FROM mailbox_state WHERE mailbox = %s", (imap.settings().key,))
    assert state["last_uid"] > 0 and state["uidvalidity"]


def test_a_wrong_password_or_folder_is_a_mailbox_error(imap):
    with pytest.raises(MailboxError):
        poll_once(None, ImapSettings(host="127.0.0.1", port=imap.port, security="none", username=USER,
                                     password="wrong", timeout=5))
    with pytest.raises(MailboxError):
        poll_once(None, imap.settings(mailbox="Nowhere"))


def test_starttls(pool, db, tmp_path):
    server = ImapServer(make_certificate(tmp_path))
    try:
        mail = customer_mail(subject="Over STARTTLS")
        server.deliver(mail.as_bytes())
        with pytest.raises(ssl.SSLError):  # a certificate nobody vouches for
            poll_once(pool, server.settings(cafile=None))
        assert poll_once(pool, server.settings()) == {"opened": 1}
    finally:
        server.stop()


def test_receive_files_bytes_directly(pool, db):
    mail = customer_mail(subject="Straight in")
    with pool.connection() as conn, conn.transaction():
        first = commands.receive(conn, mail.as_bytes())
        again = commands.receive(conn, mail.as_bytes())
    assert first["outcome"] == "opened" and again["outcome"] == "duplicate"


# The loop in the service --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service(support_config, db, imap):
    config = {**support_config, "IMAP_HOST": "127.0.0.1", "IMAP_PORT": imap.port, "IMAP_SECURITY": "none",
              "IMAP_USERNAME": USER, "IMAP_PASSWORD": PASSWORD, "MAIL_POLL_SECONDS": "0.3", "SMTP_HOST": ""}
    container = start_container(SupportService, config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


def test_the_poller_reads_the_mailbox_and_keeps_its_result(service, support, db, imap):
    mail = customer_mail(subject="Through the poller")
    imap.deliver(mail.as_bytes())
    wait_for(lambda: case_by_message_id(db, mail["Message-ID"]), 10, message="the poller did not open the case")
    key = imap.settings().key

    def polled():
        status = support.mail_status()
        mine = [box for box in status["mailboxes"] if box["mailbox"] == key and box["last_ok_at"]]
        return (status, mine[0]) if mine else None

    status, mailbox = wait_for(polled, 10)
    assert status["polling"] is True and mailbox["last_result"] in ("1 opened", "no new mail")
    assert mailbox["last_error"] is None and mailbox["uidvalidity"]
    assert status["incoming_last_day"]["opened"] >= 1
