"""The consent ledger's operations: each takes a connection inside the
caller's transaction and writes the change, its history row, its event
(``consent.changed``, outbox) and its mail (the sending area's queue)
together.

- ``change``: the one way a decision changes.  A decision that says what the
  ledger says already (same status and legal basis) records nothing and
  publishes nothing, so a repeated unsubscribe or a re-sent form is
  harmless.  A withdrawal is recorded even for an address the ledger did not
  know (an objection is evidence too).  The people with the address are
  handed to the segments' upkeep.
- ``record``: staff record a grant or a withdrawal with its evidence.
- ``request_consent``: single opt-in grants at once; double opt-in makes the
  decision pending and queues the confirmation mail with its signed link in
  the same transaction (an address that confirmed already is mailed nothing).
- ``confirm``: the link followed: granted, with the time, IP and browser of
  the confirmation; a second time changes nothing; an expired link is Gone
  and ``resend`` mails a new one.
- ``unsubscribe`` (the one-click link), ``update_preferences`` (the
  preference page).
"""

import datetime
import html
import uuid

from services.campaigns.consent import links, store
from services.campaigns.segments import upkeep
from services.campaigns.sending import queue
from shared.kit import outbox
from shared.kit.normalize import normalize_email
from shared.kit.rows import plain
from shared.schemas.campaigns.consent import DEFAULT_CHANNEL, PURPOSE_LABELS, PURPOSES
from shared.schemas.errors import Forbidden, Gone, NotFound, ValidationFailed

CONSENT_FIELDS = ("purpose", "channel", "status", "legal_basis", "source", "form_id", "wording_version", "at",
                  "confirmed_at", "version", "updated_at")
CHANGE_FIELDS = ("id", "purpose", "channel", "status", "previous_status", "legal_basis", "source", "form_id",
                 "wording_version", "ip", "user_agent", "request_id", "campaign_id", "actor", "note", "at",
                 "recorded_at")
EVIDENCE = ("form_id", "wording_version", "ip", "user_agent", "request_id", "campaign_id", "note")
NOT_VALID = ("This link is not valid. Use the link of the email exactly as it came (a link cut by the mail "
             "program may miss its end).")
EXPIRED = ("This confirmation link has expired (links are good for {days} days). Ask for a new one: it is "
           "mailed to the same address.")
CONFIRM_SUBJECT = "Please confirm: {label}"


def consent_snapshot(row):
    """The current decision as the API shows it (ConsentSchema)."""
    return {"email": row["email_norm"], **{field: plain(row.get(field)) for field in CONSENT_FIELDS}}


def change_snapshot(row):
    """A history entry (ConsentChangeSchema)."""
    result = {"email": row["email_norm"], **{field: plain(row.get(field)) for field in CHANGE_FIELDS}}
    result["ip"] = None if row.get("ip") is None else str(row["ip"])
    return result


def _event(change):
    return {"email": change["email_norm"], "purpose": change["purpose"], "channel": change["channel"],
            "status": change["status"], "previous_status": change["previous_status"],
            "legal_basis": change["legal_basis"], "source": change["source"], "at": plain(change["at"]),
            "change_id": change["id"]}


def change(conn, email_norm, purpose, channel, status, legal_basis, source, evidence=None, actor=None, at=None,
           confirmed_at=None):
    """Make ``status`` the decision of (address, purpose, channel); returns
    ``(current row, changed)``.  See the module doc."""
    store.lock_address(conn, email_norm)
    before = store.current(conn, email_norm, purpose, channel, lock="update")
    if before is not None and before["status"] == status and before["legal_basis"] == legal_basis:
        return before, False
    evidence = {key: value for key, value in (evidence or {}).items() if key in EVIDENCE}
    at = at or store.now(conn)
    entry = store.add_change(conn, {
        "email_norm": email_norm, "purpose": purpose, "channel": channel, "status": status,
        "previous_status": before["status"] if before else None, "legal_basis": legal_basis, "source": source,
        "actor": actor, "at": at, **evidence})
    keeps_confirmation = status == "granted" and before is not None and before["status"] == "granted"
    row = store.set_current(conn, {
        "email_norm": email_norm, "purpose": purpose, "channel": channel, "status": status,
        "legal_basis": legal_basis, "source": source, "form_id": evidence.get("form_id"),
        "wording_version": evidence.get("wording_version"), "at": at, "change_id": entry["id"],
        "confirmed_at": confirmed_at or (before["confirmed_at"] if keeps_confirmation else None)})
    outbox.add(conn, "consent.changed", _event(entry))
    people = store.people_with_email(conn, email_norm)
    if people:
        upkeep.people_changed(conn, people)
    return row, True


