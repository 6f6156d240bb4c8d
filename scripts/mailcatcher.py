"""The local mail catcher of `make up`: every email the suite sends, kept and readable.

    mailcatcher.py serve [--dir .crm/mail] [--smtp 127.0.0.1:1025] [--web 127.0.0.1:8025]
                         [--imap 127.0.0.1:1143 --mailbox-address support@crm.local
                          --mailbox-user support --mailbox-password support]
    mailcatcher.py list  [--dir .crm/mail] [--limit 20]

``serve`` is a real SMTP server (aiosmtpd) that accepts every message for
every address and keeps each as a ``.eml`` file under ``--dir`` (the envelope
in ``X-MailFrom`` / ``X-RcptTo`` headers at the top), and a small read-only
web page listing them (newest first) and showing one: its headers, its text,
its HTML (escaped, never rendered), and the raw ``.eml``.

With ``--imap`` it also runs an IMAP server (pymap, in memory) with one
mailbox; mail the catcher receives for ``--mailbox-address`` (the support
address) is put into it too, so the support service, polling that mailbox,
opens a case when a person writes to support@crm.local from any mail program
pointed at 127.0.0.1:1025.  (The mailbox starts empty at each start: the
service reads it again from the start and skips what it received before.)

``list`` prints the latest messages as a table (what `make mail` shows).

Local use only: it listens on 127.0.0.1 and keeps everything it is sent.
"""

import argparse
import asyncio
import contextlib
import email
import html
import imaplib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9]{6}-[0-9a-f]{6}\.eml$")
PAGE_LIMIT = 200


def host_port(text, default_host="127.0.0.1"):
    host, _, port = text.rpartition(":")
    return host or default_host, int(port)


# ---------------------------------------------------------------- the store
class MailStore:
    """The .eml files of a folder, named by arrival (sortable) and unique."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    def add(self, mail_from, rcpt_tos, content):
        with self.lock:
            stamp = datetime.now(UTC)
            name = f"{stamp:%Y%m%dT%H%M%S}-{stamp:%f}-{os.urandom(3).hex()}.eml"
        envelope = f"X-MailFrom: {mail_from or '<>'}\r\nX-RcptTo: {', '.join(rcpt_tos)}\r\n".encode()
        path = self.folder / name
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(envelope + content)
        temporary.replace(path)
        return name

    def names(self, limit=PAGE_LIMIT):
        return sorted((path.name for path in self.folder.glob("*.eml") if NAME.match(path.name)),
                      reverse=True)[:limit]

    def read(self, name):
        if not NAME.match(name or ""):
            return None
        path = self.folder / name
        if not path.is_file():
            return None
        return path.read_bytes()

    def summary(self, name):
        raw = self.read(name)
        if raw is None:
            return None
        message = email.message_from_bytes(raw, policy=policy.default)
        return {"name": name, "received": received_at(name), "from": text_header(message, "From"),
                "to": text_header(message, "X-RcptTo") or text_header(message, "To"),
                "subject": text_header(message, "Subject"), "date": text_header(message, "Date"),
                "message_id": text_header(message, "Message-ID"), "size": len(raw)}


def received_at(name):
    try:
        return datetime.strptime(name[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return ""


def text_header(message, name):
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def parts_of(raw):
    """(headers [(name, value)], text or None, html or None) of a message."""
    message = email.message_from_bytes(raw, policy=policy.default)
    headers = []
    for name, value in message.raw_items():  # every header, repeated ones too
        with contextlib.suppress(ValueError, TypeError, IndexError):
            value = message.policy.header_fetch_parse(name, value)  # encoded words decoded
        headers.append((name, " ".join(str(value).split())))
    texts = {}
    for subtype in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(subtype,))
        except (KeyError, LookupError):
            part = None
        if part is not None:
            try:
                texts[subtype] = part.get_content()
            except (LookupError, ValueError, AssertionError):
                texts[subtype] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return headers, texts.get("plain"), texts.get("html")


# ---------------------------------------------------------------- SMTP in, IMAP out
class Handler:
    """aiosmtpd's handler: keep each message; hand the support address's to the mailbox."""

    def __init__(self, store, mailbox=None):
        self.store = store
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        name = self.store.add(envelope.mail_from, envelope.rcpt_tos, content)
        print(f"received {name} from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", flush=True)
        if self.mailbox is not None and self.mailbox.wants(envelope.rcpt_tos):
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.mailbox.append, content)
            except (OSError, imaplib.IMAP4.error) as exc:
                print(f"could not put {name} into the mailbox: {exc}", flush=True)
        return "250 OK: kept by the mail catcher"


class Mailbox:
    """The in-memory IMAP server (pymap, a child process) and the address whose mail goes into it."""

    def __init__(self, listen, address, user, password):
        self.host, self.port = listen
        self.address, self.user, self.password = address.lower(), user, password
        self.process = None

    def start(self):
        code = "import sys; from pymap.main import main; sys.argv[0] = 'pymap'; sys.exit(main())"
        self.process = subprocess.Popen([sys.executable, "-c", code, "--host", self.host, "--port", str(self.port),
                                         "--no-tls", "dict", "--demo-user", self.user, "--demo-password",
                                         self.password])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the IMAP server (pymap) exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            time.sleep(0.1)
        raise RuntimeError(f"the IMAP server did not listen on {self.host}:{self.port} within 20 s")

    def wants(self, recipients):
        return any(recipient.lower() == self.address for recipient in recipients)

    def append(self, content):
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            client.append("INBOX", None, None, content)
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# ---------------------------------------------------------------- the web page
STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2433}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6ec}
th{background:#f5f6f8}a{color:#2456c8;text-decoration:none}a:hover{text-decoration:underline}
pre{background:#f5f6f8;padding:1rem;white-space:pre-wrap;word-break:break-word}
.muted{color:#6b7385}dt{font-weight:600}dd{margin:0 0 .3rem 0}"""


