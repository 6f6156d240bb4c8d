"""The loop that reads the support mailbox over IMAP.

Each poll logs in, selects the mailbox and reads the UIDs above the last one
read (kept in ``mailbox_state`` with the mailbox's UIDVALIDITY: when that
changes, the UIDs mean other messages and reading starts again from the
first; the Message-IDs already received keep them from counting twice).
Each message is filed by ``commands.receive`` in a transaction of its own,
which also moves the position past it; then it is flagged \\Seen.  A message
that cannot be filed (not a database outage: that ends the poll, to retry)
is recorded as failed and skipped, so one bad mail never blocks the box.

No IMAP_HOST, no polling."""

import contextlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

import psycopg
from prometheus_client import Counter

from services.support.mail import commands, parsing, store
from services.support.mail import settings as mail_settings
from shared.kit.background import PooledLoop

log = logging.getLogger(__name__)

# Mail read from the mailbox, by what became of it (opened, threaded, auto_reply, bounce, duplicate, failed).
RECEIVED = Counter("crm_mail_received", "Mail read from the polled mailbox, by outcome", ("service", "outcome"))
POLL_FAILURES = Counter("crm_mail_poll_failures", "Polls of the mailbox that failed", ("service",))

UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
FETCH_UID = re.compile(rb"UID (\d+)")


