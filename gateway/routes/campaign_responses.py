"""Campaign responses (public tracking links included), attribution, ROI and the funnel.

- ``/api/v1/campaigns/{id}/responses``: what people did in answer to a
  campaign (web forms, clicks, opens, replies, attendance); staff record
  attendance and replies (marketing, admin), everyone reads.
- ``/api/v1/campaigns/{id}/roi`` (per attribution model), ``/funnel`` and
  ``/api/v1/campaigns/figures`` (the dashboard).
- The tracking links of campaign emails, public and signed: ``/t/o/<token>.gif``
  (the open pixel: a 1x1 GIF whatever happens, the open recorded when the
  token is one the service signed) and ``/t/c/<token>`` (a click: 302 to the
  address inside the signed token, so never an open redirect; 404 for a
  forged or altered token).  Both count against TRACKING_RATE_LIMIT per
  client address (default 600 a minute): beyond it the pixel records
  nothing and a click answers 429.
"""

import base64

from flask import Blueprint, redirect
from marshmallow import fields, validate

from gateway.auth import public, requires
from gateway.openapi import operation, undocumented
from gateway.problems import HttpProblem
from gateway.ratelimit import enforce
from gateway.resources import call, resources
from gateway.views import actor, listing
from shared.schemas.campaigns.attribution import RoiSchema
from shared.schemas.campaigns.figures import CampaignFiguresSchema, CampaignFunnelSchema, FiguresQuerySchema
from shared.schemas.campaigns.responses import (
    TOKEN_PATTERN,
    RecordedResponseSchema,
    ResponseInputSchema,
    ResponsePageSchema,
    ResponseQuerySchema,
)
from shared.schemas.errors import CrmError

bp = Blueprint("campaign_responses", __name__)
TAGS = ["campaign responses"]
FIGURE_TAGS = ["campaign figures"]
TOKEN = fields.String(validate=validate.Regexp(TOKEN_PATTERN))
# The smallest transparent GIF (1x1).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}


# Responses ------------------------------------------------------------------------------------

@bp.get("/api/v1/campaigns/<uuid:campaign_id>/responses")
@requires("campaigns:read")
@operation("List a campaign's responses (newest first)", tags=TAGS, query=ResponseQuerySchema,
           response=ResponsePageSchema,
           description="Web forms, clicks, opens, replies and attendance; `kind` filters (may repeat). `person` is "
                       "null for someone campaigns did not know (leads makes a lead of them: `lead_id` once it did).")
def list_responses(campaign_id, query):
    return listing("campaigns", "list_responses", query, str(campaign_id))


@bp.post("/api/v1/campaigns/<uuid:campaign_id>/responses")
@requires("campaigns:write")
@operation("Record a response (attendance, a reply, ...)", tags=TAGS, body=ResponseInputSchema,
           response=RecordedResponseSchema, status=201, problems=(409,),
           description="A person of the campaign people (`person_id`) or an address (`email`, with a name and "
                       "company): a person with that address is found, else leads makes a lead of the response "
                       "(source campaign). A known person becomes a member and moves along the funnel. Recorded "
                       "once per `dedup_key` (default: the same kind, person or address and data): recording it "
                       "again answers the first with `duplicate: true`; 409 when the key names another "
                       "campaign's response. 404 for an unknown campaign, 422 on `person_id` for an unknown person.")
def record_response(campaign_id, body):
    return call("campaigns", "record_response", str(campaign_id), body.wire(), actor()), 201


# Attribution and figures -------------------------------------------------------------------------

@bp.get("/api/v1/campaigns/<uuid:campaign_id>/roi")
@requires("campaigns:read")
@operation("A campaign's attributed revenue and ROI per model", tags=FIGURE_TAGS, response=RoiSchema,
           description="Revenue is each order's net total (order.placed; a paid invoice only for an order never "
                       "seen placed; a cancelled order withdrawn) of accounts whose people the campaign touched "
                       "(sent, opened, clicked, responded, attended) within ATTRIBUTION_WINDOW_DAYS before it, "
                       "shared out under five models, each model crediting exactly 100 % of every order across "
                       "its touches. ROI = (attributed revenue - cost) / cost, null without costs. Influenced "
                       "pipeline: opportunities created / won for such accounts, at their full amount.")
def campaign_roi(campaign_id):
    return call("campaigns", "campaign_roi", str(campaign_id))


@bp.get("/api/v1/campaigns/<uuid:campaign_id>/funnel")
@requires("campaigns:read")
@operation("A campaign's funnel", tags=FIGURE_TAGS, response=CampaignFunnelSchema,
           description="targeted -> sent -> opened -> clicked -> responded -> converted: members that reached each "
                       "stage, and the share of those targeted; responses per kind.")
def campaign_funnel(campaign_id):
    return call("campaigns", "campaign_funnel", str(campaign_id))


@bp.get("/api/v1/campaigns/figures")
@requires("campaigns:read")
@operation("The campaigns dashboard", tags=FIGURE_TAGS, query=FiguresQuerySchema, response=CampaignFiguresSchema,
           description="Top campaigns by attributed revenue under `model` (default linear) with cost, ROI and "
                       "responses; campaigns per status; responses in the last 30 days.")
def campaign_figures(query):
    return listing("campaigns", "campaign_figures", query)


# Tracking links ------------------------------------------------------------------------------------

def _valid(token):
    try:
        return TOKEN.deserialize(token)
    except Exception:  # noqa: BLE001 - any refusal means: not a token of ours
        return None


def _pixel():
    return PIXEL, 200, {"Content-Type": "image/gif", **NO_STORE}


def _not_found():
    return "This link is not valid.", 404, {"Content-Type": "text/plain; charset=utf-8", **NO_STORE}


def _limit():
    return int(resources().settings["TRACKING_RATE_LIMIT"])


@bp.get("/t/o/<path:token>.gif")
@public
@undocumented
def track_open(token):
    """The open pixel: the GIF whatever happens (a mail program shows no
    broken image), the open recorded for a token the service signed."""
    if _valid(token) is None:
        return _not_found()
    try:
        enforce("tracking", _limit())
        call("campaigns", "track_open", token)
    except HttpProblem as problem:
        if problem.status != 429:
            raise
    except CrmError as error:
        if error.status == 404:
            return _not_found()
        raise
    return _pixel()


@bp.get("/t/c/<path:token>")
@public
@undocumented
def track_click(token):
    """A click: 302 to the link the signed token carries; 404 for a forged one."""
    if _valid(token) is None:
        return _not_found()
    try:  # over the rate, the person still gets where the link points; the click is not counted
        enforce("tracking", _limit())
        counted = True
    except HttpProblem as problem:
        if problem.status != 429:
            raise
        counted = False
    try:
        tracked = call("campaigns", "track_click", token, counted)
    except CrmError as error:
        if error.status == 404:
            return _not_found()
        raise
    response = redirect(tracked["url"], 302)
    response.headers.update(NO_STORE)
    return response
