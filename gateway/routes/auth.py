"""Logging in and asking who one is."""

from datetime import timedelta

from flask import Blueprint, g

from gateway import users
from gateway.auth import permissions_of, public, requires, unauthorized
from gateway.openapi import operation
from gateway.resources import resources
from gateway.schemas import LoginResultSchema, LoginSchema, MeSchema
from gateway.views import rate_limited

bp = Blueprint("auth", __name__, url_prefix="/api/v1")
TAGS = ["auth"]


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
            raise unauthorized("Wrong username or password, or the user is deactivated.", error=None)
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
