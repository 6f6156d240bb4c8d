"""campaign.response_recorded: a response from an unknown person becomes a
lead (source campaign, with the campaign id); one from a known lead credits
its engagement; each exactly once (the inbox).

- Unknown person (``person`` null): a lead is made through the same
  capture as every batch (``records.commands.create_leads``), so the dedup
  rules hold: when an open lead with the address (or the phone at the
  company) exists, that lead is credited instead of a second one made.
- A lead of the campaigns projection (``person.kind`` lead): its lead
  (``source_id``; a merged one's survivor) is credited one engagement of
  kind ``campaign_<response kind>``; a converted or unknown lead is logged
  and acknowledged, never retried.
- A contact (sales' record): nothing for leads, no inbox row.

The lead, its history, its event and the inbox row commit together: a
redelivered or replayed event has no second effect.
"""

import logging
import uuid

from services.leads.engagement import commands as engagement
from services.leads.records import commands as records
from shared.kit.inbox import inbox_handler
from shared.kit.validation import load
from shared.schemas.errors import ValidationFailed
from shared.schemas.leads import LeadCreateSchema

log = logging.getLogger(__name__)
ACTOR = "campaigns"
# What a response's data may add to the lead, besides the name, address and company.
EXTRA_FIELDS = ("phone", "title", "country")


def _lead_id(value):
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def lead_input(response):
    """LeadCreateSchema input for a response's unknown person; None when
    even its address and name do not make a valid lead."""
    data = response.get("data") if isinstance(response.get("data"), dict) else {}
    basic = {"first_name": response.get("first_name"), "last_name": response.get("last_name"),
             "email": response.get("email"), "company": response.get("company"), "source": "campaign",
             "campaign_id": response.get("campaign_id")}
    fuller = {**basic, **{key: data[key] for key in EXTRA_FIELDS if isinstance(data.get(key), str)}}
    if isinstance(data.get("message"), str):
        fuller["notes"] = data["message"]
    for candidate in (fuller, basic):
        trimmed = {key: value[:100] if key in ("first_name", "last_name") and isinstance(value, str) else value
                   for key, value in candidate.items() if value is not None}
        try:
            return load(LeadCreateSchema(), trimmed)
        except ValidationFailed as refused:
            log.info("campaign response %s: lead fields refused (%s)", response.get("id"), refused.errors)
    return None


def credit(conn, lead_id, kind):
    lead = engagement.lead_to_credit(conn, lead_id)
    if lead is None:
        log.warning("campaign response names lead %s, which does not exist: not credited", lead_id)
        return None
    if lead["status"] == "converted":
        log.info("campaign response names lead %s, converted already: not credited", lead["id"])
        return None
    return engagement.record_engagement(conn, lead["id"], f"campaign_{kind}", ACTOR)


def capture(conn, response):
    """A lead for the response's unknown person, or the open lead it duplicates credited."""
    data = lead_input(response)
    if data is None:
        log.warning("campaign response %s makes no valid lead: ignored", response.get("id"))
        return None
    created, duplicates = records.create_leads(conn, [data], ACTOR, source_default="campaign")
    if created:
        return created[0]
    existing_id, _field = duplicates[0]
    return credit(conn, existing_id, response.get("kind") or "response")


class CampaignResponseEvents:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @inbox_handler("campaigns", "campaign.response_recorded")
    def on_campaign_response_recorded(self, event):
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        response = data.get("response") if isinstance(data.get("response"), dict) else None
        if response is None:
            log.warning("campaign.response_recorded event %s carries no response: ignored", event.get("id"))
            return
        person = response.get("person")
        if person is not None and (not isinstance(person, dict) or person.get("kind") != "lead"):
            return  # a contact (or nothing leads can read): not for leads, no inbox row needed
        lead_id = _lead_id(person.get("source_id")) if person else None
        if person is not None and lead_id is None:
            log.warning("campaign.response_recorded event %s names no valid lead id: ignored", event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is None:
                return
            if lead_id is not None:
                credit(conn, lead_id, response.get("kind") or "response")
            else:
                capture(conn, response)
