"""A send survives its process being killed (SIGKILL) in the middle: after
a restart every recipient is sent exactly once or reported ``unknown`` (the
one email that was on its way at the kill, at most), and nobody receives
two copies.  The sends' pace keeps to SEND_RATE too (roughly)."""

from datetime import UTC, datetime

from tests.campaigns.sending_fixtures import (
    address,
    campaign,
    members,
    person,
    received,
    recipients,
    set_consent,
    smtp_env,
    template,
    wait_finished,
)
from tests.helpers import wait_for
from tests.mailservers import SmtpServer

PEOPLE = 200
RATE = 100


def test_a_killed_sender_mails_nobody_twice(service_process, rpc_proxy, db, tmp_path):
    server = SmtpServer(tmp_path, "none", ("-", "-"), None)
    try:
        env = smtp_env(server, SEND_RATE=str(RATE), MAIL_SEND_LEASE_SECONDS="2", FREQUENCY_CAP="0")
        emails = [address(f"k{number}") for number in range(PEOPLE)]
        for email in emails:
            set_consent(db, email)
        campaign_id = campaign(db)
        members(db, campaign_id, [person(db, email) for email in emails])
        first = service_process(**env)
        with rpc_proxy() as cluster:
            send = cluster.campaigns.create_email_send(
                campaign_id, {"template_id": template(db), "audience": {"kind": "members"}}, "mia")
        wait_for(lambda: sum(received(server, emails).values()) >= 40, 30, message="nothing was sent")
        first.sigkill()
        before = received(server, emails)
        assert sum(before.values()) < PEOPLE, "all were sent before the kill: the test proves nothing"

        restarted = datetime.now(UTC)
        service_process(**env)
        wait_finished(db, send["id"], timeout=60)
        rows = recipients(db, send["id"])
        arrived = received(server, emails)
        assert max(arrived.values()) == 1, "someone received two copies"
        statuses = {row["status"] for row in rows.values()}
        assert statuses <= {"sent", "unknown"}
        unknown = [email for email, row in rows.items() if row["status"] == "unknown"]
        assert len(unknown) <= 1  # the one email in flight at the kill (one sender sends one at a time)
        for email, row in rows.items():
            if row["status"] == "sent":
                assert arrived[email] == 1, email
        assert sum(arrived.values()) >= PEOPLE - len(unknown)
        # the pace after the restart: SEND_RATE emails per second at most (a burst of 10 aside), roughly
        stamps = sorted(row["sent_at"] for row in rows.values() if row["sent_at"] and row["sent_at"] > restarted)
        assert len(stamps) > 50
        seconds = (stamps[-1] - stamps[0]).total_seconds()
        assert seconds >= (len(stamps) - 10) / RATE * 0.8
    finally:
        server.stop()
