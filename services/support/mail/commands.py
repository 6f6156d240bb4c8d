"""Email in and out: the operations.

Out: ``queue_mail`` / ``queue_case_reply`` / ``queue_notification`` write a
row of ``outgoing_mail`` in the caller's transaction (so a mail exists exactly
when what caused it committed); ``deliver`` sends one due row (the MailSender
loop calls it), retries temporary failures after a growing pause, and marks
permanent ones failed with an internal note on the case.

In: ``receive(conn, raw_bytes)`` files one received email: once per
Message-ID; a bounce of our mail marks it bounced; mail sent by a machine
(auto-replies, mailer-daemons, lists, our own address) is recorded and
nothing else; otherwise it is threaded into its case (the case number in the
subject, else In-Reply-To / References) or opens a new one.
"""

import logging
import re
import uuid
from email.utils import parseaddr

import psycopg

from services.support.mail import parsing, store
from services.support.mail import settings as mail_settings
from services.support.teams import commands as teams
from shared.kit.mail import PermanentMailError, TemporaryMailError, build_message, new_message_id
from shared.kit.rows import snapshot
from shared.schemas.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

ACTOR = "system:mail"
KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$|^[^@\s<>]+@localhost$")
SUBJECT_MAX = 500
TEXT_MAX = 1_000_000
# queue_mail notifies the senders on this channel (delivered at its commit).
NOTIFY_CHANNEL = "support_mail"
MAIL_FIELDS = ("id", "kind", "case_id", "message_id", "from_address", "to_addresses", "subject", "status",
               "attempts", "next_attempt_at", "last_error", "sent_at", "bounced_at", "created_by", "created_at",
               "updated_at")


# Queueing -------------------------------------------------------------------------------------

def _addresses(to):
    items = [to] if isinstance(to, str) else list(to or [])
    addresses = []
    for item in items:
        address = parseaddr(item)[1].strip().lower() if isinstance(item, str) else ""
        if not address or len(address) > 254 or not ADDRESS.match(address):
            raise ValidationFailed(f"Not an email address: {item!r}.", {"to": [f"Not an email address: {item!r}."]})
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ValidationFailed("An email needs at least one recipient.", {"to": ["At least one address."]})
    if len(addresses) > 50:
        raise ValidationFailed("At most 50 recipients.", {"to": ["At most 50 recipients."]})
    return addresses


def queue_mail(conn, *, to, subject, text, html=None, headers=None, case_id=None, kind, actor=None,
               from_address=None, from_name=None, message_id=None):
    """Queue an email in the caller's transaction; returns its Message-ID.
    ``to``: an address or a list; ``headers``: extra headers (name -> value);
    ``kind``: what it is (``case_reply``, ``notification``, ``survey``, ...).
    Sent from SUPPORT_NAME <SUPPORT_ADDRESS> unless told otherwise."""
    settings = mail_settings.current()
    if not isinstance(kind, str) or not KIND.match(kind):
        raise ValidationFailed(f"Not a mail kind: {kind!r}.", {"kind": ["Lower-case letters, digits, _ . -."]})
    subject = " ".join(str(subject or "").split())[:SUBJECT_MAX]
    if not subject:
        raise ValidationFailed("An email needs a subject.", {"subject": ["Required."]})
    text = str(text or "")
    if len(text) > TEXT_MAX or (html is not None and len(html) > TEXT_MAX):
        raise ValidationFailed("The email is too long.", {"text": [f"At most {TEXT_MAX} characters."]})
    from_address = (from_address or settings.support_address).strip().lower()
    clean_headers = {}
    for name, value in (headers or {}).items():
        if not re.match(r"^[A-Za-z0-9-]{1,60}$", str(name)) or value is None:
            raise ValidationFailed(f"Not a header: {name!r}.", {"headers": [f"Not a header: {name!r}."]})
        clean_headers[str(name)] = " ".join(str(value).split())[:2000]
    message_id = message_id or new_message_id(from_address)
    store.insert_outgoing(conn, {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "case_id": case_id,
        "message_id": message_id,
        "from_address": from_address,
        "from_name": from_name if from_name is not None else settings.support_name,
        "to_addresses": _addresses(to),
        "subject": subject,
        "text": text,
        "html": html,
        "headers": clean_headers,
        "created_by": actor,
    })
    conn.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))
    return message_id


def queue_notification(conn, *, to, subject, text, case_id=None, kind="notification", actor=None):
    """A machine's email (escalations, reminders): marked Auto-Submitted so
    that auto-responders leave it alone; about a case, its subject names it."""
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if case_id is not None:
        case = conn.execute("SELECT number FROM cases WHERE id = %s", (case_id,)).fetchone()
        if case is not None:
            subject = parsing.case_subject(case["number"], subject)
            headers["X-CRM-Case"] = case["number"]
    return queue_mail(conn, to=to, subject=subject, text=text, headers=headers, case_id=case_id, kind=kind,
                      actor=actor)