def page(title, body, refresh=False):
    again = "<meta http-equiv=refresh content=10>" if refresh else ""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>{again}<title>{html.escape(title)}</title>"
            f"<meta name=viewport content='width=device-width, initial-scale=1'><style>{STYLE}</style></head>"
            f"<body>{body}</body></html>").encode()


def list_page(store):
    rows = []
    for name in store.names():
        item = store.summary(name)
        if item is None:
            continue
        rows.append(f"<tr><td class=muted>{html.escape(item['received'][:19].replace('T', ' '))}</td>"
                    f"<td>{html.escape(item['from'])}</td><td>{html.escape(item['to'])}</td>"
                    f"<td><a href='/messages/{name}'>{html.escape(item['subject'] or '(no subject)')}</a></td></tr>")
    table = ("<table><thead><tr><th>received (UTC)</th><th>from</th><th>to</th><th>subject</th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>") if rows else "<p class=muted>No mail yet.</p>"
    return page("Mail catcher", f"<h1>Mail catcher</h1><p class=muted>Every email the suite sent "
                                f"(newest first, at most {PAGE_LIMIT}; the page reloads every 10 s).</p>{table}",
                refresh=True)


def message_page(store, name):
    raw = store.read(name)
    if raw is None:
        return None
    headers, text, markup = parts_of(raw)
    subject = next((value for key, value in headers if key.lower() == "subject"), "(no subject)")
    rows = "".join(f"<dt>{html.escape(key)}</dt><dd>{html.escape(value)}</dd>" for key, value in headers)
    body = [f"<p><a href='/'>&larr; all mail</a> &middot; <a href='/raw/{name}'>raw .eml</a></p>",
            f"<h1>{html.escape(subject)}</h1><h2>Headers</h2><dl>{rows}</dl>"]
    if text is not None:
        body.append(f"<h2>Text</h2><pre>{html.escape(text)}</pre>")
    if markup is not None:
        body.append(f"<h2>HTML (its source, not rendered)</h2><pre>{html.escape(markup)}</pre>")
    return page(subject, "".join(body))


