"""Email sends: the operations, each in the caller's transaction.

- ``create_send``: a send of a campaign (template, audience, now or at a
  time); one scheduled for now starts at once (``start_send``).
- ``start_send``: snapshots the audience into one recipient row per person
  and adds them as campaign members; wakes the sender.
- ``decide_recipient``: the decision for one claimed recipient, under the
  address's advisory lock: ``suppressed`` with the reason, or ``sending``
  with a lease (committed before any SMTP conversation).
- ``record_attempt``: what the SMTP server said: ``sent`` (+ event + touch),
  ``queued`` again after a pause (temporary), ``bounced`` (5xx: the address
  is suppressed, + event), ``failed`` (retries used up).
- ``record_bounce``: a bounce reported later (a DSN) by Message-ID: same effect.
- ``cancel_send``: what is not decided yet stays unsent.
"""

import logging

from services.campaigns.campaigns import members
from services.campaigns.consent import checks, links
from services.campaigns.responses import touches, tracking
from services.campaigns.segments import suppression
from services.campaigns.sending import audience, decide, store
from services.campaigns.templates import render
from shared.kit import outbox
from shared.kit.locks import advisory_lock
from shared.kit.mail import build_message, new_message_id
from shared.kit.rows import plain, snapshot
from shared.schemas.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

SEND_FIELDS = ("id", "campaign_id", "template_id", "audience_kind", "audience_id", "status", "scheduled_at",
               "started_at", "finished_at", "recipients", "template_version", "created_by", "cancelled_by", "version",
               "created_at", "updated_at")
RECIPIENT_FIELDS = ("id", "send_id", "person_id", "email", "status", "reason", "message_id", "attempts",
                    "decided_at", "sent_at", "bounced_at", "last_error")
EMAIL_FIELDS = ("id", "send_id", "campaign_id", "person_id", "message_id", "status", "reason", "attempts")
SENDABLE_CAMPAIGN = ("planned", "active")


def address_lock(conn, email_norm):
    """Serialises every decision about one address (consent, cap) across senders."""
    advisory_lock(conn, f"campaigns-email:{email_norm}")


def send_snapshot(row, counts=None):
    data = snapshot(row, SEND_FIELDS)
    if counts is not None:
        data["counts"] = counts
    return data


def recipient_snapshot(row):
    return snapshot({**row, "email": row.get("email")}, RECIPIENT_FIELDS)


def email_snapshot(row):
    return snapshot(row, EMAIL_FIELDS)


# Sends --------------------------------------------------------------------------------------------

def get_send(conn, send_id):
    row = store.find_send(conn, send_id)
    if row is None:
        raise NotFound(f"No email send with id {send_id}.")
    return send_snapshot(row, store.counts(conn, send_id))


def create_send(conn, campaign_id, data, actor=None):
    campaign = store.find_campaign(conn, campaign_id, lock=True)
    if campaign is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    if campaign["type"] != "email":
        raise Conflict(f"The campaign is a {campaign['type']} campaign; only an email campaign sends emails.")
    if campaign["status"] not in SENDABLE_CAMPAIGN:
        raise Conflict(f"The campaign is {campaign['status']}; only a planned or active campaign sends emails.")
    template_id = str(data["template_id"])
    if store.find_template(conn, template_id) is None:
        raise ValidationFailed(f"No template with id {template_id}.", {"template_id": ["No such template."]})
    kind = data["audience"]["kind"]
    audience_id = data["audience"].get("id")
    audience.check(conn, kind, audience_id)
    now = conn.execute("SELECT now() AS now").fetchone()["now"]
    scheduled_at = data.get("scheduled_at") or now
    row = store.insert_send(conn, {
        "campaign_id": str(campaign_id), "template_id": template_id, "audience_kind": kind,
        "audience_id": str(audience_id) if audience_id else None, "scheduled_at": scheduled_at,
        "created_by": actor})
    if scheduled_at <= now:
        row = start_send(conn, row)
    else:
        store.notify(conn)  # the sender shortens its sleep to the scheduled moment
    return send_snapshot(row, store.counts(conn, row["id"]))


