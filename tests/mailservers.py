"""Mail servers the tests start: a real SMTP server (aiosmtpd) and a real
IMAP server (pymap), each in a process of its own on a free port, with the
module-scoped fixtures that run them, a self-signed certificate for TLS, and
a customer's mail as a mail client would write it."""

import imaplib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tests.helpers import free_port

# The server: accepts everything but recipients named reject*@ (550) and
# later*@ (451) and a message whose subject holds REFUSE-DATA (554) or
# DEFER-DATA (452); keeps each message as <n>.eml with <n>.json (its envelope).
SMTP_SERVER = r'''
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


class SmtpServer:
    """aiosmtpd in a process of its own (``SMTP_SERVER``), on a free port; ``messages()`` are
    the (envelope, message) pairs it took, in order."""


    def __init__(self, folder, mode, certificate, login, idle_seconds=300):
        self.folder = folder
        self.port = free_port()
        script = folder / "server.py"
        script.write_text(SMTP_SERVER)
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


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1 in ``folder``: ``(cert path, key path)``."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def smtp_fixture(label="smtp"):
    """A module-scoped fixture: a plain SMTP server without login (``smtp = smtp_fixture("e2e-smtp")``)."""

    @pytest.fixture(scope="module")
    def smtp(tmp_path_factory):
        server = SmtpServer(tmp_path_factory.mktemp(label), "none", ("-", "-"), None)
        yield server
        server.stop()

    return smtp


USER, PASSWORD = "support", "secret"


class ImapServer:
    """pymap's in-memory backend: one user, a fresh mailbox (and a new UIDVALIDITY) at each start."""

    def __init__(self, certificate=None):
        self.port = free_port()
        self.process = None
        self.certificate = certificate  # (cert, key): STARTTLS offered
        self.start()

    def start(self):
        tls = ["--cert", self.certificate[0], "--key", self.certificate[1]] if self.certificate else ["--no-tls"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pymap.main import main; sys.argv[0] = 'pymap'; sys.exit(main())",
             "--host", "127.0.0.1", "--port", str(self.port), *tls, "dict",
             "--demo-user", USER, "--demo-password", PASSWORD], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("pymap did not start")

    def restart(self):
        self.stop()
        self.start()

    def stop(self):
        self.process.kill()
        self.process.wait()

    def client(self):
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        if self.certificate:
            client.starttls(ssl_context=ssl.create_default_context(cafile=self.certificate[0]))
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *raws):
        client = self.client()
        try:
            for raw in raws:
                status, _ = client.append("INBOX", None, None, raw)
                assert status == "OK"
        finally:
            client.logout()

    def seen(self):
        client = self.client()
        try:
            client.select("INBOX")
            status, data = client.uid("search", None, "SEEN")
            return len(data[0].split())
        finally:
            client.logout()

    def settings(self, **kwargs):
        """The support service's settings to read this mailbox."""
        from services.support.mail.inbound import ImapSettings  # a service's, not a kit test's, import

        kwargs.setdefault("security", "starttls" if self.certificate else "none")
        if self.certificate:
            kwargs.setdefault("cafile", self.certificate[0])
        return ImapSettings(host="127.0.0.1", port=self.port, username=USER, password=PASSWORD, timeout=5, **kwargs)


def imap_fixture():
    """A module-scoped fixture: a plain IMAP server with a fresh mailbox (``imap = imap_fixture()``)."""

    @pytest.fixture(scope="module")
    def imap():
        server = ImapServer()
        yield server
        server.stop()

    return imap


def customer_mail(subject="The pump is broken", text="It stopped this morning.",
                  sender="Ada Lovelace <ada@example.com>",
                  headers=None, html=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Customer support <support@crm.local>"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message["Date"] = "Wed, 02 Dec 2026 09:00:00 +0000"
    for name, value in (headers or {}).items():
        message[name] = value
    if text is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
    return message