def contact_address(conn, case):
    """The address a case's replies go to: its contact's email, else the sender's it was opened from."""
    if case.get("contact_id"):
        row = conn.execute("SELECT email FROM contacts WHERE id = %s", (case["contact_id"],)).fetchone()
        if row and row["email"]:
            return row["email"]
    return case.get("contact_email") or None


def queue_case_reply(conn, case, message):
    """Queue an agent's public reply to the case's contact: ``[CASE-000123]
    subject``, In-Reply-To the latest mail of the customer (else of the
    thread), References the thread.  Returns its Message-ID (the message's
    ``message_id``), or None when the case has no address to write to."""
    to = contact_address(conn, case)
    if not to:
        return None
    thread = store.thread_ids(conn, case["id"])
    inbound = [row["message_id"] for row in thread if row["inbound"]]
    parent = inbound[-1] if inbound else (thread[-1]["message_id"] if thread else None)
    headers = {"X-CRM-Case": case["number"], "X-Auto-Response-Suppress": "OOF, AutoReply"}
    if parent:
        headers["In-Reply-To"] = parent
        headers["References"] = " ".join(row["message_id"] for row in thread)
    body = message["body"].rstrip()
    footer = (f"\n\n-- \nReply to this email to add to your case {case['number']}; "
              "please keep the number in the subject.")
    return queue_mail(conn, to=to, subject=parsing.case_subject(case["number"], case["subject"]), text=body + footer,
                      headers=headers, case_id=case["id"], kind="case_reply", actor=message.get("author"))


# Delivering --------------------------------------------------------------------------------------

def message_of(row):
    """The EmailMessage of an outgoing row."""
    headers = dict(row["headers"] or {})
    in_reply_to = headers.pop("In-Reply-To", None)
    references = headers.pop("References", None)
    auto_submitted = headers.pop("Auto-Submitted", None)
    return build_message(from_address=row["from_address"], from_name=row["from_name"], to=row["to_addresses"],
                         subject=row["subject"], text=row["text"], html=row["html"], message_id=row["message_id"],
                         in_reply_to=in_reply_to, references=references, auto_submitted=auto_submitted,
                         headers=headers, date=row["created_at"])


def _note(conn, case_id, body):
    """An internal note on the case, in a savepoint: a case that refuses it
    (gone, merged) does not stop the mail's own record."""
    if case_id is None:
        return
    from services.support.cases import commands as cases

    try:
        with conn.transaction():
            cases.add_message(conn, case_id, kind="note", body=body, actor=ACTOR)
    except (psycopg.Error, NotFound, Conflict, ValidationFailed) as exc:
        log.warning("could not note a mail problem on case %s: %s", case_id, exc)


def _what(row):
    return {"case_reply": "The reply", "survey": "The survey"}.get(row["kind"], f"The {row['kind']} email")


def attempt(row, send):
    """Try to send one row with ``send(message)``, outside any transaction:
    ``("sent", refused)``, ``("temporary", error)`` or ``("permanent", error)``."""
    try:
        return "sent", send(message_of(row))
    except TemporaryMailError as exc:
        return "temporary", exc
    except (PermanentMailError, ValueError) as exc:
        return "permanent", exc


def record(conn, row, result, settings=None):
    """Book what ``attempt`` answered for ``row`` (retry later, failed with a
    note on the case, or sent); returns the row as it is now."""
    settings = settings or mail_settings.current()
    outcome, detail = result
    to = ", ".join(row["to_addresses"])
    if outcome == "temporary":
        if row["attempts"] + 1 >= settings.retry_limit:
            error = f"Gave up after {row['attempts'] + 1} attempts: {detail}"
            updated = store.mark_failed(conn, row["id"], error)
            _note(conn, row["case_id"], f"{_what(row)} to {to} (\"{row['subject']}\") could not be delivered: "
                                        f"{error}. An administrator can send it again from the mail page.")
            return updated
        pause = mail_settings.retry_pause(settings, row["attempts"] + 1)
        return store.mark_retry(conn, row["id"], str(detail), pause)
    if outcome == "permanent":
        updated = store.mark_failed(conn, row["id"], str(detail))
        _note(conn, row["case_id"], f"{_what(row)} to {to} (\"{row['subject']}\") could not be delivered: {detail}.")
        return updated
    error = None
    if detail:
        error = "Refused recipients: " + "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in detail.items())
    return store.mark_sent(conn, row["id"], error)


def deliver(conn, row, send, settings=None):
    """Send one locked ``queued`` row with ``send(message)`` and book the
    outcome in ``conn``'s transaction (tests, scripts; the MailSender loop
    claims the row, sends outside a transaction, then books it: ``attempt``
    and ``record``).  Returns the row as it is now."""
    return record(conn, row, attempt(row, send), settings)


def retry_mail(conn, mail_id):
    """Send a failed or bounced mail again (e.g. after the address was fixed at the server)."""
    row = store.find_outgoing(conn, mail_id, lock=True)
    if row is None:
        raise NotFound(f"No outgoing mail with id {mail_id}.")
    if row["status"] not in ("failed", "bounced"):
        raise Conflict(f"The mail is {row['status']}; only a failed or bounced mail can be sent again.")
    row = store.requeue(conn, mail_id)
    conn.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))
    return row


