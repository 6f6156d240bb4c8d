"""What the sending tests share: people, consent, campaigns and templates
written directly (as their areas would have), a service container whose
sender mails a real SMTP server the tests start, and reading that server."""

import uuid
from collections import Counter

import pytest

from services.campaigns.service import CampaignsService
from shared.kit.testing import start_container
from tests.helpers import wait_for
from tests.mailservers import SmtpServer
from tests.services import unique

SENDER_ENV = {"SEND_RATE": "500", "SEND_POLL_SECONDS": "0.2", "MAIL_RETRY_SECONDS": "0.2",
              "MAIL_RETRY_MAX_SECONDS": "0.4", "MAIL_RETRY_LIMIT": "3", "FREQUENCY_CAP": "3",
              "FREQUENCY_CAP_DAYS": "7", "MAIL_SEND_LEASE_SECONDS": "30"}


def smtp_env(server, **extra):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(server.port), "SMTP_SECURITY": "none",
            "SMTP_TIMEOUT_SECONDS": "5", **SENDER_ENV, **extra}


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("campaign-smtp"), "none", ("-", "-"), None)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sender_service(campaigns_config, db, smtp):
    """The service with its EmailSender mailing ``smtp`` (module scope)."""
    container = start_container(CampaignsService, {**campaigns_config, **smtp_env(smtp)})
    try:
        yield container
    finally:
        container.kill()
        db.wait_relay_free()


@pytest.fixture(scope="module")
def sending(sender_service, rpc_proxy):
    with rpc_proxy() as cluster:
        yield cluster.campaigns


def address(prefix="ada"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def person(db, email=None, active=True, do_not_email=False, first_name="Ada"):
    """A contact in the people projection; returns its id."""
    return str(db.scalar(
        "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, active, do_not_email)"
        " VALUES ('contact', %s, %s, 'Lovelace', %s, lower(%s), %s, %s) RETURNING id",
        (str(uuid.uuid4()), first_name, email, email, active, do_not_email)))


def set_consent(db, email, status="granted", purpose="marketing_email"):
    """The consent ledger's current state for an address (its history row first), as the consent area writes it."""
    email_norm = email.lower()
    change = db.scalar(
        "INSERT INTO consent_history (email_norm, purpose, channel, status, legal_basis, source, at)"
        " VALUES (%s, %s, 'email', %s, 'consent', 'api', now()) RETURNING id", (email_norm, purpose, status))
    db.conn.execute(
        "INSERT INTO consents (email_norm, purpose, channel, status, legal_basis, source, at, change_id,"
        " confirmed_at) VALUES (%s, %s, 'email', %s, 'consent', 'api', now(), %s, NULL)"
        " ON CONFLICT (email_norm, purpose, channel) DO UPDATE SET status = excluded.status, at = excluded.at,"
        " change_id = excluded.change_id, version = consents.version + 1, updated_at = now()",
        (email_norm, purpose, status, change))


def suppress(db, email, reason="manual"):
    db.conn.execute("INSERT INTO suppressions (email_norm, reason, source) VALUES (lower(%s), %s, 'test')"
                    " ON CONFLICT DO NOTHING", (email, reason))


def campaign(db, type="email", status="active"):
    return str(db.scalar("INSERT INTO campaigns (name, type, status) VALUES (%s, %s, %s) RETURNING id",
                         (f"Spring {unique()}", type, status)))


def template(db, subject="Hello {{ person.first_name }}"):
    return str(db.scalar(
        "INSERT INTO templates (name, subject, html, text) VALUES (%s, %s, %s, %s) RETURNING id",
        (f"Newsletter {unique()}", subject,
         "<p>Hi {{ person.first_name }}</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>",
         "Hi {{ person.first_name }}\nUnsubscribe: {{ unsubscribe_url }}")))


def members(db, campaign_id, person_ids):
    for person_id in person_ids:
        db.conn.execute("INSERT INTO campaign_members (campaign_id, person_id) VALUES (%s, %s)"
                        " ON CONFLICT DO NOTHING", (campaign_id, person_id))


def wait_finished(db, send_id, timeout=20):
    wait_for(lambda: db.scalar("SELECT status FROM email_sends WHERE id = %s", (send_id,)) in
             ("completed", "cancelled"), timeout, message=f"send {send_id} did not finish")


def recipients(db, send_id):
    """{email: row} of a send's recipients."""
    return {row["email"]: row for row in db.all(
        "SELECT r.*, p.email FROM send_recipients r JOIN people p ON p.id = r.person_id WHERE r.send_id = %s",
        (send_id,))}


def received(server, addresses=None):
    """Counter of envelope recipients the SMTP server accepted (only ``addresses`` when given)."""
    counts = Counter(to.lower() for envelope, _ in server.messages() for to in envelope["to"])
    if addresses is None:
        return counts
    wanted = {item.lower() for item in addresses}
    return Counter({key: value for key, value in counts.items() if key in wanted})


def messages_to(server, email):
    return [message for envelope, message in server.messages() if email.lower() in
            [to.lower() for to in envelope["to"]]]
