"""Sending email over SMTP: the settings, the message, one ``send``.

Small on purpose: support's replies and notifications and campaigns' mailings
build an ``EmailMessage`` with ``build_message`` and hand it to ``send`` (a
connection per message) or to ``SmtpConnection.send`` (one session for many).
What can fail is split in two, so a caller retries only what may succeed
later:

- ``TemporaryMailError``: the server cannot be reached, the connection
  broke, a 4xx answer, an authentication or TLS set-up failure (a fault of
  the configuration, not of the message: once fixed, the retry goes out);
- ``PermanentMailError``: a 5xx answer to the sender, the data, or every
  recipient (``recipients`` maps each refused address to ``(code, text)``).

When some recipients were accepted and others refused, ``send`` returns the
refused ones (nothing raised: the message went out).  smtplib's sockets are
cooperative under eventlet's monkey patching, so a service's worker can send
without blocking the others.
"""

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

__all__ = [
    "MailError", "PermanentMailError", "SmtpConnection", "SmtpSettings", "TemporaryMailError", "build_message",
    "domain_of", "new_message_id", "send",
]

SECURITY = ("none", "starttls", "tls")


class MailError(Exception):
    """A message could not be sent; ``code`` is the SMTP reply code, if any."""

    temporary = False

    def __init__(self, message, code=None, recipients=None):
        super().__init__(message)
        self.code = code
        self.recipients = recipients or {}


class TemporaryMailError(MailError):
    """Worth retrying later: the same message may go out then."""

    temporary = True


class PermanentMailError(MailError):
    """Retrying will not help: the server refused the message or its recipients."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | tls (implicit TLS, usually port 465)
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    cafile: str | None = None  # a CA bundle to trust besides the system's (a private relay, tests)
    local_hostname: str | None = None  # the name given in EHLO (default: this host's FQDN)

    def __post_init__(self):
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}, not {self.security!r}.")
        if not self.host:
            raise ValueError("An SMTP host is needed.")

    @classmethod
    def from_config(cls, config, prefix="SMTP_"):
        """From a service config's ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_SECURITY``,
        ``SMTP_USERNAME``, ``SMTP_PASSWORD``, ``SMTP_TIMEOUT_SECONDS`` (``SMTP_CAFILE``)."""
        security = str(config.get(f"{prefix}SECURITY") or "none").strip().lower()
        default_port = {"none": 25, "starttls": 587, "tls": 465}.get(security, 25)
        return cls(
            host=str(config.get(f"{prefix}HOST") or ""),
            port=int(config.get(f"{prefix}PORT") or default_port),
            security=security,
            username=config.get(f"{prefix}USERNAME") or None,
            password=config.get(f"{prefix}PASSWORD") or None,
            timeout=float(config.get(f"{prefix}TIMEOUT_SECONDS") or 30),
            cafile=config.get(f"{prefix}CAFILE") or None,
        )

    def tls_context(self):
        context = ssl.create_default_context()
        if self.cafile:
            context.load_verify_locations(cafile=self.cafile)
        return context


# Building messages ----------------------------------------------------------------

def domain_of(address):
    """The domain of an address (``support@crm.local`` -> ``crm.local``)."""
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2].strip().lower() or "localhost"


def new_message_id(from_address):
    """A new Message-ID (with its angle brackets) in the sender's domain."""
    return make_msgid(domain=domain_of(from_address))


def _address(address, name=None):
    """An Address header value; a display name is quoted as needed."""
    _, addr = parseaddr(address)
    if not addr or "@" not in addr:
        raise ValueError(f"Not an email address: {address!r}.")
    if name:
        return formataddr((name, addr))
    return addr


def _message_ids(value):
    if not value:
        return []
    if isinstance(value, str):
        value = value.split()
    ids = []
    for item in value:
        item = item.strip()
        if item:
            ids.append(item if item.startswith("<") else f"<{item}>")
    return ids


def build_message(*, from_address, to, subject, text, from_name=None, html=None, message_id=None,
                  in_reply_to=None, references=None, auto_submitted=None, reply_to=None, headers=None,
                  date=None, cc=None):
    """An ``EmailMessage`` ready for ``send``.

    ``to`` (and ``cc``): an address or a list of them (each may carry a name:
    ``"Ada <ada@example.com>"``).  ``message_id`` defaults to a new one in the
    sender's domain; ``in_reply_to`` and ``references`` are message ids (with
    or without brackets; ``references`` a list or a space-separated string)
    and make the mail part of a thread.  ``auto_submitted`` (``auto-replied``,
    ``auto-generated``) marks a machine's mail, so that other machines do not
    answer it (RFC 3834).  ``headers``: extra headers, name -> value.
    ``date``: an aware datetime (default now).  With ``html`` the message is
    multipart/alternative with the text first."""
    message = EmailMessage()
    message["From"] = _address(from_address, from_name)
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("A message needs at least one recipient.")
    message["To"] = ", ".join(_address(*_split(item)) for item in recipients)
    if cc:
        message["Cc"] = ", ".join(_address(*_split(item)) for item in ([cc] if isinstance(cc, str) else cc))
    if reply_to:
        message["Reply-To"] = _address(*_split(reply_to))
    message["Subject"] = " ".join(str(subject or "").split())  # no folding tricks, no header injection
    message["Date"] = format_datetime(date) if date is not None else format_datetime_now()
    message["Message-ID"] = message_id or new_message_id(from_address)
    parents = _message_ids(in_reply_to)
    if parents:
        message["In-Reply-To"] = parents[-1]
    thread = _message_ids(references)
    for parent in parents:
        if parent not in thread:
            thread.append(parent)
    if thread:
        message["References"] = " ".join(thread)
    if auto_submitted:
        message["Auto-Submitted"] = auto_submitted
    for name, value in (headers or {}).items():
        if value is None:
            continue
        if name in message:
            del message[name]
        message[name] = " ".join(str(value).split())
    message.set_content(text or "", cte="quoted-printable")
    if html:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _split(item):
    name, addr = parseaddr(item)
    return addr or item, name or None


