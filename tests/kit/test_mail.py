"""The kit's SMTP sender against a real SMTP server (aiosmtpd, run in a
process of its own by the test): plain, STARTTLS and implicit TLS, a login,
the message it builds, and the split between temporary and permanent
failures."""

import time
from datetime import UTC, datetime

import pytest

from shared.kit.mail import (
    PermanentMailError,
    SmtpConnection,
    SmtpSettings,
    TemporaryMailError,
    build_message,
    domain_of,
    new_message_id,
    send,
)
from tests.helpers import free_port
from tests.mailservers import SmtpServer, make_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def servers(tmp_path_factory, certificate):
    started = {}

    def start(mode="none", login=None):
        if (mode, login) not in started:
            started[mode, login] = SmtpServer(tmp_path_factory.mktemp(f"smtp-{mode}"), mode, certificate, login)
        return started[mode, login]

    yield start
    for server in started.values():
        server.stop()


def settings_for(server, certificate, **kwargs):
    return SmtpSettings(host="127.0.0.1", port=server.port, cafile=certificate[0], timeout=5, **kwargs)


def message(subject="Your case", to="ada@example.com", **kwargs):
    return build_message(from_address="support@crm.local", from_name="Customer support, Ltd.", to=to,
                         subject=subject, text="Hello Ada,\n\nwe looked into it.\n", **kwargs)


# Building ----------------------------------------------------------------------

def test_a_message_has_its_sender_threading_and_extra_headers():
    sent = build_message(from_address="support@crm.local", from_name="Customer support, Ltd.",
                         to=["Ada Lovelace <ada@example.com>", "bob@example.com"],
                         subject="[CASE-000123] Broken\n pump",
                         text="Text", html="<p>Text</p>", in_reply_to="first@example.com",
                         references=["<root@example.com>"], auto_submitted="auto-replied",
                         headers={"X-CRM-Case": "CASE-000123"}, date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    assert sent["From"] == '"Customer support, Ltd." <support@crm.local>'
    assert sent["To"].addresses[0].display_name == "Ada Lovelace"
    assert sent["Subject"] == "[CASE-000123] Broken pump"
    assert sent["Message-ID"].endswith("@crm.local>")
    assert sent["In-Reply-To"] == "<first@example.com>"
    assert sent["References"] == "<root@example.com> <first@example.com>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-CRM-Case"] == "CASE-000123"
    assert sent["Date"] == "Sun, 01 Mar 2026 09:30:00 +0000"
    assert sent.get_content_type() == "multipart/alternative"
    assert sent.get_body(("plain",)).get_content().strip() == "Text"
    assert sent.get_body(("html",)).get_content().strip() == "<p>Text</p>"


def test_message_ids_are_in_the_senders_domain_and_unique():
    assert domain_of("Support <support@Crm.Local>") == "crm.local"
    first, second = new_message_id("support@crm.local"), new_message_id("support@crm.local")
    assert first != second and first.startswith("<") and first.endswith("@crm.local>")


def test_bad_addresses_and_settings_are_refused():
    with pytest.raises(ValueError):
        build_message(from_address="support@crm.local", to="not an address", subject="x", text="x")
    with pytest.raises(ValueError):
        SmtpSettings(host="mail.example.com", security="ssl")
    settings = SmtpSettings.from_config({"SMTP_HOST": "mail.example.com", "SMTP_SECURITY": "STARTTLS",
                                         "SMTP_PORT": "", "SMTP_USERNAME": "", "SMTP_TIMEOUT_SECONDS": "7"})
    assert (settings.port, settings.security, settings.username, settings.timeout) == (587, "starttls", None, 7.0)


# Sending -----------------------------------------------------------------------

def test_a_message_reaches_the_server_as_built(servers, certificate):
    server = servers()
    sent = message(cc="Bob <bob@example.com>")
    assert send(settings_for(server, certificate), sent) == {}
    envelope, received = server.messages()[-1]
    assert envelope == {"from": "support@crm.local", "to": ["ada@example.com", "bob@example.com"], "tls": False}
    assert received["Message-ID"] == sent["Message-ID"]
    assert received["From"].addresses[0].display_name == "Customer support, Ltd."
    assert "we looked into it." in received.get_body(("plain",)).get_content()


