"""The whole local mail loop of `make up`, for real: a person writes to
support@crm.local through the mail catcher's SMTP server, the catcher puts it
into the support mailbox (IMAP), the service polls it and opens a case; the
agent's reply goes out over SMTP and lands in the catcher, threaded; the
customer's answer to it comes back into the same case."""

import signal
import socket
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.support.cases import commands as cases
from services.support.service import SupportService
from shared.kit.db import make_pool
from shared.kit.mail import SmtpSettings, build_message, send
from shared.kit.testing import start_container
from tests.helpers import free_port, wait_for

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mailcatcher.py"


@pytest.fixture(scope="module", autouse=True)
def case_numbers_ahead(db):
    """Case numbers after every case there is: a helper that numbered cases by hand (max + 1, not the
    sequence) must not make the cases this module opens collide."""
    db.conn.execute("SELECT setval('case_numbers', greatest((SELECT coalesce(max(number_seq), 0) FROM cases),"
                    " (SELECT last_value FROM case_numbers), 1))")


@pytest.fixture(scope="module")
def catcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("caught")
    ports = {"smtp": free_port(), "web": free_port(), "imap": free_port()}
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "serve", "--dir", str(folder), "--smtp", f"127.0.0.1:{ports['smtp']}",
         "--web", f"127.0.0.1:{ports['web']}", "--imap", f"127.0.0.1:{ports['imap']}",
         "--mailbox-address", "support@crm.local", "--mailbox-user", "support", "--mailbox-password", "support"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def up():  # all three servers listen (they start one after the other)
        try:
            for port in ports.values():
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_for(up, 20, message="the mail catcher did not start")
        yield {"dir": folder, **ports}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def service(support_config, db, catcher):
    config = {**support_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": catcher["smtp"], "SMTP_SECURITY": "none",
              "IMAP_HOST": "127.0.0.1", "IMAP_PORT": catcher["imap"], "IMAP_SECURITY": "none",
              "IMAP_USERNAME": "support", "IMAP_PASSWORD": "support", "MAIL_POLL_SECONDS": "0.3"}
    container = start_container(SupportService, config)
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


def caught(catcher, predicate):
    found = []
    for path in sorted(catcher["dir"].glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if predicate(message):
            found.append(message)
    return found


def write(catcher, subject, text, **kwargs):
    message = build_message(from_address="lin@example.com", from_name="Lin Customer", to="support@crm.local",
                            subject=subject, text=text, **kwargs)
    send(SmtpSettings(host="127.0.0.1", port=catcher["smtp"], timeout=5), message)
    return message


def test_a_person_writes_to_support_and_gets_a_threaded_reply(service, db, catcher, support_database_url):
    first = write(catcher, "My order never came", "Order 1001 is two weeks late.")
    case = wait_for(lambda: db.one("SELECT * FROM cases WHERE message_id = %s", (first["Message-ID"],)), 15,
                    message="no case opened from the mail")
    assert (case["channel"], case["contact_email"], case["contact_name"]) == ("email", "lin@example.com",
                                                                              "Lin Customer")

    pool = make_pool(support_database_url, "support", min_size=1, max_size=1, autocommit=True)
    try:
        with pool.connection() as conn, conn.transaction():
            reply = cases.add_message(conn, case["id"], kind="reply", body="It ships today.", actor="agent1")
    finally:
        pool.close()
    [answer] = wait_for(lambda: caught(catcher, lambda m: m["Message-ID"] == reply["message_id"]), 10,
                        message="the reply did not reach the catcher")
    assert answer["To"] == "lin@example.com" and answer["Subject"] == f"[{case['number']}] My order never came"
    assert answer["In-Reply-To"] == first["Message-ID"]

    quoted = "\n".join(f"> {line}" for line in answer.get_body(("plain",)).get_content().splitlines())
    again = write(catcher, f"Re: {answer['Subject']}", f"Thanks!\n\nOn Wed, Customer support wrote:\n{quoted}\n",
                  in_reply_to=answer["Message-ID"],
                  references=answer["References"])
    message = wait_for(lambda: db.one("SELECT * FROM case_messages WHERE message_id = %s", (again["Message-ID"],)), 15,
                       message="the answer was not threaded")
    assert str(message["case_id"]) == str(case["id"]) and message["kind"] == "customer"
    assert message["body"] == "Thanks!"  # the quoted reply is cut
    assert db.scalar("SELECT count(*) FROM cases WHERE contact_email = 'lin@example.com'") == 1
