"""Email sends through the real service, PostgreSQL, RabbitMQ and a real
SMTP server: who is mailed and who is suppressed (and why), headers and the
unsubscribe link, retries on 4xx, 5xx bounces, later bounces, the frequency
cap across campaigns, cancelling, transactional mail, and bad input."""

import psycopg
import pytest

from services.campaigns.consent import links
from services.campaigns.sending import queue
from shared.kit.locks import advisory_lock
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.campaigns import sending_fixtures
from tests.campaigns.sending_fixtures import (
    address,
    campaign,
    members,
    messages_to,
    person,
    received,
    recipients,
    set_consent,
    suppress,
    template,
    wait_finished,
)
from tests.helpers import wait_for

smtp, sender_service, sending = sending_fixtures.smtp, sending_fixtures.sender_service, sending_fixtures.sending


def send_to_members(sending, db, people, campaign_id=None, **extra):
    campaign_id = campaign_id or campaign(db)
    members(db, campaign_id, people)
    send = sending.create_email_send(campaign_id, {"template_id": template(db), "audience": {"kind": "members"},
                                                   **extra}, "mia")
    return campaign_id, send


def test_only_those_who_may_be_mailed_are_mailed_once(sending, db, smtp, events, campaigns_config):
    ok1, ok2 = address("ok"), address("ok")
    none, withdrawn, suppressed, dne, inactive = (address(kind) for kind in ("none", "gone", "supp", "dne", "off"))
    for email in (ok1, ok2, suppressed, dne, inactive):
        set_consent(db, email)
    set_consent(db, withdrawn, "granted")
    set_consent(db, withdrawn, "withdrawn")
    suppress(db, suppressed)
    people = [person(db, ok1), person(db, ok2), person(db, none), person(db, withdrawn), person(db, suppressed),
              person(db, dne, do_not_email=True), person(db, inactive, active=False), person(db, None)]
    campaign_id, send = send_to_members(sending, db, people)
    assert send["status"] == "sending" and send["recipients"] == len(people)
    wait_finished(db, send["id"])
    rows = recipients(db, send["id"])
    assert {email: (row["status"], row["reason"]) for email, row in rows.items()} == {
        ok1: ("sent", None), ok2: ("sent", None), none: ("suppressed", "no_consent"),
        withdrawn: ("suppressed", "withdrawn"), suppressed: ("suppressed", "suppressed"),
        dne: ("suppressed", "do_not_email"), inactive: ("suppressed", "inactive"), None: ("suppressed", "no_address")}
    everyone = [ok1, ok2, none, withdrawn, suppressed, dne, inactive]
    assert received(smtp, everyone) == {ok1: 1, ok2: 1}
    [message] = messages_to(smtp, ok1)
    assert message["Message-ID"] == rows[ok1]["message_id"]
    assert message["Subject"] == "Hello Ada"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe == links.unsubscribe_url(campaigns_config, ok1, "marketing_email", campaign_id)
    assert message["X-Campaign-Id"] == campaign_id
    progress = sending.get_email_send(send["id"])
    assert progress["status"] == "completed"
    assert progress["counts"]["sent"] == 2 and progress["counts"]["suppressed"] == 6
    sent_events = events.wait_for("campaign.email_sent", rows[ok1]["id"])
    assert sent_events[0].data["email"]["person_id"] == str(rows[ok1]["person_id"])
    assert db.scalar("SELECT sent_at IS NOT NULL FROM campaign_members WHERE campaign_id = %s AND person_id = %s",
                     (campaign_id, rows[ok1]["person_id"]))
    page = sending.list_email_send_recipients(send["id"], {"status": ["suppressed"], "limit": 4})
    assert len(page["items"]) == 4 and page["next_cursor"]
    rest = sending.list_email_send_recipients(send["id"], {"status": ["suppressed"], "cursor": page["next_cursor"]})
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None