def make_handler(store):
    class WebHandler(BaseHTTPRequestHandler):
        server_version = "mailcatcher"

        def do_GET(self):
            path = unquote(self.path.split("?", 1)[0])
            if path in ("/", "/messages", "/messages/"):
                return self.answer(200, list_page(store))
            if path == "/api/messages":
                items = [item for item in (store.summary(name) for name in store.names()) if item]
                return self.answer(200, json.dumps(items).encode(), "application/json")
            if path.startswith("/raw/"):
                raw = store.read(path[len("/raw/"):])
                return self.answer(200, raw, "message/rfc822") if raw is not None else self.missing()
            if path.startswith("/messages/"):
                body = message_page(store, path[len("/messages/"):])
                return self.answer(200, body) if body is not None else self.missing()
            if path == "/healthz":
                return self.answer(200, b"ok", "text/plain")
            return self.missing()

        def missing(self):
            self.answer(404, page("Not found", "<p>No such message. <a href='/'>All mail</a></p>"))

        def answer(self, status, body, content_type="text/html; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # quiet: the SMTP side logs what matters
            pass

    return WebHandler


# ---------------------------------------------------------------- commands
def serve(args):
    from aiosmtpd.controller import Controller

    store = MailStore(args.dir)
    mailbox = None
    if args.imap:
        mailbox = Mailbox(host_port(args.imap), args.mailbox_address, args.mailbox_user, args.mailbox_password)
        mailbox.start()
    smtp_host, smtp_port = host_port(args.smtp)
    controller = Controller(Handler(store, mailbox), hostname=smtp_host, port=smtp_port,
                            data_size_limit=50 * 1024 * 1024, decode_data=False)
    controller.start()
    web_host, web_port = host_port(args.web)
    web = ThreadingHTTPServer((web_host, web_port), make_handler(store))
    web.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=web.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"mail catcher: SMTP on {smtp_host}:{smtp_port}, web page http://{web_host}:{web_port}/, "
          f"mail kept in {args.dir}" + (f", IMAP mailbox of {args.mailbox_address} on {args.imap}" if mailbox else ""),
          flush=True)
    try:
        web.serve_forever()
    finally:
        controller.stop()
        web.server_close()
        if mailbox is not None:
            mailbox.stop()
    return 0


def list_mail(args):
    from rich.console import Console
    from rich.table import Table

    store = MailStore(args.dir)
    names = store.names(args.limit)
    console = Console()
    if not names:
        console.print(f"No mail yet in {args.dir}.")
        return 0
    table = Table(title=f"The latest {len(names)} email(s) the suite sent (newest first)", title_justify="left")
    for column in ("received (UTC)", "from", "to", "subject", "file"):
        table.add_column(column, overflow="fold")
    for name in names:
        item = store.summary(name)
        if item is None:
            continue
        table.add_row(item["received"][:19].replace("T", " "), item["from"], item["to"], item["subject"], name)
    console.print(table)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the SMTP server and the web page")
    run.add_argument("--dir", default=str(ROOT / ".crm" / "mail"), help="where the .eml files go")
    run.add_argument("--smtp", default="127.0.0.1:1025", help="HOST:PORT of the SMTP server")
    run.add_argument("--web", default="127.0.0.1:8025", help="HOST:PORT of the web page")
    run.add_argument("--imap", default=None, help="HOST:PORT of an IMAP mailbox for --mailbox-address (optional)")
    run.add_argument("--mailbox-address", default="support@crm.local")
    run.add_argument("--mailbox-user", default="support")
    run.add_argument("--mailbox-password", default="support")
    show = commands.add_parser("list", help="print the latest messages as a table")
    show.add_argument("--dir", default=str(ROOT / ".crm" / "mail"))
    show.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)
    return {"serve": serve, "list": list_mail}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
