"""The kit's SMTP sender against a real SMTP server (aiosmtpd, run in a
process of its own by the test): plain, STARTTLS and implicit TLS, a login,
the message it builds, and the split between temporary and permanent
failures."""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy

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

# The server: accepts everything but recipients named reject*@ (550) and
# later*@ (451) and a message whose subject holds REFUSE-DATA (554) or
# DEFER-DATA (452); keeps each message as <n>.eml with <n>.json (its envelope).
SERVER = r'''
import json, os, ssl, sys, time
from pathlib import Path
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, folder, mode, cert, key, login = sys.argv[1:7]
folder = Path(folder)

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if b"REFUSE-DATA" in envelope.content:
            return "554 5.6.0 Message refused"
        if b"DEFER-DATA" in envelope.content:
            return "452 4.3.1 Insufficient storage"
        number = len(list(folder.glob("*.eml"))) + 1
        (folder / f"{number}.eml").write_bytes(envelope.content)
        tls = server.transport.get_extra_info("ssl_object") is not None
        (folder / f"{number}.json").write_text(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                                             "tls": tls}))
        return "250 OK stored"

def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and login != "-":
        user, _, password = login.partition(":")
        if auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True)
    return AuthResult(success=False, handled=False)

kwargs = {"authenticator": authenticate, "auth_require_tls": False,
          "timeout": float(os.environ.get("IDLE_SECONDS", "300"))}
if mode != "none":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    kwargs["tls_context" if mode == "starttls" else "ssl_context"] = context
if login != "-":
    kwargs["auth_required"] = True
controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), **kwargs)
if mode == "tls":
    controller._trigger_server = lambda: None  # its self-check speaks plain SMTP
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


class Server:
    def __init__(self, folder, mode, certificate, login, idle_seconds=300):
        self.folder = folder
        self.port = free_port()
        script = folder / "server.py"
        script.write_text(SERVER)
        cert, key = certificate
        self.process = subprocess.Popen([sys.executable, str(script), str(self.port), str(folder), mode, cert, key,
                                         login or "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env={**os.environ, "IDLE_SECONDS": str(idle_seconds)})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the SMTP server did not start: {self.process.stderr.read().decode()}")

    def messages(self):
        found = []
        for number in range(1, len(list(self.folder.glob("*.eml"))) + 1):
            envelope = json.loads((self.folder / f"{number}.json").read_text())
            message = message_from_bytes((self.folder / f"{number}.eml").read_bytes(), policy=policy.default)
            found.append((envelope, message))
        return found

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def servers(tmp_path_factory, certificate):
    started = {}

    def start(mode="none", login=None):
        if (mode, login) not in started:
            started[mode, login] = Server(tmp_path_factory.mktemp(f"smtp-{mode}"), mode, certificate, login)
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
    server = Server(tmp_path, "none", certificate, None, idle_seconds=0.3)
    try:
        with SmtpConnection(settings_for(server, certificate)) as smtp:
            smtp.send(message(subject="before the pause"))
            time.sleep(0.8)  # the server says 421 and hangs up
            smtp.send(message(subject="after the pause"))
        assert [received["Subject"] for _, received in server.messages()] == ["before the pause", "after the pause"]
    finally:
        server.stop()