def test_a_template_edited_while_its_send_runs_changes_none_of_its_emails(sending, db, smtp, campaigns_config):
    email = address("steady")
    set_consent(db, email)
    template_id = template(db, subject="Old subject")
    db.conn.execute("INSERT INTO template_versions (template_id, version, name, subject, html, text)"
                    " SELECT id, version, name, subject, html, text FROM templates WHERE id = %s", (template_id,))
    campaign_id = campaign(db)
    members(db, campaign_id, [person(db, email)])
    # The sender cannot decide this address while the test holds its lock: the edit lands mid-send.
    with psycopg.connect(campaigns_config["DATABASE_URL"]) as holder:
        with holder.transaction():
            advisory_lock(holder, f"campaigns-email:{email}")
            send = sending.create_email_send(campaign_id, {"template_id": template_id,
                                                           "audience": {"kind": "members"}}, "mia")
            assert send["template_version"] == 1
            db.conn.execute("UPDATE templates SET subject = 'New subject', version = 2 WHERE id = %s", (template_id,))
            db.conn.execute("INSERT INTO template_versions (template_id, version, name, subject, html, text)"
                            " SELECT id, version, name, subject, html, text FROM templates WHERE id = %s",
                            (template_id,))
    wait_finished(db, send["id"])
    assert [message["Subject"] for message in messages_to(smtp, email)] == ["Old subject"]


def test_4xx_is_retried_and_5xx_bounces_and_suppresses(sending, db, smtp, events):
    later, reject = f"later-{address()}", f"reject-{address()}"
    for email in (later, reject):
        set_consent(db, email)
    _, send = send_to_members(sending, db, [person(db, later), person(db, reject)])
    wait_finished(db, send["id"])
    rows = recipients(db, send["id"])
    assert rows[later]["status"] == "failed" and rows[later]["attempts"] == 3  # MAIL_RETRY_LIMIT
    assert "451" in rows[later]["last_error"]
    assert rows[reject]["status"] == "bounced" and "550" in rows[reject]["last_error"]
    assert db.scalar("SELECT reason FROM suppressions WHERE email_norm = %s", (reject,)) == "hard_bounce"
    assert db.scalar("SELECT count(*) FROM suppressions WHERE email_norm = %s", (later,)) == 0
    bounced = events.wait_for("campaign.email_bounced", rows[reject]["id"])
    assert "550" in bounced[0].data["error"]


def test_a_later_bounce_suppresses_once(sending, db, smtp, events):
    email = address("dsn")
    set_consent(db, email)
    _, send = send_to_members(sending, db, [person(db, email)])
    wait_finished(db, send["id"])
    row = recipients(db, send["id"])[email]
    assert row["status"] == "sent"
    first = sending.record_email_bounce({"message_id": row["message_id"], "reason": "550 5.1.1 user unknown"})
    again = sending.record_email_bounce({"message_id": row["message_id"].strip("<>")})
    assert (first["changed"], again["changed"]) == (True, False)
    assert recipients(db, send["id"])[email]["status"] == "bounced"
    assert db.scalar("SELECT reason FROM suppressions WHERE email_norm = %s", (email,)) == "hard_bounce"
    events.settle(db, [row["id"]])
    assert len(events.of("campaign.email_bounced", row["id"])) == 1
    with pytest.raises(NotFound):
        sending.record_email_bounce({"message_id": "<nobody@crm.local>"})
    with pytest.raises(ValidationFailed):
        sending.record_email_bounce({"message_id": "not a message id"})


def test_the_frequency_cap_counts_across_campaigns(sending, db, smtp):
    email = address("cap")
    set_consent(db, email)
    someone = person(db, email)
    statuses = []
    for _ in range(4):  # FREQUENCY_CAP = 3, each send of another campaign
        _, send = send_to_members(sending, db, [someone])
        wait_finished(db, send["id"])
        row = recipients(db, send["id"])[email]
        statuses.append((row["status"], row["reason"]))
    assert statuses == [("sent", None)] * 3 + [("suppressed", "frequency_cap")]
    assert received(smtp, [email]) == {email: 3}


