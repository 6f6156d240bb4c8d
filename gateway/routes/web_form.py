"""The public web form: lead capture from a company's website, no token,
rate limited per client address across every gateway process."""

from flask import Blueprint

from gateway.auth import public
from gateway.openapi import operation
from gateway.resources import call
from gateway.schemas import AcceptedSchema
from gateway.views import rate_limited
from shared.schemas.leads import WebFormLeadSchema

bp = Blueprint("web_form", __name__, url_prefix="/api/v1/public")


@bp.post("/web-form")
@public
@rate_limited("web-form", "WEB_FORM_RATE_LIMIT")
@operation("Submit the public lead form", tags=["public"], body=WebFormLeadSchema, form=True,
           response=AcceptedSchema, status=202, problems=(429,), public=True,
           description="JSON or an HTML form post (urlencoded or multipart). A person already known is credited "
                       "with an engagement instead of becoming a second lead. Limited to WEB_FORM_RATE_LIMIT "
                       "submissions a minute per client address (429 with Retry-After beyond).")
def submit_web_form(body):
    call("leads", "capture_web_form", body.wire())
    return {"status": "received"}, 202
