"""Browser sessions of the web console: an HttpOnly cookie and a CSRF token.

Signing in (POST /api/v1/auth/session) makes a token of kind ``session``
(gateway.users) and sets two cookies:

- ``crm_session``: the token; HttpOnly, so no script can read it;
- ``crm_csrf``: the CSRF token, readable by the console's scripts, which send
  it back in the ``X-CSRF-Token`` header of every POST, PUT, PATCH and DELETE.

The CSRF token is derived from the session token (nothing more is stored);
another site can make a browser send the cookies but cannot read them, so it
cannot send the header.  Both cookies are ``SameSite=Lax; Path=/`` and
``Secure`` when the request came over HTTPS (as seen through
TRUSTED_PROXY_HOPS trusted proxies) or SESSION_COOKIE_SECURE is true.

Sessions are looked up in the database on every request, never cached, so
signing out (here or everywhere) and deactivating a user take effect at once
on every gateway process.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from flask import g, request

from gateway import users
from gateway.problems import HttpProblem
from gateway.resources import resources

SESSION_COOKIE = "crm_session"
CSRF_COOKIE = "crm_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ENDED = "Your session has ended; sign in again."
CSRF_MISSING = f"This request needs the {CSRF_HEADER} header (the {CSRF_COOKIE} cookie's value); reload the console."


def csrf_token_for(token):
    return hashlib.sha256(f"csrf:{token}".encode()).hexdigest()[:43]


def session_cookie():
    """The session token this request's cookie carries, or None."""
    return request.cookies.get(SESSION_COOKIE) or None


def uses_session_cookie():
    """A request authenticates by its session cookie when it has one and no
    Authorization header (the header wins)."""
    return not request.headers.get("Authorization") and session_cookie() is not None


def session_ended():
    g.crm_end_session_cookies = True
    return HttpProblem(401, ENDED, title="Session ended")


def check_csrf(token):
    """403 for a change (POST, PUT, PATCH, DELETE) without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token_for(token).encode()):
        raise HttpProblem(403, CSRF_MISSING, title="CSRF token missing or wrong")


def session_row():
    """The live session behind this request's cookie (a principal row) or 401."""
    token = session_cookie()
    if not users.looks_like_token(token):
        raise session_ended()
    with resources().db.connection() as conn:
        row = users.principal_for(conn, users.hash_token(token), kind="session")
    if row is None:
        raise session_ended()
    check_csrf(token)
    return row


def _cookie_attributes():
    secure = request.is_secure or resources().settings["SESSION_COOKIE_SECURE"]
    return {"path": "/", "secure": secure, "samesite": "Lax"}


def set_cookies(response, token, expires_at):
    """Set the session and CSRF cookies of ``token`` on ``response``."""
    attributes = _cookie_attributes()
    attributes["expires"] = expires_at
    attributes["max_age"] = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, **attributes)
    response.set_cookie(CSRF_COOKIE, csrf_token_for(token), httponly=False, **attributes)
    return response


def clear_cookies(response):
    attributes = _cookie_attributes()
    response.delete_cookie(SESSION_COOKIE, httponly=True, **attributes)
    response.delete_cookie(CSRF_COOKIE, httponly=False, **attributes)
    return response


def clear_ended_session_cookies(response):
    """after_request hook: a refused session cookie is cleared."""
    if g.get("crm_end_session_cookies"):
        clear_cookies(response)
    return response
