"""The consent ledger, and the public pages of signed links: one-click
unsubscribe (RFC 8058), preferences, double opt-in confirmation.

- Staff (``/api/v1/campaigns/consent``): an address's current decisions and
  history, a person's (by the projection's address), a decision recorded
  with its evidence (``campaigns:write``), a double opt-in started.
- The person's pages, without signing in, from the links of the emails
  (signed by the campaigns service; 404 page for a link it did not sign,
  410 for an expired confirmation link): plain HTML that needs no script,
  under a strict Content-Security-Policy, left out of the OpenAPI document
  like the survey page.

  - ``GET /u/<token>``: a page with one button; a GET never changes anything
    (mail scanners follow links).
  - ``POST /u/<token>``: the one-click unsubscribe of RFC 8058: the body
    ``List-Unsubscribe=One-Click`` (form-encoded or multipart), no sign-in,
    no CSRF token: a mail provider posts it from its own servers, so it is
    not rate limited per address either (the token is the authority);
    answers 200.
  - ``GET``/``POST /preferences/<token>``: the address's subscriptions per
    purpose, changed by a form that carries a token of its own (signed, for
    this address, a day valid), counted against WEB_FORM_RATE_LIMIT.
  - ``GET /confirm/<token>``: confirms a double opt-in (again: harmless);
    expired: 410 with a button, ``POST /confirm/<token>``, that mails a new
    link (WEB_FORM_RATE_LIMIT).

The IP address and browser of whoever follows a link are the evidence
recorded with the change.
"""

import base64
import hashlib

from flask import Blueprint, render_template, request
from marshmallow import ValidationError, fields, validate

from gateway.auth import public, requires
from gateway.bodies import reject_nul
from gateway.openapi import operation, undocumented
from gateway.ratelimit import client_ip, enforce
from gateway.resources import call, resources
from gateway.views import actor
from shared.schemas.campaigns.consent import (
    PURPOSES,
    TOKEN_PATTERN,
    ConsentOfAddressSchema,
    ConsentOfPersonSchema,
    ConsentQuerySchema,
    ConsentRecordedSchema,
    ConsentRecordSchema,
    ConsentRequestedSchema,
    ConsentRequestSchema,
)
from shared.schemas.errors import CrmError

bp = Blueprint("consent", __name__)
TAGS = ["campaign consent"]
TOKEN = fields.String(validate=validate.Regexp(TOKEN_PATTERN))
ONE_CLICK = ("List-Unsubscribe", "One-Click")