# Reading ----------------------------------------------------------------------------

def of_address(conn, email):
    email_norm = normalize_email(email) or str(email).strip().lower()
    return {"email": email_norm, "current": [consent_snapshot(row) for row in store.current_of(conn, email_norm)],
            "history": [change_snapshot(row) for row in store.history_of(conn, email_norm)]}


def of_person(conn, person_id):
    person = store.person(conn, person_id)
    if person is None:
        raise NotFound(f"No person with id {person_id}.")
    if not person["email_norm"]:
        return {"person_id": str(person["id"]), "email": None, "current": [], "history": []}
    return {"person_id": str(person["id"]), **of_address(conn, person["email_norm"])}


# Staff ------------------------------------------------------------------------------

def _email_norm(email):
    email_norm = normalize_email(email)
    if email_norm is None:
        raise ValidationFailed("Some fields are invalid; see errors.", {"email": ["Not a valid email address."]})
    return email_norm


def _evidence(data):
    return {key: data.get(key) for key in ("form_id", "wording_version", "ip", "user_agent", "note")}


def record(conn, data, actor):
    """A grant or withdrawal staff record (ConsentRecordSchema, loaded)."""
    email_norm = _email_norm(data["email"])
    at = data.get("at")
    if at is not None and at > store.now(conn) + datetime.timedelta(minutes=5):
        raise ValidationFailed("Some fields are invalid; see errors.", {"at": ["Not in the future."]})
    channel = data.get("channel") or DEFAULT_CHANNEL[data["purpose"]]
    row, changed = change(conn, email_norm, data["purpose"], channel, data["status"], data["legal_basis"],
                          data["source"], _evidence(data), actor, at)
    return {"changed": changed, "consent": consent_snapshot(row)}


def _confirmation_mail(email, purpose, link, days):
    label = PURPOSE_LABELS[purpose]
    subject = CONFIRM_SUBJECT.format(label=label.split(":")[0].lower())
    text = ("Hello,\n\n"
            f"someone, hopefully you, asked us to send this address: {label.lower()}.\n"
            "To confirm, open this link:\n\n"
            f"{link}\n\n"
            f"The link works for {days} days. If you did not ask for this, ignore this email: without your "
            "confirmation we will not send you anything.\n")
    body = (f"<p>Hello,</p><p>someone, hopefully you, asked us to send this address: {html.escape(label.lower())}."
            f"</p><p><a href=\"{html.escape(link)}\">Yes, I confirm</a></p>"
            f"<p>The link works for {days} days. If you did not ask for this, ignore this email: without your "
            "confirmation we will not send you anything.</p>")
    return subject, text, body


def _send_request(conn, email, email_norm, purpose, channel, source, evidence, actor, config):
    """Open a double opt-in request, make the decision pending (unless it
    is pending already) and queue the confirmation mail; returns (request, row)."""
    at = store.now(conn)
    days = links.confirm_valid_days(config)
    request = store.add_request(conn, {
        "id": str(uuid.uuid4()), "email": email, "email_norm": email_norm, "purpose": purpose, "channel": channel,
        "source": source, "form_id": evidence.get("form_id"), "wording_version": evidence.get("wording_version"),
        "ip": evidence.get("ip"), "user_agent": evidence.get("user_agent"), "actor": actor, "requested_at": at,
        "expires_at": at + datetime.timedelta(days=days)})
    row, _ = change(conn, email_norm, purpose, channel, "pending_confirmation", "consent", source,
                    {**evidence, "request_id": request["id"]}, actor, at)
    subject, text, body = _confirmation_mail(email, purpose, links.confirm_url(config, request["id"]), days)
    queue.enqueue_transactional(conn, to=email, subject=subject, text=text, html=body,
                                headers={"Auto-Submitted": "auto-generated"}, kind="consent_confirmation")
    return request, row


