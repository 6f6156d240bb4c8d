"""A mail carrying NUL characters (in its subject, its text, its file
names) is filed without them; it never stalls the mailbox, whose next mail
is read all the same."""

import pytest

from services.support.mail.inbound import poll_once
from shared.kit.db import make_pool
from tests.services import unique
from tests.support.test_mail_inbound import ImapServer


@pytest.fixture(scope="module")
def imap():
    server = ImapServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pool(support_database_url, support_migrated):
    pool = make_pool(support_database_url, "support", min_size=1, max_size=3, autocommit=True)
    yield pool
    pool.close()


def raw_mail(message_id, subject_qp, body_qp):
    return (f"From: Ada <ada@example.com>\r\nTo: support@crm.local\r\n"
            f"Subject: =?utf-8?q?{subject_qp}?=\r\nMessage-ID: {message_id}\r\n"
            "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{body_qp}\r\n").encode()


def test_nul_characters_are_dropped_and_the_box_moves_on(pool, db, imap):
    tag = unique("nul")
    bad = f"<{tag}.1@example.com>"
    good = f"<{tag}.2@example.com>"
    imap.deliver(raw_mail(bad, f"Pump=00_{tag}", "It=00 stopped."), raw_mail(good, f"Valve_{tag}", "Leaks."))
    assert poll_once(pool, imap.settings()) == {"opened": 2}
    case = db.one("SELECT * FROM cases WHERE message_id = %s", (bad,))
    assert case["subject"] == f"Pump {tag}" and case["description"] == "It stopped."
    assert db.one("SELECT * FROM cases WHERE message_id = %s", (good,)) is not None
    assert poll_once(pool, imap.settings()) == {}