class MailboxError(OSError):
    """The mailbox could not be read (login refused, no such folder, a protocol error)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    security: str = "tls"  # none | starttls | tls
    username: str = ""
    password: str = ""
    mailbox: str = "INBOX"
    timeout: float = 30.0
    cafile: str | None = None

    @classmethod
    def from_config(cls, config):
        security = str(config.get("IMAP_SECURITY") or "tls").strip().lower()
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"IMAP_SECURITY must be none, starttls or tls, not {security!r}.")
        return cls(host=str(config.get("IMAP_HOST") or ""),
                   port=int(config.get("IMAP_PORT") or (993 if security == "tls" else 143)),
                   security=security, username=str(config.get("IMAP_USERNAME") or ""),
                   password=str(config.get("IMAP_PASSWORD") or ""),
                   mailbox=str(config.get("IMAP_MAILBOX") or "INBOX"),
                   timeout=float(config.get("IMAP_TIMEOUT_SECONDS") or 30),
                   cafile=config.get("IMAP_CAFILE") or None)

    @property
    def key(self):
        return f"{self.username}@{self.host}:{self.port}/{self.mailbox}"

    def tls_context(self):
        context = ssl.create_default_context()
        if self.cafile:
            context.load_verify_locations(cafile=self.cafile)
        return context


def _check(answer, what):
    status, data = answer
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes)).decode("utf-8", "replace")
        raise MailboxError(f"IMAP {what} failed: {status} {detail}")
    return data


class Mailbox:
    """One IMAP session on the configured folder."""

    def __init__(self, settings):
        self.settings = settings
        try:
            if settings.security == "tls":
                self.client = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=settings.tls_context(),
                                                timeout=settings.timeout)
            else:
                self.client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
                if settings.security == "starttls":
                    self.client.starttls(ssl_context=settings.tls_context())
            _check(self.client.login(settings.username, settings.password), "login")
            data = _check(self.client.select(_quote(settings.mailbox)), f"select of {settings.mailbox}")
            del data
            found = self.client.untagged_responses.get("UIDVALIDITY") or [None]
            self.uidvalidity = int(found[-1]) if found[-1] is not None else None
            if self.uidvalidity is None:
                status = _check(self.client.status(_quote(settings.mailbox), "(UIDVALIDITY)"), "status")
                match = UIDVALIDITY.search(b" ".join(item for item in status if isinstance(item, bytes)))
                self.uidvalidity = int(match.group(1)) if match else 0
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailboxError(f"IMAP {settings.host}:{settings.port}: {exc}") from None
        except BaseException:
            self.close()
            raise

    def uids_after(self, last_uid):
        data = _check(self.client.uid("search", None, f"UID {last_uid + 1}:*"), "search")
        uids = sorted({int(uid) for uid in b" ".join(item for item in data if item).split()})
        return [uid for uid in uids if uid > last_uid]  # "n:*" names the last message even when its UID < n

    def fetch(self, uid):
        data = _check(self.client.uid("fetch", str(uid), "(BODY.PEEK[])"), f"fetch of {uid}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def mark_seen(self, uid):
        _check(self.client.uid("store", str(uid), "+FLAGS", "(\\Seen)"), f"store of {uid}")

    def close(self):
        client = getattr(self, "client", None)
        if client is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poll_once(pool, settings, own_addresses=None, running=lambda: True):
    """Read the new messages of the mailbox into cases; returns the count of
    each outcome.  Raises MailboxError / OSError when the mailbox cannot be read."""
    counts = {}
    mailbox = Mailbox(settings)
    try:
        with pool.connection() as conn, conn.transaction():
            state = store.mailbox_state(conn, settings.key, lock=True)
            last_uid = state["last_uid"]
            if state["uidvalidity"] != mailbox.uidvalidity:
                if state["uidvalidity"] is not None:
                    log.warning("mailbox %s: UIDVALIDITY changed from %s to %s; reading it again from the start",
                                settings.key, state["uidvalidity"], mailbox.uidvalidity)
                last_uid = 0
                store.save_position(conn, settings.key, mailbox.uidvalidity, 0)
        for uid in mailbox.uids_after(last_uid):
            if not running():
                break
            raw = mailbox.fetch(uid)
            outcome = _file(pool, settings, mailbox.uidvalidity, uid, raw, own_addresses)
            counts[outcome] = counts.get(outcome, 0) + 1
            mailbox.mark_seen(uid)
    finally:
        mailbox.close()
    return counts


def _file(pool, settings, uidvalidity, uid, raw, own_addresses):
    """File one message and move the position past it, in one transaction."""
    try:
        with pool.connection() as conn, conn.transaction():
            outcome = commands.receive(conn, raw or b"", own_addresses=own_addresses)["outcome"] if raw else "empty"
            store.save_position(conn, settings.key, uidvalidity, uid)
        return outcome
    except psycopg.OperationalError:
        raise  # the database is out of reach: the next poll reads this message again
    except Exception as exc:
        log.exception("mailbox %s: message UID %s could not be filed; skipping it", settings.key, uid)
        reason = f"{type(exc).__name__}: {exc}".replace("\x00", "")[:1000]
        try:
            message = parsing.parse(raw or b"")
            with pool.connection() as conn, conn.transaction():
                store.record_failed_incoming(conn, parsing.message_id_of(message, raw or b""),
                                             parsing.sender_of(message)[0], parsing.header(message, "Subject")[:500],
                                             reason)
                store.save_position(conn, settings.key, uidvalidity, uid)
        except psycopg.OperationalError:
            raise
        except Exception:  # not even its record can be written: still move past it, or it blocks the box
            log.exception("mailbox %s: message UID %s could not be recorded as failed either", settings.key, uid)
            with pool.connection() as conn, conn.transaction():
                store.save_position(conn, settings.key, uidvalidity, uid)
        return "failed"


def describe(counts):
    if not counts:
        return "no new mail"
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))


class MailPoller(PooledLoop):
    identifier = "support-mail-poller"

    def setup(self):
        super().setup()
        config = self.container.config
        self.mail_settings = mail_settings.configure(config)
        self.interval = float(config.get("MAIL_POLL_SECONDS") or 30)
        try:
            self.imap = ImapSettings.from_config(config) if config.get("IMAP_HOST") else None
        except ValueError as exc:
            log.error("not polling the mailbox: %s", exc)
            self.imap = None

    @property
    def enabled(self):
        return self.imap is not None

    def serve(self):
        self.open_pool()
        while self.running:
            self.poll()
            self.sleep(self.interval)

    def poll(self):
        """One poll, its result kept in mailbox_state; returns the counts (None when it failed)."""
        try:
            counts = poll_once(self.pool, self.imap, self.mail_settings.own_addresses, lambda: self.running)
        except (MailboxError, OSError, imaplib.IMAP4.error) as exc:
            log.warning("mailbox %s: %s", self.imap.key, exc)
            POLL_FAILURES.labels(self.container.service_name).inc()
            with self.pool.connection() as conn:
                store.save_poll(conn, self.imap.key, False, str(exc)[:1000])
            return None
        with self.pool.connection() as conn:
            store.save_poll(conn, self.imap.key, True, describe(counts))
        for outcome, count in counts.items():
            RECEIVED.labels(self.container.service_name, outcome).inc(count)
        if counts:
            log.info("mailbox %s: %s", self.imap.key, describe(counts))
        return counts
