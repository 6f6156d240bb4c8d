"""Responses' event handlers: leads' ``lead.created`` for a lead made from a
campaign's response (its ``campaign_id`` names the campaign, its source is
``campaign``) links the campaign's responses from that address to the
lead's person and marks the member converted; exactly once (the inbox).

A lead of another source, or one naming no campaign this service knows, is
left alone without an inbox row; an unreadable one is logged and
acknowledged."""

import logging
import uuid

from services.campaigns.responses import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)


def _uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


class ResponseEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @inbox_handler("leads", "lead.created")
    def on_response_lead_created(self, event):
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        lead = data.get("lead") if isinstance(data.get("lead"), dict) else {}
        if lead.get("source") != "campaign" or not lead.get("campaign_id"):
            return  # not a campaign's lead: nothing to do, no inbox row needed
        lead_id, campaign_id = _uuid(lead.get("id")), _uuid(lead.get("campaign_id"))
        if lead_id is None or campaign_id is None:
            log.warning("lead.created event %s names no valid lead or campaign id: ignored", event.get("id"))
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.lead_created(conn, {**lead, "id": lead_id}, campaign_id)
