"""Responses: each operation takes a connection inside the caller's
transaction and writes the response, its touch and its event together.

- ``record``: a response (a web form, a click, an open, a reply, attendance)
  from a person campaigns knows (``person_id``, or found by address: an
  active one first, a contact before a lead) or from an address it does not
  know (kept raw: leads makes a lead of it).  Recorded once per dedup key:
  the same response recorded again answers the first one (``duplicate``).
  A known person is touched (open -> opened, click -> clicked, the others
  -> responded), which adds them to the campaign when it did not target
  them.  ``campaign.response_recorded``.
- ``track_open`` / ``track_click``: what a tracking link's token records.
- ``lead_created``: leads made a lead of a campaign's response (its
  ``lead.created`` carries the campaign's id): the responses from that
  address name the lead's person, who is touched ``responded`` and
  ``converted``.  "Converted" means the campaign made someone pipeline:
  their response became a lead, or (the attribution area) their account
  got an opportunity the campaign influenced.
"""

import hashlib
import json
import logging

from services.campaigns.responses import store, tracking
from services.campaigns.responses.touches import touch
from shared.kit import outbox
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

FIELDS = ("id", "campaign_id", "email", "first_name", "last_name", "company", "at", "source", "recorded_by",
          "lead_id", "created_at", "kind")
# The touch each response kind is.
TOUCHES = {"open": "opened", "click": "clicked", "form": "responded", "reply": "responded",
           "attended": "attended"}
NOT_VALID = "This link is not valid."


def snapshot(row):
    """A response as the API and ``campaign.response_recorded`` show it (ResponseSchema)."""
    result = {field: plain(row.get(field)) for field in FIELDS}
    result["data"] = row.get("data") or {}
    result["person"] = None if row.get("person_id") is None else {
        "id": plain(row["person_id"]), "kind": row["person_kind"], "source_id": plain(row["person_source_id"])}
    return result