def mail_snapshot(row):
    return snapshot(row, MAIL_FIELDS)


# Receiving ---------------------------------------------------------------------------------------

def receive(conn, raw_bytes, *, own_addresses=None, at=None):
    """File one received email (its bytes) in the caller's transaction.
    Returns ``{"outcome", "message_id", "case_id", "reason"}``; outcome is
    ``opened``, ``threaded``, ``bounce``, ``auto_reply``, ``ignored`` or
    ``duplicate`` (the Message-ID was received before: nothing done)."""
    message = parsing.parse(raw_bytes)
    message_id = parsing.message_id_of(message, raw_bytes)
    sender, sender_name = parsing.sender_of(message)
    subject = parsing.header(message, "Subject")
    if own_addresses is None:
        own_addresses = mail_settings.current().own_addresses
    if not store.claim_incoming(conn, message_id, sender, subject[:500]):
        return {"outcome": "duplicate", "message_id": message_id, "case_id": None, "reason": "received before"}

    def done(outcome, case_id=None, reason=None):
        store.settle_incoming(conn, message_id, outcome, reason, case_id)
        return {"outcome": outcome, "message_id": message_id, "case_id": str(case_id) if case_id else None,
                "reason": reason}

    if parsing.is_bounce(message):
        return done("bounce", *_bounce(conn, message))
    reason = parsing.automatic_reason(message, own_addresses)
    if reason:
        return done("auto_reply", None, reason)
    if sender is None:
        return done("ignored", None, "no sender address")
    from services.support.cases import commands as cases

    body = parsing.body_of(message)
    attachments = parsing.attachment_names(message)
    note = f"\n\n[{len(attachments)} attachment(s) not kept: {', '.join(attachments)}]" if attachments else ""
    referenced = parsing.referenced_ids(message)
    case = _case_of(conn, subject, referenced)
    if case is not None:
        body = (parsing.strip_quoted(body) if body else "(no text)") + note
        in_reply_to = referenced[0] if referenced else None
        colleague = teams.agent_by_email(conn, sender)
        if colleague is not None:
            # One of us answering a notification (an escalation, a task) by mail: an internal
            # note, never the customer's word (it must not reopen the case or start a clock).
            added = cases.add_message(conn, case["id"], kind="note", body=f"By email: {body}",
                                      actor=colleague["name"], author_email=sender, message_id=message_id,
                                      in_reply_to=in_reply_to, at=at)
            return done("threaded", added.get("case_id") or case["id"])
        added = cases.add_message(conn, case["id"], kind="customer", body=body, author_email=sender,
                                  message_id=message_id, in_reply_to=in_reply_to, at=at)
        return done("threaded", added.get("case_id") or case["id"])
    data = {  # open_case finds the contact (and its account) by the sender's address
        "subject": parsing.clean_subject(subject),
        "description": (body or "(no text)") + note,
        "channel": "email",
        "contact_email": sender,
        "contact_name": sender_name,
        "message_id": message_id,
    }
    opened = cases.open_case(conn, data, ACTOR, at=at)
    return done("opened", opened["id"])


def _follow_merges(conn, case):
    for _ in range(20):
        if case is None or not case.get("merged_into"):
            return case
        case = conn.execute("SELECT * FROM cases WHERE id = %s", (case["merged_into"],)).fetchone()
    return case


def _case_of(conn, subject, referenced):
    """The case a mail belongs to: the number in its subject, else the mails it answers."""
    from services.support.cases import commands as cases

    number = parsing.case_number_in(subject)
    case = cases.find_case_by_number(conn, number) if number else None
    if case is None and referenced:
        case = cases.find_case_by_message_ids(conn, referenced)
        if case is None:
            case_id = store.cases_by_outgoing_ids(conn, referenced)
            if case_id is not None:
                case = conn.execute("SELECT * FROM cases WHERE id = %s", (case_id,)).fetchone()
    return _follow_merges(conn, case)


def _bounce(conn, message):
    """Mark the mail a bounce reports on as bounced (with a note on its case);
    returns (case_id, reason)."""
    failure = parsing.failure_of(message) or "no reason given"
    actions = parsing.delivery_actions(message)
    if actions and "failed" not in actions:  # "delayed, still trying" or a delivery receipt
        return None, f"a delivery status notification ({', '.join(sorted(set(actions)))}): {failure}"
    rows = store.outgoing_by_message_ids(conn, parsing.bounced_message_ids(message), lock=True)
    if not rows:
        return None, f"a bounce of no mail of ours: {failure}"
    row = rows[0]
    if row["status"] != "bounced":
        store.mark_bounced(conn, row["id"], f"Bounced: {failure}")
        _note(conn, row["case_id"], f"{_what(row)} to {', '.join(row['to_addresses'])} (\"{row['subject']}\") "
                                    f"bounced: {failure}.")
    return row["case_id"], f"bounce of {row['message_id']}: {failure}"
