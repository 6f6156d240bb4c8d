"""Satisfaction surveys, follow-up tasks and support figures.

- The contact's survey, without signing in: the page the emailed link opens
  (``/survey/<token>``, a plain HTML form that needs no script, under a
  strict Content-Security-Policy) and the same as JSON under
  ``/api/v1/public/surveys/<token>``.  The link is signed and single use:
  404 for a link the service did not sign, 410 once expired, 409 once
  answered.  Answers count against WEB_FORM_RATE_LIMIT per address, like
  the other public form.
- Follow-up tasks a low score opened (``/api/v1/support/tasks``): mine, my
  team's, a case's; marked done.
- The support dashboards' figures (``/api/v1/support/figures``).
"""

import base64
import hashlib

from flask import Blueprint, g, render_template, request
from marshmallow import ValidationError, fields, validate

from gateway.auth import public, requires
from gateway.bodies import form_fields
from gateway.openapi import operation, undocumented
from gateway.ratelimit import enforce
from gateway.resources import call, resources
from gateway.views import actor, listing, rate_limited
from shared.schemas.errors import CrmError, NotFound
from shared.schemas.support.figures import SupportFiguresQuerySchema, SupportFiguresSchema
from shared.schemas.support.surveys import (
    COMMENT_MAX,
    TOKEN_PATTERN,
    PublicSurveySchema,
    SurveyAnsweredSchema,
    SurveyAnswerSchema,
    SurveyListSchema,
    TaskDoneSchema,
    TaskListQuerySchema,
    TaskPageSchema,
    TaskSchema,
)

bp = Blueprint("surveys", __name__)
PUBLIC_TAGS = ["public"]
TASK_TAGS = ["support tasks"]
TOKEN = {"token": fields.String(validate=validate.Regexp(TOKEN_PATTERN, error="Not a survey link's token."))}

