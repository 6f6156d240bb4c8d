"""The customer's side of a conversation and time: a reply that moves a
pending case to open, reopens a resolved one within REOPEN_DAYS and opens a
follow-up case after it (or on a closed case); a Message-ID read twice is
one message; resolved cases close by themselves after AUTO_CLOSE_DAYS; the
look-ups the mail area threads with.

The commands run in a transaction of the test's own connection, with the
moment (``at``) given, as the mail poller and the SLA sweep call them."""

import datetime
import uuid

import pytest

from services.support.cases import commands, settings
from tests.support.conftest import known_account, known_contact, unique

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def hours(n):
    return START + datetime.timedelta(hours=n)


@pytest.fixture
def run(db, service):
    """``run(function, *args, **kwargs)`` in one committed transaction."""

    def call(function, *args, **kwargs):
        with db.conn.transaction():
            return function(db.conn, *args, **kwargs)

    return call


@pytest.fixture
def case(run, db):
    contact = known_contact(db, known_account(db))
    return run(commands.open_case, {"subject": f"Broken {unique()}", "contact_id": contact, "channel": "email",
                                    "message_id": f"<{uuid.uuid4()}@example.org>"}, "system:mail", at=START)


def customer(run, case_id, at, message_id=None, body="Still broken"):
    return run(commands.add_message, case_id, kind="customer", body=body, author_email="Ada@Example.org",
               message_id=message_id, at=at)


def status(run, case_id):
    return run(commands.get_case, case_id)["status"]


def test_a_customer_reply_opens_a_pending_case(run, case):
    run(commands.change_status, case["id"], "pending", "ann", at=hours(1))
    message = customer(run, case["id"], hours(2))
    assert (message["case_id"], message["direction"], message["author_email"]) == \
        (case["id"], "inbound", "ada@example.org")
    assert status(run, case["id"]) == "open"
    customer(run, case["id"], hours(3))  # open stays open
    assert status(run, case["id"]) == "open"


def test_a_reply_within_the_window_reopens(run, case):
    run(commands.change_status, case["id"], "resolved", "ann", at=hours(1))
    at = hours(1) + datetime.timedelta(days=settings.reopen_days())
    message = customer(run, case["id"], at)
    after = run(commands.get_case, case["id"])
    assert message["case_id"] == case["id"]
    assert (after["status"], after["reopen_count"], after["resolved_at"]) == ("open", 1, None)


@pytest.mark.parametrize("closed", [False, True])
def test_a_later_reply_opens_a_follow_up(run, db, case, closed):
    run(commands.change_status, case["id"], "resolved", "ann", at=hours(1))
    if closed:
        run(commands.change_status, case["id"], "closed", "ann", at=hours(2))
        at = hours(3)
    else:
        at = hours(1) + datetime.timedelta(days=settings.reopen_days(), seconds=1)
    message_id = f"<{uuid.uuid4()}@example.org>"
    message = customer(run, case["id"], at, message_id=message_id)
    follow_up = run(commands.get_case, message["case_id"])
    assert follow_up["id"] != case["id"]
    assert (follow_up["related_case_id"], follow_up["subject"], follow_up["contact_id"], follow_up["status"]) == \
        (case["id"], case["subject"], case["contact_id"], "new")
    assert status(run, case["id"]) == ("closed" if closed else "resolved")
    # the same mail read again is the same message, no second follow-up
    again = customer(run, case["id"], at + datetime.timedelta(minutes=1), message_id=message_id)
    assert again["id"] == message["id"]
    assert db.scalar("SELECT count(*) FROM cases WHERE related_case_id = %s", (case["id"],)) == 1


def test_mail_threading_look_ups_follow_merges(run, case):
    reply = run(commands.add_message, case["id"], kind="reply", body="Hello", actor="ann", at=hours(1))
    by_number = run(commands.find_case_by_number, case["number"].lower().replace("case-0", "CASE-00"))
    assert by_number["id"] == case["id"]
    assert run(commands.find_case_by_number, "CASE-999999999") is None
    assert run(commands.find_case_by_number, "nonsense") is None
    assert run(commands.find_case_by_message_ids, [case["message_id"]])["id"] == case["id"]
    assert run(commands.find_case_by_message_ids, ["<nobody@x>", reply["message_id"]])["id"] == case["id"]
    assert run(commands.find_case_by_message_ids, []) is None
    target = run(commands.open_case, {"subject": "Target"}, "ann", at=hours(2))
    run(commands.merge_cases, case["id"], target["id"], "ann", at=hours(3))
    assert run(commands.find_case_by_number, case["number"])["id"] == target["id"]
    assert run(commands.find_case_by_message_ids, [case["message_id"]])["id"] == target["id"]
    # the customer's answer to the merged case lands on the target
    message = customer(run, case["id"], hours(4))
    assert message["case_id"] == target["id"]


def test_resolved_cases_close_after_auto_close_days(run, db, case):
    run(commands.change_status, case["id"], "resolved", "ann", at=hours(1))
    days = settings.auto_close_days()
    assert run(commands.close_stale_resolved, hours(1) + datetime.timedelta(days=days), 100) == 0
    closed = run(commands.close_stale_resolved, hours(2) + datetime.timedelta(days=days), 100000)
    assert closed >= 1
    after = run(commands.get_case, case["id"])
    assert (after["status"], after["closed_at"]) == ("closed", hours(2) + datetime.timedelta(days=days))
    history = db.one("SELECT actor FROM case_history WHERE case_id = %s AND action = 'status_changed'"
                     " ORDER BY id DESC LIMIT 1", (case["id"],))
    assert history["actor"] == "system:auto-close"


def test_replies_on_closed_cases_are_refused_but_notes_are_not(run, case):
    run(commands.change_status, case["id"], "closed", "ann", at=hours(1))
    with pytest.raises(Exception, match="closed") as raised:
        run(commands.add_message, case["id"], kind="reply", body="Hi", actor="ann", at=hours(2))
    assert type(raised.value).__name__ == "Conflict"
    note = run(commands.add_message, case["id"], kind="note", body="For the record", actor="ann", at=hours(2))
    assert note["case_id"] == case["id"]