def test_starttls_and_a_login(servers, certificate):
    server = servers("starttls", login="agent:secret")
    settings = settings_for(server, certificate, security="starttls", username="agent", password="secret")
    send(settings, message(subject="Over STARTTLS"))
    envelope, received = server.messages()[-1]
    assert envelope["tls"] is True and received["Subject"] == "Over STARTTLS"


def test_implicit_tls(servers, certificate):
    server = servers("tls")
    send(settings_for(server, certificate, security="tls"), message(subject="Over TLS"))
    envelope, received = server.messages()[-1]
    assert envelope["tls"] is True and received["Subject"] == "Over TLS"


def test_an_untrusted_certificate_is_temporary(servers, certificate):
    server = servers("tls")
    with pytest.raises(TemporaryMailError):
        send(SmtpSettings(host="127.0.0.1", port=server.port, security="tls", timeout=5), message())


def test_a_wrong_password_is_temporary(servers, certificate):
    server = servers("starttls", login="agent:secret")
    settings = settings_for(server, certificate, security="starttls", username="agent", password="wrong")
    with pytest.raises(TemporaryMailError, match="login"):
        send(settings, message())


def test_starttls_asked_of_a_server_without_it_is_temporary(servers, certificate):
    with pytest.raises(TemporaryMailError, match="STARTTLS"):
        send(settings_for(servers(), certificate, security="starttls"), message())


def test_no_server_is_temporary():
    with pytest.raises(TemporaryMailError) as caught:
        send(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2), message())
    assert caught.value.temporary


def test_a_refused_recipient_is_permanent(servers, certificate):
    server = servers()
    with pytest.raises(PermanentMailError) as caught:
        send(settings_for(server, certificate), message(to="reject-me@example.com"))
    assert caught.value.code == 550 and "reject-me@example.com" in caught.value.recipients
    assert not caught.value.temporary


def test_a_recipient_deferred_is_temporary(servers, certificate):
    with pytest.raises(TemporaryMailError) as caught:
        send(settings_for(servers(), certificate), message(to="later@example.com"))
    assert caught.value.code == 451


def test_some_recipients_refused_the_others_receive_it(servers, certificate):
    server = servers()
    refused = send(settings_for(server, certificate), message(to=["ada@example.com", "reject@example.com"]))
    assert list(refused) == ["reject@example.com"] and refused["reject@example.com"][0] == 550
    assert server.messages()[-1][0]["to"] == ["ada@example.com"]


def test_refused_and_deferred_data(servers, certificate):
    settings = settings_for(servers(), certificate)
    with pytest.raises(PermanentMailError) as caught:
        send(settings, message(subject="REFUSE-DATA"))
    assert caught.value.code == 554
    with pytest.raises(TemporaryMailError) as caught:
        send(settings, message(subject="DEFER-DATA"))
    assert caught.value.code == 452


def test_one_session_sends_many_and_survives_refusals(servers, certificate):
    server = servers()
    with SmtpConnection(settings_for(server, certificate)) as smtp:
        first = message(subject="first")
        smtp.send(first)
        with pytest.raises(PermanentMailError):
            smtp.send(message(to="reject@example.com"))
        with pytest.raises(TemporaryMailError):
            smtp.send(message(subject="DEFER-DATA"))
        last = message(subject="last")
        smtp.send(last)
        assert smtp.sent == 2
    ids = [received["Message-ID"] for _, received in server.messages()]
    assert first["Message-ID"] in ids and last["Message-ID"] in ids


def test_a_session_the_server_closed_is_opened_again(tmp_path, certificate):
    server = SmtpServer(tmp_path, "none", certificate, None, idle_seconds=0.3)
    try:
        with SmtpConnection(settings_for(server, certificate)) as smtp:
            smtp.send(message(subject="before the pause"))
            time.sleep(0.8)  # the server says 421 and hangs up
            smtp.send(message(subject="after the pause"))
        assert [received["Subject"] for _, received in server.messages()] == ["before the pause", "after the pause"]
    finally:
        server.stop()
