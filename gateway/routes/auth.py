"""Logging in, the console's browser sessions, and asking who one is."""

import uuid
from datetime import timedelta

from flask import Blueprint, g, make_response, request

from gateway import sessions, users
from gateway.auth import permissions_of, public, requires, unauthorized
from gateway.idempotency import not_idempotent
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import resources
from gateway.schemas import (
    LoginResultSchema,
    LoginSchema,
    MeSchema,
    MeUpdateSchema,
    SessionPageSchema,
    SessionSchema,
    UserSchema,
)
from gateway.views import rate_limited
from shared.schemas.common import PageQuerySchema
from shared.schemas.errors import ValidationFailed

bp = Blueprint("auth", __name__, url_prefix="/api/v1")
bp.after_app_request(sessions.clear_ended_session_cookies)
TAGS = ["auth"]
WRONG_PASSWORD = "Wrong username or password, or the user is deactivated."
SESSION_COOKIES = ("Sets the crm_session cookie (the session; HttpOnly) and the crm_csrf cookie (the CSRF token), "
                   "both SameSite=Lax, Path=/, Secure over HTTPS.")
NO_SESSION = ("This request used an API token, not the console's session cookie, so it has no session: sign in "
              "with POST /api/v1/auth/session, or revoke API tokens with DELETE /api/v1/tokens/{token_id}.")


@bp.post("/auth/login")
@public
@rate_limited("login", "LOGIN_RATE_LIMIT")
@operation("Exchange a username and password for an API token", tags=TAGS, body=LoginSchema,
           response=LoginResultSchema, problems=(401, 429), public=True,
           description="The token expires after LOGIN_TOKEN_HOURS (12 by default). 401 for a wrong username or "
                       "password, or a deactivated user. Attempts are rate limited per client address (429 with "
                       "Retry-After beyond LOGIN_RATE_LIMIT a minute).")
def login(body):
    res = resources()
    with res.db.connection() as conn:
        user = users.check_password(conn, body["username"], body["password"])
        if user is None:
            raise unauthorized(WRONG_PASSWORD, error=None)
        users.acting_as(conn, users.Actor(user["id"], user["username"]))
        row, token = users.create_token(conn, user["id"], "login",
                                        timedelta(hours=res.settings["LOGIN_TOKEN_HOURS"]))
    return LoginResultSchema().dump({"token": token, "expires_at": row["expires_at"]})


@bp.get("/me")
@requires("self")
@operation("Who am I: the caller's user, role, permissions and token", tags=TAGS, response=MeSchema)
def me():
    principal = g.principal
    return MeSchema().dump({
        "id": principal.user_id, "username": principal.username, "display_name": principal.display_name,
        "role": principal.role, "permissions": permissions_of(principal.role),
        "token": {"id": principal.token_id, "name": principal.token_name, "prefix": principal.token_prefix},
    })


@bp.patch("/me")
@requires("self")
@operation("Change one's own display name or password", tags=TAGS, body=MeUpdateSchema, response=UserSchema,
           problems=(422,),
           description="A new password needs `current_password`; a wrong one is a 422 on `current_password`. "
                       "Role and active flag are changed by an admin (PATCH /api/v1/users/{id}).")
def update_me(body):
    res = resources()
    principal = g.principal
    changes = {key: body[key] for key in ("display_name", "password") if key in body}
    with res.db.connection() as conn:
        if "password" in changes and users.check_password(conn, principal.username, body["current_password"]) is None:
            raise ValidationFailed("The current password is wrong.",
                                   {"current_password": ["This is not your current password; type it again."]})
        users.acting_as(conn, users.Actor(principal.user_id, principal.username))
        user = users.update_user(conn, principal.user_id, changes, users.Actor(principal.user_id, principal.username))
        hashes = users.token_hashes_of(conn, principal.user_id)
    res.token_cache.invalidate(*hashes)
    return UserSchema().dump(user)


def _session_body(user, csrf_token, expires_at):
    return SessionSchema().dump({
        "user": {"id": user["id"], "username": user["username"], "display_name": user["display_name"],
                 "role": user["role"], "permissions": permissions_of(user["role"])},
        "csrf_token": csrf_token, "expires_at": expires_at,
    })


def _session_principal():
    """The caller's session (404 when the request used an API token)."""
    if g.principal.kind != "session":
        raise HttpProblem(404, NO_SESSION, title="No session")
    return g.principal


