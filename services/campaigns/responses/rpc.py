"""Responses RPC entrypoints: web forms, clicks, opens, replies, attendance
(thin shells over services.campaigns.responses.commands)."""

import re

from services.campaigns.responses import commands, tracking
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.responses import (
    TOKEN_PATTERN,
    ResponseInputSchema,
    ResponseQuerySchema,
    WebFormResponseSchema,
)
from shared.schemas.errors import NotFound


def _token(token):
    if not isinstance(token, str) or not re.fullmatch(TOKEN_PATTERN, token):
        raise NotFound(commands.NOT_VALID, errors={"token": ["Not a valid tracking link."]})
    return token


class ResponsesRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def record_response(self, campaign_id, data, actor=None):
        """A response recorded by staff (ResponseInputSchema): the response
        with ``duplicate`` (true when its dedup key was recorded before)."""
        campaign_id = load_uuid(campaign_id, "campaign id")
        data = load(ResponseInputSchema(), data)
        with self.db.transaction() as conn:
            return commands.record(conn, campaign_id, data, "staff", actor)[0]

    @rpc
    def record_web_form_response(self, data):
        """The public web form's submission naming a campaign (WebFormResponseSchema)."""
        data = load(WebFormResponseSchema(), data)
        with self.db.transaction() as conn:
            return commands.web_form(conn, data)[0]

    @rpc
    def list_responses(self, campaign_id, query=None):
        campaign_id = load_uuid(campaign_id, "campaign id")
        query = load(ResponseQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_responses(conn, campaign_id, query)

    @rpc
    def track_open(self, token):
        """The open pixel of an email was loaded; NotFound for a forged token."""
        token = _token(token)
        with self.db.transaction() as conn:
            return commands.track_open(conn, token, self.config)

    @rpc
    def track_click(self, token, record=True):
        """A click link was followed: ``{campaign_id, person_id, url}`` to
        redirect to; NotFound for a forged token.  ``record=False`` (a client
        over the gateway's tracking rate): the address only, nothing counted."""
        token = _token(token)
        if not record:
            found = tracking.read_click(self.config, token)
            if found is None:
                raise NotFound("This link is not valid.", errors={"token": ["Not a valid link."]})
            return {"campaign_id": found["campaign_id"], "person_id": found["person_id"], "url": found["url"]}
        with self.db.transaction() as conn:
            return commands.track_click(conn, token, self.config)