def test_one_address_on_two_records_gets_one_email_per_send(sending, db, smtp):
    email = address("twin")
    set_consent(db, email)
    _, send = send_to_members(sending, db, [person(db, email), person(db, email.upper())])
    wait_finished(db, send["id"])
    reasons = sorted(row["reason"] or row["status"] for row in db.all(
        "SELECT status, reason FROM send_recipients WHERE send_id = %s", (send["id"],)))
    assert reasons == ["duplicate_address", "sent"]
    assert received(smtp, [email]) == {email: 1}


def test_a_scheduled_send_can_be_cancelled_and_nothing_goes(sending, db, smtp):
    email = address("later")
    set_consent(db, email)
    _, send = send_to_members(sending, db, [person(db, email)], scheduled_at="2099-01-01T09:00:00+00:00")
    assert send["status"] == "scheduled" and send["recipients"] == 0
    cancelled = sending.cancel_email_send(send["id"], "mia")
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "mia"
    with pytest.raises(Conflict):
        sending.cancel_email_send(send["id"], "mia")
    assert received(smtp, [email]) == {}


def test_transactional_mail_goes_at_once_without_consent(sending, db, smtp):
    email = address("confirm")  # no consent at all: a double opt-in confirmation must still go
    with db.conn.transaction():
        queue.enqueue_transactional(db.conn, email, "Please confirm", "Click the link.", kind="double_opt_in",
                                    headers={"Auto-Submitted": "auto-generated"})
    wait_for(lambda: received(smtp, [email]) == {email: 1}, 10, message="the transactional mail did not arrive")
    # The catcher has it before the sender records it sent (the record follows the SMTP answer).
    wait_for(lambda: db.scalar("SELECT status FROM outgoing_mail WHERE to_address = %s", (email,)) == "sent", 10,
             message="the transactional mail was not recorded sent")
    with pytest.raises(ValidationFailed):
        queue.enqueue_transactional(db.conn, "not an address", "x", "y")


@pytest.mark.parametrize(("data", "error"), [
    ({"template_id": "00000000-0000-4000-8000-000000000000", "audience": {"kind": "members"}}, ValidationFailed),
    ({"audience": {"kind": "members"}}, ValidationFailed),
    ({"template_id": None, "audience": {"kind": "segment"}}, ValidationFailed),
    ({"template_id": "00000000-0000-4000-8000-000000000000",
      "audience": {"kind": "list", "id": "00000000-0000-4000-8000-000000000001"}}, ValidationFailed),
    ({"template_id": "00000000-0000-4000-8000-000000000000", "audience": {"kind": "everyone"}}, ValidationFailed),
    ({"template_id": "00000000-0000-4000-8000-000000000000", "audience": {"kind": "members"}, "colour": "red"},
     ValidationFailed),
])
def test_bad_sends_are_refused_and_nothing_is_written(sending, db, data, error):
    campaign_id = campaign(db)
    with pytest.raises(error):
        sending.create_email_send(campaign_id, data, "mia")
    assert db.scalar("SELECT count(*) FROM email_sends WHERE campaign_id = %s", (campaign_id,)) == 0


def test_sends_need_an_open_email_campaign(sending, db):
    body = {"template_id": template(db), "audience": {"kind": "members"}}
    with pytest.raises(NotFound):
        sending.create_email_send("00000000-0000-4000-8000-000000000000", body, "mia")
    with pytest.raises(Conflict):
        sending.create_email_send(campaign(db, type="webinar"), body, "mia")
    with pytest.raises(Conflict):
        sending.create_email_send(campaign(db, status="completed"), body, "mia")
    with pytest.raises(NotFound):
        sending.get_email_send("nope")
