"""What the support service's end-to-end tests share (tests/support/test_e2e_*.py,
test_reliability_mail.py): the environment of a service process on the test
mail servers, teams and an always-open SLA policy, and waiting for what the
service mails and the cases it opens."""

import uuid

import shared.schemas.support  # noqa: F401 - registers the support events
from shared.schemas.events import contract
from tests.helpers import wait_for
from tests.mailservers import PASSWORD, USER
from tests.services import unique

ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def mail_env(smtp, imap=None, **extra):
    """The environment of a service process that sends to ``smtp`` and polls ``imap`` (when given) quickly."""
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none", "IMAP_HOST": "",
           "MAIL_POLL_SECONDS": "0.3", "MAIL_SEND_SECONDS": "0.5", "MAIL_RETRY_SECONDS": "1",
           "SLA_SWEEP_SECONDS": "1", "DB_POOL_MIN": "1", "DB_POOL_MAX": "4",
           # a killed sender's mail goes out again soon
           "SMTP_TIMEOUT_SECONDS": "5", "MAIL_SEND_LEASE_SECONDS": "5"}  # the test server's connections are few
    if imap is not None:
        env.update({"IMAP_HOST": "127.0.0.1", "IMAP_PORT": str(imap.port), "IMAP_SECURITY": "none",
                    "IMAP_USERNAME": USER, "IMAP_PASSWORD": PASSWORD})
    return {**env, **extra}


def person(name):
    return {"user_id": str(uuid.uuid4()), "name": f"{name} {unique()}",
            "email": f"{name.lower()}.{unique()}@example.org"}


def make_team(support, members, lead=None, **fields):
    team = support.create_team({"name": unique("Team "), "assignment_method": "round_robin", **fields}, "admin")
    for member in members:
        support.add_team_member(team["id"], member, "admin")
    if lead is not None:
        support.add_team_member(team["id"], {**lead, "available": False}, "admin")
        team = support.update_team(team["id"], {"lead_id": lead["user_id"]}, "admin")
    return team


def always_policy(support, **targets):
    """An SLA policy on an always-open UTC calendar, tried first, for mail cases."""
    calendar = support.create_calendar({"name": unique("Always "), "time_zone": "UTC", "weekly_hours": ALWAYS},
                                       "admin")
    return support.create_sla_policy({"name": unique("E2E "), "channels": ["email"], "calendar_id": calendar["id"],
                                      "position": 1, "warn_percent": 80, **targets}, "admin")


def drop_policy(support, policy):
    support.delete_sla_policy(policy["id"], "admin")
    # its calendar stays: the cases timed on it keep their clocks


def received(smtp, predicate):
    return [message for _, message in smtp.messages() if predicate(message)]


def wait_for_mail(smtp, predicate, timeout=20, what="a mail"):
    wait_for(lambda: received(smtp, predicate), timeout, message=f"{what} did not reach the SMTP server")
    return received(smtp, predicate)


def case_of_mail(db, message_id, timeout=30):
    try:
        wait_for(lambda: db.one("SELECT id FROM cases WHERE message_id = %s", (message_id,)), timeout)
    except AssertionError:
        polls = db.all("SELECT mailbox, last_uid, last_poll_at, last_result, last_error FROM mailbox_state")
        incoming = db.one("SELECT * FROM incoming_mail WHERE message_id = %s", (message_id,))
        raise AssertionError(f"no case was opened for the mail {message_id} within {timeout}s; mailboxes: {polls};"
                             f" the mail: {incoming}") from None
    return db.one("SELECT * FROM cases WHERE message_id = %s", (message_id,))


def clocks(support, case_id):
    return {clock["metric"]: clock for clock in support.sla_clocks([str(case_id)])[str(case_id)]}


def check_contracts(received_events):
    """Every event as published matches its registered schema (what consumers are promised)."""
    for event in received_events:
        assert contract(event.type).schema().validate(event.data) == {}, (event.type, event.data)


def text_of(message):
    return message.get_body(("plain",)).get_content()