def default_dedup_key(campaign_id, kind, who, data):
    """The same campaign, kind, person (or address) and data: the same response."""
    text = json.dumps([str(campaign_id), kind, str(who), data], sort_keys=True, separators=(",", ":"),
                      default=str)
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _campaign(conn, campaign_id):
    campaign = store.find_campaign(conn, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    return campaign


def _person(conn, data):
    if data.get("person_id"):
        person = store.find_person(conn, str(data["person_id"]))
        if person is None:
            raise ValidationFailed("Some fields are invalid; see errors.", {
                "person_id": [f"No person with id {data['person_id']}; pick one of GET /api/v1/campaign-people."]})
        return person
    return store.person_by_email(conn, data["email"].lower())


def record(conn, campaign_id, data, source, actor=None):
    """Record a response (ResponseInputSchema, loaded) of ``campaign_id``;
    returns ``(snapshot with duplicate, new)``.  NotFound for an unknown
    campaign; ValidationFailed for an unknown person; Conflict when the
    dedup key names another campaign's response."""
    _campaign(conn, campaign_id)
    person = _person(conn, data)
    email = data.get("email") or (person["email"] if person else None)
    email_norm = email.lower() if email else None
    at = data.get("at") or store.now(conn)
    who = person["id"] if person else email_norm
    payload = data.get("data") or {}
    dedup_key = data.get("dedup_key") or default_dedup_key(campaign_id, data["kind"], who, payload)
    row = store.insert_response(conn, {
        "campaign_id": str(campaign_id), "kind": data["kind"], "person_id": plain(person["id"]) if person else None,
        "email": email, "email_norm": email_norm,
        "first_name": data.get("first_name") or (person["first_name"] if person else None),
        "last_name": data.get("last_name") or (person["last_name"] if person else None),
        "company": data.get("company") or (person["company"] if person else None),
        "data": payload, "at": at, "source": source, "recorded_by": actor, "dedup_key": dedup_key})
    if row is None:
        existing = store.response_by_key(conn, dedup_key)
        if str(existing["campaign_id"]) != str(campaign_id):
            raise Conflict("This dedup key names a response of another campaign; use a key of your own.",
                           {"dedup_key": ["Used by a response of another campaign."]})
        return {**snapshot(existing), "duplicate": True}, False
    if person is not None:
        touch(conn, str(campaign_id), str(person["id"]), TOUCHES[data["kind"]], at)
    result = snapshot(row)
    outbox.add(conn, "campaign.response_recorded", {"response": result})
    return {**result, "duplicate": False}, True


def web_form(conn, data):
    """A public web form submission naming a campaign (WebFormResponseSchema,
    loaded): a ``form`` response whose data keeps the phone, title, country
    and message.  The same submission twice is one response."""
    extra = {key: data[key] for key in ("phone", "title", "country", "message") if data.get(key)}
    return record(conn, str(data["campaign_id"]), {
        "kind": "form", "email": data["email"], "first_name": data.get("first_name"),
        "last_name": data.get("last_name"), "company": data.get("company"), "data": extra}, "web_form", "web-form")


def list_responses(conn, campaign_id, query):
    _campaign(conn, campaign_id)
    rows, next_cursor = store.list_responses(conn, campaign_id, query.get("kind"), query.get("cursor"),
                                             int(query.get("limit") or 50))
    return {"items": [snapshot(row) for row in rows], "next_cursor": next_cursor}


# Tracking links ---------------------------------------------------------------------------

def _tracked(conn, found, kind, dedup_key, data):
    """Record what a valid token says, once; a campaign or person gone since
    (erased) records nothing, and the link still works."""
    if store.find_campaign(conn, found["campaign_id"]) is None or \
            store.find_person(conn, found["person_id"]) is None:
        log.info("tracking link of campaign %s / person %s: one of them is gone; nothing recorded",
                 found["campaign_id"], found["person_id"])
        return
    record(conn, found["campaign_id"], {"kind": kind, "person_id": found["person_id"], "data": data,
                                         "dedup_key": dedup_key}, "tracking")


def track_open(conn, token, config):
    """The open pixel was loaded: one ``open`` response per email (or per
    campaign and person when the link names no email). NotFound for a token
    this service did not sign."""
    found = tracking.read_open(config, token)
    if found is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid tracking link."]})
    email = found["email_id"] or "-"
    _tracked(conn, found, "open", f"open:{found['campaign_id']}:{found['person_id']}:{email}",
             {"email_id": found["email_id"]} if found["email_id"] else {})
    return {"campaign_id": found["campaign_id"], "person_id": found["person_id"], "url": None}


def track_click(conn, token, config):
    """A click link was followed: one ``click`` response per email and link;
    returns where to send the browser. NotFound for a forged token."""
    found = tracking.read_click(config, token)
    if found is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid tracking link."]})
    link = hashlib.sha256(found["url"].encode()).hexdigest()[:32]
    email = found["email_id"] or "-"
    data = {"url": found["url"], **({"email_id": found["email_id"]} if found["email_id"] else {})}
    _tracked(conn, found, "click", f"click:{found['campaign_id']}:{found['person_id']}:{email}:{link}", data)
    return {"campaign_id": found["campaign_id"], "person_id": found["person_id"], "url": found["url"]}


# Leads' answer -------------------------------------------------------------------------------

def lead_created(conn, lead, campaign_id):
    """``lead.created`` of a lead made from a response of ``campaign_id``:
    the campaign's responses from the lead's address that named nobody now
    name the lead's person (added to the projection when it has not seen the
    lead yet), who is touched ``responded`` (at the response's time) and
    ``converted`` (now).  Returns the number of responses linked."""
    email_norm = (lead.get("email") or "").strip().lower() or None
    if email_norm is None or store.find_campaign(conn, campaign_id) is None:
        return 0
    responses = store.unlinked_responses(conn, campaign_id, email_norm)
    if not responses:
        return 0
    person = store.insert_lead_person(conn, {
        "id": lead["id"], "first_name": lead.get("first_name"), "last_name": lead.get("last_name"),
        "email": lead.get("email"), "email_norm": email_norm, "company": lead.get("company"),
        "country": lead.get("country"), "score": lead.get("score"), "status": lead.get("status"),
        "source": lead.get("source")})
    _people_changed(conn, [person["id"]])
    for response in responses:
        store.link_response(conn, response["id"], person["id"], lead["id"])
        touch(conn, str(campaign_id), str(person["id"]), TOUCHES[response["kind"]], response["at"])
    touch(conn, str(campaign_id), str(person["id"]), "converted")
    return len(responses)


def _people_changed(conn, person_ids):
    from services.campaigns.segments.upkeep import people_changed

    people_changed(conn, [str(person_id) for person_id in person_ids])