def request_consent(conn, data, actor, config):
    """Single or double opt-in (ConsentRequestSchema, loaded); see the module doc."""
    email_norm = _email_norm(data["email"])
    purpose = data["purpose"]
    channel = data.get("channel") or DEFAULT_CHANNEL[purpose]
    evidence = _evidence(data)
    if not data["double_opt_in"]:
        row, _ = change(conn, email_norm, purpose, channel, "granted", "consent", data["source"], evidence, actor)
        return {"status": row["status"], "request_id": None, "expires_at": None, "mail_queued": False,
                "consent": consent_snapshot(row)}
    store.lock_address(conn, email_norm)
    before = store.current(conn, email_norm, purpose, channel, lock="update")
    if before is not None and before["status"] == "granted":
        return {"status": "granted", "request_id": None, "expires_at": None, "mail_queued": False,
                "consent": consent_snapshot(before)}
    request, row = _send_request(conn, data["email"].strip(), email_norm, purpose, channel, data["source"],
                                 evidence, actor, config)
    return {"status": row["status"], "request_id": str(request["id"]), "expires_at": plain(request["expires_at"]),
            "mail_queued": True, "consent": consent_snapshot(row)}


# The person, by signed links ------------------------------------------------------

def _request_of(conn, token, config, allow_expired=False, lock=False):
    try:
        request_id = links.confirmation_of(config, token, allow_expired)
    except links.Expired:
        raise Gone(EXPIRED.format(days=links.confirm_valid_days(config)), errors={"token": ["Expired."]},
                   can_resend=True) from None
    request = store.request(conn, request_id, lock) if request_id else None
    if request is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid link."]})
    return request


def _confirmation(request, state, row=None):
    return {"state": state, "email": request["email_norm"], "purpose": request["purpose"],
            "label": PURPOSE_LABELS[request["purpose"]], "confirmed_at": plain(request["confirmed_at"]),
            "status": row["status"] if row else None}


def confirmation_view(conn, token, config):
    """What a confirmation link stands for, read only: ``state`` pending or
    ``confirmed_already``.  NotFound for a link this service did not sign,
    Gone once expired."""
    request = _request_of(conn, token, config)
    return _confirmation(request, "pending" if request["confirmed_at"] is None else "confirmed_already")


def confirm(conn, token, evidence, config):
    """Follow a confirmation link: ``state`` confirmed, or
    ``confirmed_already`` (nothing changes).  NotFound for a link this
    service did not sign, Gone once expired."""
    request = _request_of(conn, token, config, lock=True)
    if request["confirmed_at"] is not None:
        return _confirmation(request, "confirmed_already")
    at = store.now(conn)
    confirmed = store.confirm_request(conn, request["id"], at, evidence.get("ip"), evidence.get("user_agent"))
    row, _ = change(conn, request["email_norm"], request["purpose"], request["channel"], "granted", "consent",
                    "double_opt_in", {"form_id": request["form_id"], "wording_version": request["wording_version"],
                                      "ip": evidence.get("ip"), "user_agent": evidence.get("user_agent"),
                                      "request_id": request["id"]}, None, at, confirmed_at=at)
    return _confirmation(confirmed, "confirmed", row)


def resend(conn, token, evidence, config):
    """Mail a new confirmation link for the request of a (possibly expired)
    link: ``state`` sent, or confirmed_already / granted_already (nothing
    is mailed)."""
    request = _request_of(conn, token, config, allow_expired=True, lock=True)
    if request["confirmed_at"] is not None:
        return _confirmation(request, "confirmed_already")
    store.lock_address(conn, request["email_norm"])
    before = store.current(conn, request["email_norm"], request["purpose"], request["channel"], lock="update")
    if before is not None and before["status"] == "granted":
        return _confirmation(request, "granted_already", before)
    new_request, row = _send_request(
        conn, request["email"], request["email_norm"], request["purpose"], request["channel"], request["source"],
        {"form_id": request["form_id"], "wording_version": request["wording_version"], "ip": evidence.get("ip"),
         "user_agent": evidence.get("user_agent")}, None, config)
    return _confirmation(new_request, "sent", row)


