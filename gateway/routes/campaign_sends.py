"""Email sends of a campaign: schedule, progress, recipients, cancel, and a
bounce reported later.  Everyone reads them; marketing and admins send."""

from flask import Blueprint, url_for

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, listing
from shared.schemas.campaigns.sending import (
    RECIPIENT_HELP,
    BounceResultSchema,
    BounceSchema,
    RecipientPageSchema,
    RecipientQuerySchema,
    SendCreateSchema,
    SendPageSchema,
    SendQuerySchema,
    SendSchema,
)

bp = Blueprint("campaign_sends", __name__, url_prefix="/api/v1")
TAGS = ["campaign-sends"]


@bp.post("/campaigns/<uuid:campaign_id>/sends")
@requires("campaigns:write")
@operation("Send a campaign's email to an audience, now or at a time", tags=TAGS, body=SendCreateSchema,
           response=SendSchema, status=201, headers={"Location": "The send's URL."}, problems=(404, 409),
           description="The audience (a segment, a static list, or the campaign's members) is read when the send "
                       "starts, one email per person at most. Each email checks consent, suppression, the "
                       "person's do-not-email and the frequency cap when it goes: someone who may not be mailed is "
                       "recorded as suppressed with the reason. 404 for an unknown campaign; 409 unless it is a "
                       "planned or active email campaign; 422 on `template_id` or `audience.id` when unknown.")
def create_send(campaign_id, body):
    send = call("campaigns", "create_email_send", str(campaign_id), body.wire(), actor())
    return send, 201, {"Location": url_for("campaign_sends.get_send", send_id=send["id"])}


@bp.get("/campaigns/<uuid:campaign_id>/sends")
@requires("campaigns:read")
@operation("A campaign's sends, newest first", tags=TAGS, query=SendQuerySchema, response=SendPageSchema,
           problems=(404,))
def list_sends(campaign_id, query):
    return listing("campaigns", "list_email_sends", query, str(campaign_id))


@bp.get("/campaigns/sends/<uuid:send_id>")
@requires("campaigns:read")
@operation("A send's progress: its recipients per status", tags=TAGS, response=SendSchema,
           description=RECIPIENT_HELP)
def get_send(send_id):
    return call("campaigns", "get_email_send", str(send_id))


@bp.get("/campaigns/sends/<uuid:send_id>/recipients")
@requires("campaigns:read")
@operation("A send's recipients with their status and reason", tags=TAGS, query=RecipientQuerySchema,
           response=RecipientPageSchema, description=RECIPIENT_HELP)
def list_recipients(send_id, query):
    return listing("campaigns", "list_email_send_recipients", query, str(send_id))


@bp.post("/campaigns/sends/<uuid:send_id>/cancel")
@requires("campaigns:write")
@operation("Cancel a send", tags=TAGS, response=SendSchema, problems=(409,),
           description="Recipients not decided yet stay unsent (cancelled); an email already on its way finishes. "
                       "409 when the send is completed or cancelled already.")
def cancel_send(send_id):
    return call("campaigns", "cancel_email_send", str(send_id), actor())


@bp.post("/campaigns/bounces")
@requires("campaigns:write")
@operation("Record a bounce reported later (a DSN)", tags=TAGS, body=BounceSchema, response=BounceResultSchema,
           problems=(404, 409),
           description="By the bounced email's Message-ID: the email is marked bounced and its address suppressed "
                       "(a hard bounce); reporting it again changes nothing (`changed: false`). 404 when no email "
                       "of ours has that Message-ID.")
def record_bounce(body):
    return call("campaigns", "record_email_bounce", body.wire())
