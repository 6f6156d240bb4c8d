"""Mail survives the service process being killed (SIGKILL, no clean stop):

- outgoing: mails queued when the process dies, some of them in the middle
  of their SMTP conversation, all reach the SMTP server after a restart.
  Delivery is at least once with the same Message-ID: a row is marked sent
  in the transaction that took it, after the server's 250, so a process
  killed between that 250 and its commit leaves the row queued and the next
  process sends it again (one copy more at most: the sender sends one mail
  at a time); the repeated copy has the same Message-ID, which mail
  programs show once.  Exactly once would need the SMTP server's help;
- incoming: a mail filed into a case whose \\Seen flag was never set (the
  process died in between), or read again from the start of the mailbox,
  still makes one case and one message."""

import subprocess
import sys
import time
from email import message_from_bytes, policy

import pytest

from services.support.mail import commands
from shared.kit.db import make_pool
from tests.helpers import free_port, wait_for
from tests.mailservers import customer_mail, imap_fixture
from tests.services import unique
from tests.support.mail_e2e import case_of_mail, mail_env

# An SMTP server (aiosmtpd) that takes DELAY seconds to answer each message
# and keeps every message it accepted (<n>.eml, <n>.json with its envelope).
SLOW_SERVER = r'''
import asyncio, json, sys, time
from pathlib import Path
from aiosmtpd.controller import Controller

port, folder, delay = int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
count = 0

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        await asyncio.sleep(delay)
        count += 1
        (folder / f"{count}.json").write_text(json.dumps({"to": envelope.rcpt_tos}))
        (folder / f"{count}.eml").write_bytes(envelope.content)
        return "250 OK stored"

Controller(Handler(), hostname="127.0.0.1", port=port).start()
while True:
    time.sleep(3600)
'''