@bp.post("/auth/session")
@public
@rate_limited("login", "LOGIN_RATE_LIMIT")
@operation("Sign in to the web console: a browser session in an HttpOnly cookie", tags=TAGS, body=LoginSchema,
           response=SessionSchema, problems=(401, 429), public=True, headers={"Set-Cookie": SESSION_COOKIES},
           description="For browsers. The session lasts SESSION_HOURS (12 by default) and is sent back by the "
                       "browser in the crm_session cookie, which scripts cannot read; every POST, PUT, PATCH and "
                       "DELETE made with it must carry the X-CSRF-Token header (the answer's `csrf_token`, also "
                       "the crm_csrf cookie's value), else 403. A session this browser had before ends. 401 for "
                       "a wrong username or password, or a deactivated user. Attempts count against the same "
                       "limit as POST /api/v1/auth/login (429 with Retry-After beyond LOGIN_RATE_LIMIT a "
                       "minute per client address).")
def create_session(body):
    res = resources()
    with res.db.connection() as conn:
        user = users.check_password(conn, body["username"], body["password"])
        if user is None:
            raise unauthorized(WRONG_PASSWORD, error=None)
        users.acting_as(conn, users.Actor(user["id"], user["username"]))
        previous = sessions.session_cookie()
        if users.looks_like_token(previous):
            users.revoke_session_by_hash(conn, users.hash_token(previous))
        row, token = users.create_session(conn, user["id"], timedelta(hours=res.settings["SESSION_HOURS"]),
                                          request.headers.get("User-Agent"))
    response = make_response(_session_body(user, sessions.csrf_token_for(token), row["expires_at"]))
    return sessions.set_cookies(response, token, row["expires_at"])


@bp.get("/auth/session")
@requires("self")
@operation("The console's session: who is signed in, and the CSRF token", tags=TAGS, response=SessionSchema,
           problems=(404,),
           description="The console asks this at start-up: 200 while its session cookie is live, 401 once the "
                       "session has ended (signed out, expired, or the user deactivated). 404 for a request made "
                       "with an API token (it has no session).")
def get_session():
    principal = _session_principal()
    user = {"id": principal.user_id, "username": principal.username, "display_name": principal.display_name,
            "role": principal.role}
    return _session_body(user, sessions.csrf_token_for(sessions.session_cookie()), principal.expires_at)


@bp.delete("/auth/session")
@requires("self")
@operation("Sign out of the console in this browser", tags=TAGS, status=204, problems=(404,),
           headers={"Set-Cookie": "Clears the crm_session and crm_csrf cookies."},
           description="Ends this session at once on every gateway process and clears its cookies; needs the "
                       "X-CSRF-Token header. 404 for a request made with an API token (it has no session).")
def delete_session():
    principal = _session_principal()
    with resources().db.connection() as conn:
        users.acting_as(conn, users.Actor(principal.user_id, principal.username))
        users.revoke_session(conn, principal.token_id)
    return sessions.clear_cookies(make_response("", 204))


@bp.post("/auth/sign-out-everywhere")
@requires("self")
@not_idempotent
@operation("Sign out of the console on every browser", tags=TAGS, status=204,
           headers={"Set-Cookie": "Clears the crm_session and crm_csrf cookies."},
           description="Ends every console session of the caller at once, on every gateway process, and clears "
                       "this browser's cookies; with the session cookie it needs the X-CSRF-Token header. API "
                       "tokens keep working (revoke them with DELETE /api/v1/tokens/{token_id}). Safe to repeat, "
                       "so Idempotency-Key is not needed: a repeat signs out sessions made since.")
def sign_out_everywhere():
    principal = g.principal
    with resources().db.connection() as conn:
        users.acting_as(conn, users.Actor(principal.user_id, principal.username))
        users.revoke_sessions(conn, principal.user_id)
    return sessions.clear_cookies(make_response("", 204))


@bp.get("/auth/sessions")
@requires("self")
@operation("The browsers the caller is signed in on (live console sessions)", tags=TAGS, query=PageQuerySchema,
           response=SessionPageSchema,
           description="Newest first; `current` marks the session this request came with. Ended sessions "
                       "(signed out, expired) are left out.")
def list_sessions(query):
    if query["cursor"] is not None:
        try:
            uuid.UUID(query["cursor"])
        except ValueError:
            raise HttpProblem(422, "The cursor is not one this API gave out.", title="Validation failed",
                              errors={"cursor": ["Invalid cursor."]}) from None
    current = g.principal.token_id if g.principal.kind == "session" else None
    with resources().db.connection() as conn:
        page = users.list_sessions(conn, g.principal.user_id, query["cursor"], query["limit"])
    page["items"] = [{**row, "current": str(row["id"]) == current} for row in page["items"]]
    return SessionPageSchema().dump(page)
