"""The local mail catcher (scripts/mailcatcher.py) as `make up` runs it: a
real SMTP server that keeps each message as a .eml, a read-only web page
(HTML escaped, never rendered), `make mail`'s table, and the support
address's mail put into the IMAP mailbox the support service polls."""

import imaplib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shared.kit.mail import SmtpSettings, build_message, send
from tests.helpers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mailcatcher.py"


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def catcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mail")
    smtp, web, imap = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "serve", "--dir", str(folder), "--smtp", f"127.0.0.1:{smtp}",
         "--web", f"127.0.0.1:{web}", "--imap", f"127.0.0.1:{imap}", "--mailbox-address", "support@crm.local",
         "--mailbox-user", "support", "--mailbox-password", "pw"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: listening(web) and listening(smtp), 20, message="the mail catcher did not start")
        yield {"dir": folder, "smtp": smtp, "web": f"http://127.0.0.1:{web}", "imap": imap, "process": process}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def mail_to(catcher, to="ada@example.com", subject="Your case", html=None):
    message = build_message(from_address="support@crm.local", from_name="Customer support", to=to,
                            subject=subject, text="Hello <Ada>,\nwe fixed it.", html=html)
    send(SmtpSettings(host="127.0.0.1", port=catcher["smtp"], timeout=5), message)
    return message


def test_what_it_receives_is_kept_as_eml(catcher):
    message = mail_to(catcher, subject="Kept as a file")
    files = wait_for(lambda: [path for path in catcher["dir"].glob("*.eml")
                              if message["Message-ID"].encode() in path.read_bytes()], 5)
    raw = files[0].read_bytes()
    assert raw.startswith(b"X-MailFrom: support@crm.local\r\nX-RcptTo: ada@example.com\r\n")
    assert b"Subject: Kept as a file" in raw


def test_the_web_page_lists_and_shows_messages_escaped(catcher):
    mail_to(catcher, subject="<script>alert(1)</script> Pump", html="<p onclick='x()'>Hello <b>Ada</b></p>")
    listing = requests.get(catcher["web"] + "/", timeout=5)
    assert listing.status_code == 200 and "text/html" in listing.headers["Content-Type"]
    assert "<script>alert(1)</script>" not in listing.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pump" in listing.text
    items = requests.get(catcher["web"] + "/api/messages", timeout=5).json()
    newest = items[0]
    assert newest["subject"] == "<script>alert(1)</script> Pump" and newest["to"] == "ada@example.com"
    shown = requests.get(f"{catcher['web']}/messages/{newest['name']}", timeout=5)
    assert shown.status_code == 200
    assert "&lt;p onclick=&#x27;x()&#x27;&gt;Hello &lt;b&gt;Ada&lt;/b&gt;&lt;/p&gt;" in shown.text
    assert "Hello &lt;Ada&gt;," in shown.text and "<dt>Message-ID</dt>" in shown.text
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]
    raw = requests.get(f"{catcher['web']}/raw/{newest['name']}", timeout=5)
    assert raw.headers["Content-Type"] == "message/rfc822" and b"X-RcptTo" in raw.content


def test_no_path_leaves_the_folder(catcher):
    for path in ("/messages/..%2F..%2Fetc%2Fpasswd", "/raw/../../etc/passwd", "/messages/nothing.eml", "/nowhere"):
        assert requests.get(catcher["web"] + path, timeout=5).status_code == 404


def test_make_mail_prints_the_latest_as_a_table(catcher):
    mail_to(catcher, subject="In the table")
    result = subprocess.run([sys.executable, str(SCRIPT), "list", "--dir", str(catcher["dir"]), "--limit", "5"],
                            capture_output=True, text=True, timeout=30, env={"COLUMNS": "200", "PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr
    assert "In the table" in result.stdout and "ada@example.com" in result.stdout


def test_mail_to_the_support_address_reaches_its_mailbox(catcher):
    message = mail_to(catcher, to="Support <support@crm.local>", subject="Please help")
    mail_to(catcher, to="someone@example.com", subject="Not for support")

    def in_mailbox():
        client = imaplib.IMAP4("127.0.0.1", catcher["imap"], timeout=5)
        try:
            client.login("support", "pw")
            client.select("INBOX")
            _, data = client.uid("fetch", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])")
            return b" ".join(part[1] for part in data if isinstance(part, tuple))
        finally:
            client.logout()

    headers = wait_for(lambda: (lambda found: found if message["Message-ID"].encode() in found else None)(
        in_mailbox()), 10)
    assert b"Not for support" not in headers


def test_it_stops_on_sigterm(tmp_path):
    smtp, web = free_port(), free_port()
    process = subprocess.Popen([sys.executable, str(SCRIPT), "serve", "--dir", str(tmp_path), "--smtp",
                                f"127.0.0.1:{smtp}", "--web", f"127.0.0.1:{web}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: listening(web), 20)
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    time.sleep(0.1)
    assert not listening(smtp)


def test_make_up_runs_it_and_points_the_services_at_it(tmp_path):
    """scripts/lib.sh's supervisord config: the catcher is a program; the services send to it and support
    polls its mailbox, unless SMTP_HOST / IMAP_HOST say otherwise."""
    from supervisor.options import ServerOptions

    def programs(**env):
        subprocess.run(["bash", "-c", "set -euo pipefail; . scripts/lib.sh; write_supervisor_conf"], cwd=ROOT,
                       env={"PATH": "/usr/bin:/bin", "CRM_STATE_DIR": str(tmp_path), **env}, check=True,
                       capture_output=True, timeout=60)
        options = ServerOptions()
        options.realize(["-c", str(tmp_path / "supervisord.conf")])
        return {group.name: group.process_configs[0] for group in options.process_group_configs}

    found = programs(MAILCATCHER_SMTP="127.0.0.1:11025", MAILCATCHER_IMAP="127.0.0.1:11143")
    catcher = found["mailcatcher"]
    assert "scripts/mailcatcher.py serve" in catcher.command and "--smtp 127.0.0.1:11025" in catcher.command
    assert f"--dir {tmp_path / 'mail'}" in catcher.command
    support = found["support"].environment
    assert (support["SMTP_HOST"], support["SMTP_PORT"]) == ("127.0.0.1", "11025")
    assert (support["IMAP_HOST"], support["IMAP_PORT"], support["IMAP_SECURITY"]) == ("127.0.0.1", "11143", "none")
    assert "IMAP_HOST" not in found["sales"].environment and found["sales"].environment["SMTP_PORT"] == "11025"
    bare = programs(MAILCATCHER_SMTP="11025", MAILCATCHER_WEB="18025", MAILCATCHER_IMAP="11143")
    assert bare["mailcatcher"].command == catcher.command.replace("127.0.0.1:8025", "127.0.0.1:18025")
    own = programs(SMTP_HOST="smtp.example.com", IMAP_HOST="imap.example.com")["support"].environment
    assert "SMTP_HOST" not in own and "IMAP_HOST" not in own  # the service's own settings (its environment) apply