def start_send(conn, send):
    """Snapshot the audience (once per person) and make them campaign members;
    the send becomes ``sending``."""
    person_ids = audience.person_ids(conn, send["audience_kind"], send["audience_id"], send["campaign_id"])
    added = store.snapshot_audience(conn, send, person_ids)
    if added:
        members.add_members(conn, str(send["campaign_id"]), [str(item) for item in added], source="send")
    row = store.mark_started(conn, send["id"], len(added))
    store.notify(conn)
    return row


def start_due(conn):
    """Start the next scheduled send whose time has come; None when none is due."""
    send = store.due_scheduled(conn)
    return start_send(conn, send) if send is not None else None


def cancel_send(conn, send_id, actor=None):
    send = store.find_send(conn, send_id, lock=True)
    if send is None:
        raise NotFound(f"No email send with id {send_id}.")
    if send["status"] in ("completed", "cancelled"):
        raise Conflict(f"The send is {send['status']} already.", extra={"send_status": send["status"]})
    row = store.mark_cancelled(conn, send_id, actor)
    return send_snapshot(row, store.counts(conn, send_id))


def list_sends(conn, campaign_id, query):
    if store.find_campaign(conn, campaign_id) is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    rows, next_cursor = store.list_sends(conn, campaign_id, query.get("cursor"), query["limit"])
    return {"items": [send_snapshot(row) for row in rows], "next_cursor": next_cursor}


def list_recipients(conn, send_id, query):
    if store.find_send(conn, send_id) is None:
        raise NotFound(f"No email send with id {send_id}.")
    rows, next_cursor = store.list_recipients(conn, send_id, query.get("status"), query.get("cursor"),
                                              query["limit"])
    return {"items": [recipient_snapshot(row) for row in rows], "next_cursor": next_cursor}


# Deciding and recording one email ----------------------------------------------------------------------

def facts_of(conn, recipient, person, settings):
    """What ``decide`` needs, read under the address's lock."""
    email_norm = (person["email_norm"] or "").strip().lower() or None if person else None
    if email_norm is None:
        return decide.Facts(None, bool(person and person["active"]), bool(person and person["do_not_email"]),
                            False, (False, "no_consent"), 0, settings.cap)
    address_lock(conn, email_norm)
    return decide.Facts(
        email_norm=email_norm,
        active=person["active"],
        do_not_email=person["do_not_email"],
        suppressed=suppression.is_suppressed(conn, email_norm),
        consent=tuple(checks.can_email(conn, email_norm, "marketing_email")),
        recent=store.recent_count(conn, email_norm, settings.cap_days) if settings.cap > 0 else 0,
        cap=settings.cap,
        duplicate=store.address_in_send(conn, recipient["send_id"], email_norm, recipient["id"]),
    )


def decide_recipient(conn, recipient, settings, config):
    """In the caller's transaction (the recipient row locked): record the
    decision.  Returns ``(row, message)``: ``message`` is the EmailMessage
    to hand to the SMTP server now (the row is ``sending``), else None."""
    person = store.person_for_mail(conn, recipient["person_id"])
    facts = facts_of(conn, recipient, person, settings)
    decision = decide.decide(facts)
    if not decision.send:
        return store.mark_suppressed(conn, recipient["id"], facts.email_norm, decision.reason), None
    send = store.find_send(conn, recipient["send_id"])
    campaign = store.find_campaign(conn, recipient["campaign_id"])
    template = store.template_of_send(conn, send)
    try:
        unsubscribe = links.unsubscribe_url(config, facts.email_norm, "marketing_email", str(campaign["id"]))
        extra = {"unsubscribe_url": unsubscribe, "preferences_url": links.preferences_url(config, facts.email_norm),
                 "campaign": {"id": str(campaign["id"]), "name": campaign["name"]}}
        rendered = render.render(template, _person_fields(person), extra)
        html = tracking.instrument(config, rendered.get("html"), campaign["id"], person["id"], recipient["id"],
                                   keep=(unsubscribe, extra["preferences_url"]))
    except Exception as exc:  # noqa: BLE001 - a template that cannot render fails this email, not the loop
        log.warning("email of send %s to person %s not rendered: %s", send["id"], person["id"], exc)
        return store.mark_failed_before_smtp(conn, recipient["id"], "render_error",
                                             f"{type(exc).__name__}: {exc}"[:1000]), None
    message_id = recipient["message_id"] or new_message_id(settings.from_address)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
        "X-Campaign-Id": str(campaign["id"]),
        "X-Campaign-Send": str(send["id"]),
        "X-Campaign-Recipient": str(recipient["id"]),
    }
    try:
        message = build_message(from_address=settings.from_address, from_name=settings.from_name,
                                to=person["email"] or facts.email_norm, subject=rendered["subject"],
                                text=rendered.get("text") or "", html=html, message_id=message_id,
                                headers=headers)
    except ValueError as exc:  # an address the mail library refuses
        return store.mark_failed_before_smtp(conn, recipient["id"], "bad_address", str(exc)[:1000]), None
    row = store.mark_sending(conn, recipient["id"], facts.email_norm, message_id, settings.lease_seconds)
    return row, message