# The pages' only style, allowed by its hash: no script, nothing from elsewhere.
STYLE = (
    "body{font:1rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}"
    "main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh;box-sizing:border-box;"
    "overflow-wrap:anywhere}h1{font-size:1.4rem}"
    "fieldset{border:1px solid #c8ccd2;border-radius:.4rem;margin:0 0 1rem;padding:.75rem}"
    "legend{font-weight:600;padding:0 .25rem}label{display:inline-flex;gap:.5rem;align-items:center;"
    "min-height:2.75rem}input[type=checkbox]{width:1.25rem;height:1.25rem}"
    ".buttons{display:flex;flex-wrap:wrap;gap:.75rem}"
    "button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#1f5fbf;"
    "color:#fff;min-height:2.75rem}button.secondary{background:#fff;color:#1f5fbf;border:2px solid #1f5fbf}"
    "button:focus,input:focus,a:focus{outline:3px solid #f0a30a;outline-offset:2px}"
    ".errors{color:#a4000f;border:2px solid #a4000f;padding:.5rem 1rem;border-radius:.4rem}"
    ".message{font-size:1.1rem}.note{color:#4a4f57;font-size:.9rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
PAGE_CSP = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
INVALID = ("Use the link of the email exactly as it came: a link cut by the mail program may miss its end.")


# Staff: the ledger ---------------------------------------------------------------

@bp.get("/api/v1/campaigns/consent")
@requires("campaigns:read")
@operation("An address's consent: its current decisions and their history", tags=TAGS, query=ConsentQuerySchema,
           response=ConsentOfAddressSchema,
           description="One decision per purpose (marketing_email, newsletter, phone, sms) and channel, with its "
                       "legal basis and evidence; the history newest first. An address the ledger does not know "
                       "has none (and is mailed no marketing).")
def consent_of_address(query):
    return call("campaigns", "consent_of_address", query.wire())


@bp.get("/api/v1/campaigns/consent/person/<uuid:person_id>")
@requires("campaigns:read")
@operation("A person's consent (by their address)", tags=TAGS, response=ConsentOfPersonSchema,
           description="The person is a contact or lead of the campaigns service's people; their decisions are "
                       "their address's (one address, one decision). A person without an address has none.")
def consent_of_person(person_id):
    return call("campaigns", "consent_of_person", str(person_id))


@bp.post("/api/v1/campaigns/consent")
@requires("campaigns:write")
@operation("Record a consent decision with its evidence", tags=TAGS, body=ConsentRecordSchema,
           response=ConsentRecordedSchema,
           description="A grant or a withdrawal the person made elsewhere (on the phone, on paper, an import). "
                       "A decision the ledger holds already changes nothing (`changed: false`); otherwise the "
                       "history keeps it and `consent.changed` tells sales and leads (marketing_email withdrawn: "
                       "their contacts and leads with the address become do-not-email). 422 on `at` in the future.")
def record_consent(body):
    return call("campaigns", "record_consent", body.wire(), actor())


@bp.post("/api/v1/campaigns/consent/requests")
@requires("campaigns:write")
@operation("Ask an address for consent (double opt-in)", tags=TAGS, body=ConsentRequestSchema,
           response=ConsentRequestedSchema,
           description="With `double_opt_in` (the default) the consent is pending and the confirmation email, with "
                       "a signed link good for CONFIRM_VALID_DAYS, is queued at once; following the link grants it. "
                       "An address that granted it already is mailed nothing. Without double opt-in it is granted "
                       "at once.")
def request_consent(body):
    return call("campaigns", "request_consent", body.wire(), actor())


# The person's pages ----------------------------------------------------------------

def _page(status, title, mode=None, message=None, **values):
    html = render_template("consent.html", title=title, style=STYLE, mode=mode, message=message, **values)
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": PAGE_CSP,
                          "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                          "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _error_page(error):
    if error.status == 404:
        return _page(404, "This link is not valid", message=INVALID)
    if error.status == 410:
        return _page(410, "This link has expired", "expired", error.detail)
    if error.status == 403:
        return _page(403, "Please reload the page", message=error.detail)
    if error.status == 422:
        return _page(422, "Please check your choices", message=error.detail, errors=_messages(error.errors))
    return _page(error.status if 400 <= error.status < 600 else 500, "Something went wrong", message=error.detail)


def _messages(errors):
    return {key: value if isinstance(value, list) else [str(value)] for key, value in (errors or {}).items()}


def _valid(token):
    try:
        TOKEN.deserialize(token)
        return True
    except ValidationError:
        return False


def _evidence():
    return {"ip": client_ip() if client_ip() != "unknown" else None,
            "user_agent": (request.user_agent.string or "")[:500] or None}


def _invalid_page():
    return _page(404, "This link is not valid", message=INVALID)


def _calling(method, *args):
    """``call`` the campaigns service; a domain error becomes its page."""
    try:
        return call("campaigns", method, *args), None
    except CrmError as error:
        return None, _error_page(error)


@bp.get("/u/<token>")
@public
@undocumented
def unsubscribe_page(token):
    """The unsubscribe link opened in a browser: one button, nothing changed yet."""
    if not _valid(token):
        return _invalid_page()
    view, failed = _calling("unsubscribe_for_link", token)
    if failed:
        return failed
    if view["status"] == "withdrawn":
        return _page(200, "You are unsubscribed", email=view["email"],
                     message=f"{view['label']}: you will not receive these any more.")
    return _page(200, "Unsubscribe?", "unsubscribe", email=view["email"],
                 message=f"Stop receiving: {view['label']}.")


@bp.post("/u/<token>")
@public
@undocumented
def unsubscribe(token):
    """RFC 8058 one-click: ``List-Unsubscribe=One-Click`` posted, 200 once done (again: still 200)."""
    if not _valid(token):
        return _invalid_page()
    if request.form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        return _page(400, "Nothing was changed", message="An unsubscribe posts List-Unsubscribe=One-Click: use the "
                                                         "button of the unsubscribe page.")
    view, failed = _calling("unsubscribe", token, _evidence())
    if failed:
        return failed
    return _page(200, "You are unsubscribed", email=view["email"],
                 message=f"{view['label']}: you will not receive these any more. Changed your mind? The "
                         "preference link of our emails lets you subscribe again.")


def _preferences_page(view, status=200, message=None, errors=None):
    return _page(status, "Your email preferences", "preferences", message, email=view["email"],
                 items=view["items"], form_token=view["form_token"], errors=errors)


@bp.get("/preferences/<token>")
@public
@undocumented
def preferences_page(token):
    if not _valid(token):
        return _invalid_page()
    view, failed = _calling("preferences_for_link", token)
    return failed or _preferences_page(view)


def _preferences_form():
    """(data, errors) of the posted preference form."""
    reject_nul(request.form.to_dict(flat=False))
    errors = {name: ["Unknown field."] for name in sorted(set(request.form) - {"form_token", "subscribed", "action"})}
    for name in ("form_token", "action"):
        if len(request.form.getlist(name)) > 1:
            errors[name] = ["Give this field once."]
    action = request.form.get("action", "save")
    if action not in ("save", "none"):
        errors["action"] = ["save or none."]
    subscribed = [] if action == "none" else request.form.getlist("subscribed")
    unknown = sorted(set(subscribed) - set(PURPOSES))
    if unknown:
        errors["subscribed"] = [f"Not a subscription: {', '.join(value[:30] for value in unknown)}."]
    return {"form_token": request.form.get("form_token", ""), "subscribed": sorted(set(subscribed))}, errors


@bp.post("/preferences/<token>")
@public
@undocumented
def update_preferences(token):
    if not _valid(token):
        return _invalid_page()
    enforce("consent-preferences", resources().settings["WEB_FORM_RATE_LIMIT"])
    data, errors = _preferences_form()
    if errors:
        view, failed = _calling("preferences_for_link", token)
        return failed or _preferences_page(view, 422, errors=errors)
    view, failed = _calling("update_preferences", token, data, _evidence())
    if failed:
        return failed
    message = "Your choices are saved." if view.get("changed") else "Nothing changed: these were your choices."
    return _preferences_page(view, message=message)


@bp.get("/confirm/<token>")
@public
@undocumented
def confirm_page(token):
    """The double opt-in link opened: one button, nothing recorded yet (a
    mail scanner that fetches every link confirms nobody)."""
    if not _valid(token):
        return _invalid_page()
    view, failed = _calling("confirmation_for_link", token)
    if failed:
        return failed
    if view["state"] == "confirmed_already":
        return _page(200, "Confirmed already", email=view["email"],
                     message=f"{view['label']}: you confirmed this already. Thank you!")
    return _page(200, "Confirm your subscription", "confirm", email=view["email"],
                 message=f"{view['label']}: press the button to confirm that you want to receive these emails.")


@bp.post("/confirm/<token>")
@public
@undocumented
def confirm(token):
    """``action=confirm`` (the link's button): confirmed, or confirmed already;
    the expired page's button (any other action): a new link mailed to the
    same address."""
    if not _valid(token):
        return _invalid_page()
    if request.form.get("action") == "confirm":
        view, failed = _calling("confirm_consent", token, _evidence())
        if failed:
            return failed
        if view["state"] == "confirmed_already":
            return _page(200, "Confirmed already", email=view["email"],
                         message=f"{view['label']}: you confirmed this already. Thank you!")
        return _page(200, "Thank you for confirming", email=view["email"],
                     message=f"{view['label']}: your subscription is confirmed.")
    enforce("consent-confirm", resources().settings["WEB_FORM_RATE_LIMIT"])
    view, failed = _calling("resend_confirmation", token, _evidence())
    if failed:
        return failed
    if view["state"] == "sent":
        return _page(200, "A new link is on its way", email=view["email"],
                     message="Open the newest email we sent to this address and follow its link.")
    return _page(200, "Confirmed already", email=view["email"],
                 message=f"{view['label']}: this address confirmed already; there is nothing more to do.")