# The page's only style, allowed by its hash: no script, nothing from elsewhere.
STYLE = (
    "body{font:1rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}"
    "main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh;box-sizing:border-box}"
    "h1{font-size:1.4rem}fieldset{border:1px solid #c8ccd2;border-radius:.4rem;margin:0 0 1rem;padding:.75rem}"
    "legend{font-weight:600;padding:0 .25rem}.scale{display:flex;flex-wrap:wrap;gap:.5rem}"
    ".scale label{display:flex;align-items:center;gap:.35rem;border:1px solid #c8ccd2;border-radius:.4rem;"
    "padding:.5rem .6rem;min-height:2.75rem;box-sizing:border-box}.scale span{color:#4a4f57;font-size:.9rem}"
    ".nps label{min-width:3.2rem}textarea{width:100%;box-sizing:border-box;font:inherit;margin-top:.25rem}"
    "label[for=comment]{display:block;font-weight:600}"
    "button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#1f5fbf;"
    "color:#fff;min-height:2.75rem}button:focus,input:focus,textarea:focus,a:focus{outline:3px solid #f0a30a;"
    "outline-offset:2px}.errors,.error{color:#a4000f}.errors{border:2px solid #a4000f;padding:.5rem 1rem;"
    "border-radius:.4rem}.message{font-size:1.1rem}.note{color:#4a4f57;font-size:.9rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
PAGE_CSP = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
CSAT_CHOICES = ((1, "Very unhappy"), (2, "Unhappy"), (3, "Neutral"), (4, "Happy"), (5, "Very happy"))
TITLES = {"open": "How did we do?", "answered": "Thank you!", "expired": "This survey has expired",
          "invalid": "This link is not valid", "error": "Something went wrong"}


# The contact's page -------------------------------------------------------------

def _page(status, state, survey=None, message=None, errors=None, values=None):
    html = render_template("survey.html", title=TITLES[state], style=STYLE, survey=survey, message=message,
                           form=state == "open", errors=errors or {}, values=values or {},
                           csat_choices=CSAT_CHOICES, comment_max=COMMENT_MAX)
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": PAGE_CSP,
                          "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                          "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _closed_page(survey):
    if survey["status"] == "answered":
        return _page(409, "answered", survey, "This survey was answered already; each survey takes one answer.")
    return _page(410, "expired", survey, f"It could be answered until {survey['expires_at'][:10]}. "
                                         "Thank you all the same.")


def _error_page(error):
    if error.status == 404:
        return _page(404, "invalid", message="Use the link of the email exactly as it came: a link cut by the "
                                             "mail program may miss its end.")
    if error.status in (409, 410):
        return _page(error.status, "answered" if error.status == 409 else "expired", message=error.detail)
    return _page(error.status if 400 <= error.status < 600 else 500, "error", message=error.detail)


def _token_or_none(token):
    try:
        return TOKEN["token"].deserialize(token)
    except ValidationError:
        return None


@bp.get("/survey/<token>")
@public
@undocumented
def survey_page(token):
    """The page the emailed link opens."""
    if _token_or_none(token) is None:
        return _error_page(_not_found())
    try:
        survey = call("support", "survey_for_link", token)
    except CrmError as error:
        return _error_page(error)
    if survey["status"] != "open":
        return _closed_page(survey)
    return _page(200, "open", survey)


def _not_found():
    return NotFound("Not a valid survey link.")


def _form_answer():
    """The posted form as the answer's fields (empty radio groups and text are no value)."""
    data = {key: value for key, value in form_fields().items() if key in ("csat", "nps", "comment")}
    unknown = sorted(set(request.form) - {"csat", "nps", "comment"})
    return data, unknown


@bp.post("/survey/<token>")
@public
@undocumented
def answer_page(token):
    """The page's form posted: thanks, or the form again with what to fix."""
    if _token_or_none(token) is None:
        return _error_page(_not_found())
    enforce("survey", resources().settings["WEB_FORM_RATE_LIMIT"])
    try:
        data, unknown = _form_answer()
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        answer = SurveyAnswerSchema().load({key: value for key, value in data.items() if value not in ("", None)})
    except ValidationError as error:
        return _answer_refused(token, error.normalized_messages(), request.form)
    try:
        call("support", "answer_survey", token, SurveyAnswerSchema().dump(answer))
    except CrmError as error:
        if error.status == 422:
            return _answer_refused(token, error.errors, request.form)
        return _error_page(error)
    return _page(200, "answered", message="Your answer was received. Thank you for taking the time!")


def _answer_refused(token, errors, form):
    try:
        survey = call("support", "survey_for_link", token)
    except CrmError as error:
        return _error_page(error)
    if survey["status"] != "open":
        return _closed_page(survey)
    errors = {key: value if isinstance(value, list) else [str(value)] for key, value in errors.items()}
    values = {key: form.get(key) for key in ("csat", "nps", "comment")}
    return _page(422, "open", survey, errors=errors, values=values)


# The same as JSON ---------------------------------------------------------------

@bp.get("/api/v1/public/surveys/<token>")
@public
@operation("A survey by its link's token", tags=PUBLIC_TAGS, response=PublicSurveySchema, path=TOKEN,
           problems=(404, 409, 410), public=True,
           description="No sign-in: the token is the last part of the emailed link. 404 for a link the service did "
                       "not sign (altered or cut), 410 once it expired (SURVEY_VALID_DAYS after sending), 409 once "
                       "answered. `nps_asked` says whether the 0-10 question is asked.")
def get_public_survey(token):
    return call("support", "survey_for_link", token, True)


@bp.post("/api/v1/public/surveys/<token>")
@public
@rate_limited("survey", "WEB_FORM_RATE_LIMIT")
@operation("Answer a survey", tags=PUBLIC_TAGS, body=SurveyAnswerSchema, response=SurveyAnsweredSchema,
           path=TOKEN, problems=(404, 409, 410, 429), public=True,
           description="CSAT 1-5 (required), a comment, NPS 0-10 only when the survey asks it (`nps_asked`; 422 "
                       "on `nps` otherwise). Single use: of two answers, even at the same moment, one is taken and "
                       "the other is 409. 404 / 410 as for reading it. Limited to WEB_FORM_RATE_LIMIT answers a "
                       "minute per client address.")
def answer_public_survey(token, body):
    return call("support", "answer_survey", token, body.wire())


# Follow-up tasks ----------------------------------------------------------------

@bp.get("/api/v1/support/tasks")
@requires("cases:write")
@operation("List follow-up tasks (soonest due first)", tags=TASK_TAGS, query=TaskListQuerySchema,
           response=TaskPageSchema,
           description="`mine=true`: the tasks assigned to me; `team_id`: a team's (the ones of its lead and of "
                       "nobody); `case_id`: a case's; `status`: open or done. A low survey score opens one for the "
                       "team lead (the case owner when the team has none), naming the case and the answer.")
def list_tasks(query):
    wire = query.wire()
    if wire.pop("mine", False):
        wire["assignee_id"] = sorted({g.principal.user_id} | set(wire.get("assignee_id") or []))
    return call("support", "list_tasks", wire)


@bp.get("/api/v1/support/tasks/<uuid:task_id>")
@requires("cases:write")
@operation("Get a follow-up task", tags=TASK_TAGS, response=TaskSchema)
def get_task(task_id):
    return call("support", "get_task", str(task_id))


@bp.post("/api/v1/support/tasks/<uuid:task_id>/done")
@requires("cases:write")
@operation("Mark a follow-up task done", tags=TASK_TAGS, body=TaskDoneSchema, body_optional=True,
           response=TaskSchema, problems=(409,),
           description="open -> done, with an optional `note` of what was done; 409 when it is done already.")
def complete_task(task_id, body):
    return call("support", "complete_task", str(task_id), body.wire(), actor())


@bp.get("/api/v1/cases/<uuid:case_id>/surveys")
@requires("cases:read")
@operation("The satisfaction surveys of a case", tags=["cases"], response=SurveyListSchema,
           description="Newest first: sent, answered (CSAT, NPS, comment) or expired.")
def case_surveys(case_id):
    return call("support", "case_surveys", str(case_id))


# Figures ------------------------------------------------------------------------

@bp.get("/api/v1/support/figures")
@requires("cases:read")
@operation("Support figures for the dashboards", tags=["support figures"], query=SupportFiguresQuerySchema,
           response=SupportFiguresSchema,
           description="For a period (`from`, `to`: dates, `to` included; default the last 30 days) and optionally "
                       "one team or agent: SLA compliance per metric, first response and resolution times (median, "
                       "p90, business seconds), backlog by age and status, per agent and team, CSAT, NPS, today's "
                       "breaches and article deflection.")
def support_figures(query):
    return listing("support", "support_figures", query)
