"""The public web form: lead capture from a company's website, no token,
rate limited per client address across every gateway process."""

from flask import Blueprint, request

from gateway.auth import public
from gateway.bodies import raw_json, reject_nul, wire
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.ratelimit import enforce
from gateway.resources import call, resources
from gateway.schemas import AcceptedSchema
from shared.schemas.leads import WebFormLeadSchema

bp = Blueprint("web_form", __name__, url_prefix="/api/v1/public")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_fields():
    data, errors = {}, {}
    for key in request.form:
        values = request.form.getlist(key)
        if len(values) > 1:
            errors[key] = ["Give this field once."]
        data[key] = values[0]
    if errors:
        raise HttpProblem(422, "Some fields are repeated; see errors.", title="Validation failed", errors=errors)
    return reject_nul(data)


@bp.post("/web-form")
@public
@operation("Submit the public lead form", tags=["public"], body=WebFormLeadSchema, response=AcceptedSchema,
           status=202, problems=(429,), public=True,
           content={"application/x-www-form-urlencoded": {"schema": WebFormLeadSchema}},
           description="JSON or an HTML form post. A person already known is credited with an engagement "
                       "instead of becoming a second lead. Limited to WEB_FORM_RATE_LIMIT submissions a minute "
                       "per client address (429 with Retry-After beyond).")
def submit_web_form():
    enforce("web-form", resources().settings["WEB_FORM_RATE_LIMIT"])
    if request.mimetype in FORM_TYPES:
        data = _form_fields()
    elif request.is_json:
        data = raw_json()
    else:
        raise HttpProblem(415, "Send the form as application/x-www-form-urlencoded or as application/json.",
                          errors={"Content-Type": ["Must be a form or JSON."]})
    if not isinstance(data, dict):
        raise HttpProblem(422, "The request body must be a JSON object.", title="Validation failed",
                          errors={"_schema": ["Expected a JSON object."]})
    loaded = WebFormLeadSchema().load(data)
    call("leads", "capture_web_form", wire(WebFormLeadSchema, loaded))
    return {"status": "received"}, 202