class SlowSmtp:
    def __init__(self, folder, delay):
        self.folder, self.port = folder, free_port()
        script = folder / "slow_smtp.py"
        script.write_text(SLOW_SERVER)
        self.process = subprocess.Popen([sys.executable, str(script), str(self.port), str(folder), str(delay)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(self.listening, 10, message="the SMTP server did not start")

    def listening(self):
        import socket

        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def message_ids(self):
        ids = []
        for path in sorted(self.folder.glob("*.eml")):
            ids.append(message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"])
        return ids

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def slow_smtp(tmp_path_factory):
    server = SlowSmtp(tmp_path_factory.mktemp("slow-smtp"), 0.1)
    yield server
    server.stop()


imap = imap_fixture()


@pytest.fixture(scope="module")
def pool(support_database_url, support_migrated):
    pool = make_pool(support_database_url, "support", min_size=1, max_size=2, autocommit=True)
    yield pool
    pool.close()


def statuses(db, message_ids):
    return {row["message_id"]: row for row in db.all(
        "SELECT message_id, status, attempts FROM outgoing_mail WHERE message_id = ANY(%s)", (message_ids,))}


def test_queued_mail_survives_a_killed_sender(service_process, db, pool, slow_smtp):
    # mail queued by earlier modules (to other servers) is not this test's: out of the way
    db.conn.execute("UPDATE outgoing_mail SET status = 'failed' WHERE status = 'queued'")
    first = service_process(**mail_env(slow_smtp))
    batch = unique("batch")
    with pool.connection() as conn, conn.transaction():
        queued = [commands.queue_mail(conn, to=f"customer{number}@example.com", subject=f"{batch} {number}",
                                      text="Your case was updated.", kind="notification") for number in range(30)]
    # killed while sending: some delivered, the rest still queued, one possibly on the wire
    wait_for(lambda: len(set(slow_smtp.message_ids()) & set(queued)) >= 5, 20, message="nothing was sent")
    first.sigkill()
    arrived_before = set(slow_smtp.message_ids()) & set(queued)
    assert len(arrived_before) < len(queued), "all were sent before the kill: the test proves nothing"
    left = [message_id for message_id, row in statuses(db, queued).items() if row["status"] == "queued"]
    assert left, "nothing was left queued at the kill"

    service_process(**mail_env(slow_smtp))
    wait_for(lambda: all(row["status"] == "sent" for row in statuses(db, queued).values()), 30,
             message="the restarted process did not send the queued mail")
    time.sleep(0.5)
    arrived = [message_id for message_id in slow_smtp.message_ids() if message_id in set(queued)]
    assert set(arrived) == set(queued)  # every one arrived
    repeated = {message_id for message_id in arrived if arrived.count(message_id) > 1}
    assert len(repeated) <= 1  # at most the one on the wire at the kill, with its same Message-ID
    assert len(arrived) <= len(queued) + 1


def unseen(imap):
    client = imap.client()
    try:
        client.select("INBOX")
        client.uid("store", "1:*", "-FLAGS", "(\\Seen)")
    finally:
        client.logout()


def test_a_mail_read_again_after_a_kill_opens_one_case(service_process, db, imap, slow_smtp):
    mail = customer_mail(subject=f"Kettle {unique()} leaks")
    imap.deliver(mail.as_bytes())
    first = service_process(**mail_env(slow_smtp, imap, SMTP_HOST=""))
    case = case_of_mail(db, mail["Message-ID"])
    messages = db.scalar("SELECT count(*) FROM case_messages WHERE case_id = %s", (case["id"],))
    first.sigkill()
    # as if the process had died after filing the mail but before flagging it \Seen,
    # and had lost its place in the mailbox too (read again from the first message)
    unseen(imap)
    db.conn.execute("UPDATE mailbox_state SET last_uid = 0 WHERE mailbox LIKE %s", (f"%:{imap.port}/%",))
    later = customer_mail(subject=f"Toaster {unique()} smokes")
    imap.deliver(later.as_bytes())
    service_process(**mail_env(slow_smtp, imap, SMTP_HOST=""))
    case_of_mail(db, later["Message-ID"])  # the restarted process has read the box again
    assert db.scalar("SELECT count(*) FROM cases WHERE message_id = %s", (mail["Message-ID"],)) == 1
    assert db.scalar("SELECT count(*) FROM case_messages WHERE case_id = %s", (case["id"],)) == messages
    wait_for(lambda: imap.seen() == 2, 10, message="the mails were not flagged \\Seen")


def test_two_replicas_share_the_mailbox_and_the_queue(service_process, db, pool, imap, slow_smtp):
    """Both processes poll the same mailbox and send from the same queue:
    each mail opens one case (no mail recorded as failed), each queued mail
    is sent once."""
    env = mail_env(slow_smtp, imap, MAIL_POLL_SECONDS="0.2")
    service_process(**env), service_process(**env)
    batch = unique("Heater")
    mails = [customer_mail(subject=f"{batch} {number} is cold") for number in range(8)]
    imap.deliver(*[mail.as_bytes() for mail in mails])
    ids = [mail["Message-ID"] for mail in mails]
    wait_for(lambda: db.scalar("SELECT count(*) FROM cases WHERE message_id = ANY(%s)", (ids,)) == len(ids), 30,
             message="not every mail opened its case")
    with pool.connection() as conn, conn.transaction():
        queued = [commands.queue_mail(conn, to=f"reader{number}@example.com", subject=f"{batch} news {number}",
                                      text="News.", kind="notification") for number in range(10)]
    wait_for(lambda: all(row["status"] == "sent" for row in statuses(db, queued).values()), 30,
             message="the queued mail was not sent")
    time.sleep(1.0)  # both pollers had another go at the box
    assert db.scalar("SELECT count(*) FROM cases WHERE message_id = ANY(%s)", (ids,)) == len(ids)
    outcomes = db.all("SELECT outcome, count(*) AS n FROM incoming_mail WHERE message_id = ANY(%s) GROUP BY outcome",
                      (ids,))
    assert {row["outcome"]: row["n"] for row in outcomes} == {"opened": len(ids)}
    arrived = [message_id for message_id in slow_smtp.message_ids() if message_id in set(queued)]
    assert sorted(arrived) == sorted(queued)
    assert all(row["attempts"] == 1 for row in statuses(db, queued).values())