def _person_fields(person):
    fields = {key: plain(value) for key, value in dict(person).items()}
    fields["account"] = {"name": person["account_name"], "type": person["account_type"],
                         "industry": person["account_industry"], "country": person["account_country"]}
    return fields


def record_attempt(conn, row, result, settings):
    """Book what the SMTP server said for a ``sending`` row (locked, still
    under its claim): ``result`` is ``("sent", None)``, ``("temporary",
    error)`` or ``("permanent", error)``."""
    kind, error = result
    status = decide.outcome(kind, row["attempts"], settings.retry_limit)
    if status == "sent":
        booked = store.book(conn, row["id"], "sent")
        outbox.add(conn, "campaign.email_sent", {"email": email_snapshot(booked),
                                                 "sent_at": plain(booked["sent_at"])})
        touches.touch(conn, str(booked["campaign_id"]), str(booked["person_id"]), "sent", booked["sent_at"])
        return booked
    if status == "bounced":
        return _bounce(conn, row, str(error))
    if status == "queued":
        pause = decide.retry_pause(row["attempts"], settings.retry_seconds, settings.retry_max_seconds)
        return store.book(conn, row["id"], "queued", error=str(error)[:1000], pause_seconds=pause)
    return store.book(conn, row["id"], "failed", error=str(error)[:1000], reason="retries_exhausted")


def _bounce(conn, row, error):
    booked = store.mark_bounced(conn, row["id"], error[:1000])
    if booked["email_norm"]:
        suppression.suppress(conn, booked["email_norm"], "hard_bounce", f"send:{booked['send_id']}")
    outbox.add(conn, "campaign.email_bounced", {"email": email_snapshot(booked), "error": error[:1000],
                                                "bounced_at": plain(booked["bounced_at"])})
    return booked


def expire_leases(conn):
    """Emails left ``sending`` by a dead sender become ``unknown`` (never sent again)."""
    rows = store.expire_leases(conn)
    for row in rows:
        log.warning("email %s (send %s) was in flight when its sender stopped: reported unknown, not sent again",
                    row["message_id"], row["send_id"])
    return rows


def record_bounce(conn, data):
    """A bounce reported after the fact (a DSN) for one of our Message-IDs:
    the recipient is ``bounced`` and the address suppressed; a second report
    changes nothing.  Transactional mail is marked bounced and suppressed too."""
    message_id = data["message_id"].strip()
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    error = data.get("reason") or "Bounced (reported later)."
    row = store.recipient_by_message_id(conn, message_id, lock=True)
    if row is not None:
        if row["status"] == "bounced":
            return {"message_id": message_id, "kind": "campaign", "status": "bounced", "changed": False}
        if row["status"] not in ("sent", "unknown", "sending"):
            raise Conflict(f"That email is {row['status']}: only a sent email can bounce.",
                           extra={"email_status": row["status"]})
        _bounce(conn, row, error)
        return {"message_id": message_id, "kind": "campaign", "status": "bounced", "changed": True}
    mail = store.outgoing_by_message_id(conn, message_id, lock=True)
    if mail is None:
        raise NotFound(f"No email of ours has the Message-ID {message_id}.",
                       errors={"message_id": ["No email of ours has this Message-ID."]})
    if mail["status"] == "bounced":
        return {"message_id": message_id, "kind": "transactional", "status": "bounced", "changed": False}
    conn.execute("UPDATE outgoing_mail SET status = 'bounced', last_error = %s, updated_at = now() WHERE id = %s",
                 (error[:1000], mail["id"]))
    suppression.suppress(conn, mail["to_address"], "hard_bounce", f"mail:{mail['kind']}")
    return {"message_id": message_id, "kind": "transactional", "status": "bounced", "changed": True}
