"""The outgoing email queue that the EmailSender drains: transactional mail
(a double opt-in confirmation, a template's test send), written in the
caller's transaction and sent at once after its commit."""

import re
from email.utils import parseaddr

from services.campaigns.sending import store
from shared.kit.config import load_component_config
from shared.kit.mail import new_message_id
from shared.schemas.errors import ValidationFailed

KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
HEADER = re.compile(r"^[A-Za-z0-9-]{1,60}$")
ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")
SUBJECT_MAX = 500
TEXT_MAX = 1_000_000
_sender = None


def _from():
    """(address, name) of the campaigns' mail, from the component's config."""
    global _sender
    if _sender is None:
        config = load_component_config("campaigns")
        _sender = (str(config.get("MARKETING_ADDRESS") or "news@crm.local").strip().lower(),
                   str(config.get("MARKETING_NAME") or "CRM Marketing"))
    return _sender


def enqueue_transactional(conn, to, subject, text, html=None, headers=None, kind="transactional"):
    """Queue one non-marketing email (a double opt-in confirmation, a test
    send) to go out at once: no consent or cap check; the sender is woken by
    a NOTIFY when the transaction commits. Returns the queued email's id."""
    address = parseaddr(to)[1].strip() if isinstance(to, str) else ""
    if not address or len(address) > 254 or not ADDRESS.match(address):
        raise ValidationFailed(f"Not an email address: {to!r}.", {"to": ["Not an email address."]})
    if not isinstance(kind, str) or not KIND.match(kind):
        raise ValidationFailed(f"Not a mail kind: {kind!r}.", {"kind": ["Lower-case letters, digits, _ . -."]})
    subject = " ".join(str(subject or "").split())[:SUBJECT_MAX]
    if not subject:
        raise ValidationFailed("An email needs a subject.", {"subject": ["Required."]})
    text = str(text or "")
    if len(text) > TEXT_MAX or (html is not None and len(html) > TEXT_MAX):
        raise ValidationFailed("The email is too long.", {"text": [f"At most {TEXT_MAX} characters."]})
    clean = {}
    for name, value in (headers or {}).items():
        if not HEADER.match(str(name)) or value is None:
            raise ValidationFailed(f"Not a header: {name!r}.", {"headers": [f"Not a header: {name!r}."]})
        clean[str(name)] = " ".join(str(value).split())[:2000]
    from_address, from_name = _from()
    row = store.insert_outgoing(conn, {
        "kind": kind, "message_id": new_message_id(from_address), "from_address": from_address,
        "from_name": from_name, "to_address": address, "subject": subject, "text": text, "html": html,
        "headers": clean})
    store.notify(conn)
    return str(row["id"])
