"""The public web form: lead capture from a company's website, no token,
rate limited per client address across every gateway process.

A form that names a campaign (``campaign_id``, a campaign's id) is that
campaign's response: campaigns records it (once: the same submission twice is
one response) and leads makes a lead of it (source campaign, with the
campaign's id) or credits the lead it knows.  A ``campaign_id`` that is no
campaign's id goes to leads as before (kept on the lead as given)."""

import uuid

from flask import Blueprint

from gateway.auth import public
from gateway.openapi import operation
from gateway.resources import call
from gateway.schemas import AcceptedSchema
from gateway.views import rate_limited
from shared.schemas.errors import CrmError
from shared.schemas.leads import WebFormLeadSchema

bp = Blueprint("web_form", __name__, url_prefix="/api/v1/public")


@bp.post("/web-form")
@public
@rate_limited("web-form", "WEB_FORM_RATE_LIMIT")
@operation("Submit the public lead form", tags=["public"], body=WebFormLeadSchema, form=True,
           response=AcceptedSchema, status=202, problems=(429,), public=True,
           description="JSON or an HTML form post (urlencoded or multipart). A person already known is credited "
                       "with an engagement instead of becoming a second lead. With `campaign_id` naming a "
                       "campaign the submission is that campaign's response (the lead gets source campaign). "
                       "Limited to WEB_FORM_RATE_LIMIT submissions a minute per client address (429 with "
                       "Retry-After beyond).")
def submit_web_form(body):
    wire = body.wire()
    if _campaign_id(wire.get("campaign_id")) is not None:
        try:
            call("campaigns", "record_web_form_response", wire)
            return {"status": "received"}, 202
        except CrmError as error:
            if error.status != 404:
                raise  # no such campaign (404): the lead keeps what was given
    call("leads", "capture_web_form", wire)
    return {"status": "received"}, 202


def _campaign_id(value):
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None