def _unsubscribe_of(token, config):
    found = links.unsubscribe_of(config, token)
    if found is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid link."]})
    return found


def _unsubscribe_view(email_norm, purpose, row, changed=False):
    return {"email": email_norm, "purpose": purpose, "label": PURPOSE_LABELS[purpose],
            "status": row["status"] if row else None, "changed": changed}


def unsubscribe_page(conn, token, config):
    """What the unsubscribe page shows (nothing changes)."""
    email_norm, purpose, _ = _unsubscribe_of(token, config)
    return _unsubscribe_view(email_norm, purpose, store.current(conn, email_norm, purpose, DEFAULT_CHANNEL[purpose]))


def unsubscribe(conn, token, evidence, config):
    """The one-click unsubscribe: the purpose withdrawn for the address
    (once; again changes nothing)."""
    email_norm, purpose, campaign_id = _unsubscribe_of(token, config)
    channel = DEFAULT_CHANNEL[purpose]
    before = store.current(conn, email_norm, purpose, channel)
    row, changed = change(conn, email_norm, purpose, channel, "withdrawn",
                          before["legal_basis"] if before else "consent", "unsubscribe_link",
                          {"ip": evidence.get("ip"), "user_agent": evidence.get("user_agent"),
                           "campaign_id": campaign_id})
    return _unsubscribe_view(email_norm, purpose, row, changed)


def _preferences_of(token, config):
    email_norm = links.preferences_of(config, token)
    if email_norm is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid link."]})
    return email_norm


def _preferences_view(conn, email_norm, config, changed=None):
    rows = {(row["purpose"], row["channel"]): row for row in store.current_of(conn, email_norm)}
    items = []
    for purpose in PURPOSES:
        row = rows.get((purpose, DEFAULT_CHANNEL[purpose]))
        status = row["status"] if row else None
        items.append({"purpose": purpose, "label": PURPOSE_LABELS[purpose], "status": status,
                      "subscribed": status == "granted"})
    view = {"email": email_norm, "items": items, "form_token": links.form_token(config, email_norm)}
    if changed is not None:
        view["changed"] = changed
    return view


def preferences_page(conn, token, config):
    return _preferences_view(conn, _preferences_of(token, config), config)


def update_preferences(conn, token, data, evidence, config):
    """The preference page's form (PublicPreferencesUpdateSchema, loaded):
    each purpose ticked is granted (the signed link proves the address),
    each other one that was granted or pending is withdrawn.  Forbidden
    when the form's token is missing, of another address or older than a day."""
    email_norm = _preferences_of(token, config)
    if not links.form_token_fits(config, data["form_token"], email_norm):
        raise Forbidden("This form has expired or was not made by this page: reload the page and choose again.",
                        errors={"form_token": ["Reload the page."]})
    wanted = set(data.get("subscribed") or ())
    changed = []
    proof = {"ip": evidence.get("ip"), "user_agent": evidence.get("user_agent")}
    for purpose in PURPOSES:
        channel = DEFAULT_CHANNEL[purpose]
        before = store.current(conn, email_norm, purpose, channel)
        status = before["status"] if before else None
        if purpose in wanted and status != "granted":
            _, did = change(conn, email_norm, purpose, channel, "granted", "consent", "preference_page", proof)
        elif purpose not in wanted and status in ("granted", "pending_confirmation"):
            _, did = change(conn, email_norm, purpose, channel, "withdrawn", before["legal_basis"],
                            "preference_page", proof)
        else:
            did = False
        if did:
            changed.append(purpose)
    return _preferences_view(conn, email_norm, config, changed)