def format_datetime_now():
    from datetime import UTC, datetime

    return format_datetime(datetime.now(UTC))


def envelope_recipients(message):
    """Every address of To, Cc and Bcc."""
    fields = [value for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return [addr for _, addr in getaddresses([str(field) for field in fields]) if addr]


def envelope_sender(message):
    sender = message.get("Sender") or message.get("From")
    if sender is None:
        return ""
    if hasattr(sender, "addresses") and sender.addresses:
        first = sender.addresses[0]
        return first.addr_spec if isinstance(first, Address) else str(first)
    return parseaddr(str(sender))[1]


# Sending ---------------------------------------------------------------------------

def _connect(settings):
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(settings.host, settings.port, local_hostname=settings.local_hostname,
                                  timeout=settings.timeout, context=settings.tls_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, local_hostname=settings.local_hostname,
                              timeout=settings.timeout)
    try:
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            if not client.has_extn("starttls"):
                raise TemporaryMailError(f"{settings.host}:{settings.port} does not offer STARTTLS, which the "
                                         "settings ask for (SMTP_SECURITY); nothing was sent.")
            client.starttls(context=settings.tls_context())
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password or "")
    except BaseException:
        _close(client)
        raise
    return client


def _close(client):
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _text(reply):
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


@contextlib.contextmanager
def _translated(where):
    """smtplib's and the socket's errors as TemporaryMailError / PermanentMailError."""
    try:
        yield
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        answers = {addr: (code, _text(text)) for addr, (code, text) in exc.recipients.items()}
        summary = "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in answers.items())
        code = min((code for code, _ in answers.values()), default=None)
        if any(code < 500 for code, _ in answers.values()):
            raise TemporaryMailError(f"{where} refused every recipient for now: {summary}", code=code,
                                     recipients=answers) from None
        raise PermanentMailError(f"{where} refused every recipient: {summary}", code=code,
                                 recipients=answers) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryMailError(f"{where} did not accept the login (SMTP_USERNAME / SMTP_PASSWORD): "
                                 f"{exc.smtp_code} {_text(exc.smtp_error)}", code=exc.smtp_code) from None
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, other answers
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentMailError(f"{where} refused the message: {text}", code=exc.smtp_code) from None
        raise TemporaryMailError(f"{where} answered {text}", code=exc.smtp_code) from None
    except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise TemporaryMailError(f"Could not send through {where}: {type(exc).__name__}: {exc}") from None


class SmtpConnection:
    """One SMTP session for several messages (a mailing, a queue's batch)::

        with SmtpConnection(settings) as smtp:
            for message in messages:
                smtp.send(message)

    It connects at the first ``send``; a message refused (5xx, 4xx) leaves
    the session usable for the next; a session the server closed while idle
    is opened again once, transparently; any other connection failure is a
    TemporaryMailError and the next ``send`` connects afresh."""

    def __init__(self, settings):
        self.settings = settings
        self.where = f"{settings.host}:{settings.port}"
        self.client = None
        self.sent = 0  # messages sent in the current session

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def open(self):
        if self.client is None:
            with _translated(self.where):
                self.client = _connect(self.settings)
            self.sent = 0
        return self.client

    def close(self):
        if self.client is not None:
            client, self.client = self.client, None
            _close(client)

    def send(self, message, sender=None, recipients=None):
        """Like ``send``, on this session."""
        sender = sender if sender is not None else envelope_sender(message)
        recipients = list(recipients) if recipients is not None else envelope_recipients(message)
        if not recipients:
            raise PermanentMailError("The message has no recipient.")
        for attempt in (1, 2):
            reused = self.client is not None and self.sent > 0
            client = self.open()
            try:
                with _translated(self.where):
                    try:
                        refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
                    except (smtplib.SMTPServerDisconnected, ConnectionError, smtplib.SMTPResponseException) as exc:
                        if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421:
                            raise  # an answer about this message; 421: the server is closing the session
                        self._drop()
                        if reused and attempt == 1:
                            continue  # the server closed the idle session: once more on a new one
                        raise
            except TemporaryMailError as exc:
                if exc.code is None:  # the connection itself failed: the next send starts afresh
                    self._drop()
                raise
            self.sent += 1
            return {addr: (code, _text(text)) for addr, (code, text) in (refused or {}).items()}
        raise AssertionError("unreachable")

    def _drop(self):
        if self.client is not None:
            client, self.client = self.client, None
            client.close()


def send(settings, message, sender=None, recipients=None):
    """Send ``message`` (an EmailMessage) on a connection of its own; the
    envelope defaults to its From and its To/Cc/Bcc (Bcc is not
    transmitted).  Returns ``{address: (code, text)}`` of recipients the
    server refused while accepting others (usually empty).  Raises
    TemporaryMailError or PermanentMailError."""
    with SmtpConnection(settings) as connection:
        return connection.send(message, sender, recipients)
