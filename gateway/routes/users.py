"""Users (admins only; their directory, to pick owners from: everyone), API tokens (one's own; admins: anyone's) and the
audit trail of their changes (admins only).  Every change names its actor
(``users.acting_as``), which the audit trail records."""

import uuid

from flask import Blueprint, g, url_for

from gateway import owners, users
from gateway.auth import ensure, requires
from gateway.idempotency import not_idempotent
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import resources
from gateway.schemas import (
    AuditPageSchema,
    AuditQuerySchema,
    DirectoryPageSchema,
    DirectoryQuerySchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenPageSchema,
    TokenQuerySchema,
    UserCreateSchema,
    UserPageSchema,
    UserSchema,
    UserUpdateSchema,
)
from shared.schemas.common import PageQuerySchema

bp = Blueprint("users", __name__, url_prefix="/api/v1")
USER_TAGS = ["users"]
TOKEN_TAGS = ["tokens"]
AUDIT_TAGS = ["audit"]


def _caller():
    return users.Actor(g.principal.user_id, g.principal.username)


def _acting(conn):
    """Name the caller as the author of this transaction's changes."""
    users.acting_as(conn, _caller())
    return conn


@bp.get("/users")
@requires("users:admin")
@operation("List users", tags=USER_TAGS, query=PageQuerySchema, response=UserPageSchema)
def list_users(query):
    with resources().db.connection() as conn:
        return UserPageSchema().dump(users.list_users(conn, query["cursor"], query["limit"]))


@bp.get("/users/directory")
@requires("self")
@operation("The suite's active users, to pick an owner from", tags=USER_TAGS, query=DirectoryQuerySchema,
           response=DirectoryPageSchema,
           description="Every role may read it. Owner fields (of leads, accounts, contacts, opportunities, "
                       "activities, conversions and assignment rules) take one of these usernames; any other is "
                       "refused with 422.")
def user_directory(query):
    return DirectoryPageSchema().dump(owners.directory(query["q"], query["cursor"], query["limit"]))


@bp.post("/users")
@requires("users:admin")
@operation("Create a user", tags=USER_TAGS, body=UserCreateSchema, response=UserSchema, status=201,
           headers={"Location": "The new user's URL."}, problems=(409,))
def create_user(body):
    with resources().db.connection() as conn:
        user = users.create_user(_acting(conn), body["username"], body["role"], body.get("display_name"),
                                 body.get("password"))
    return UserSchema().dump(user), 201, {"Location": url_for("users.get_user", user_id=user["id"])}


@bp.get("/users/<uuid:user_id>")
@requires("users:admin")
@operation("Get a user", tags=USER_TAGS, response=UserSchema)
def get_user(user_id):
    with resources().db.connection() as conn:
        return UserSchema().dump(users.get_user(conn, user_id))


@bp.patch("/users/<uuid:user_id>")
@requires("users:admin")
@operation("Change a user's role, display name, active flag or password", tags=USER_TAGS, body=UserUpdateSchema,
           response=UserSchema, problems=(409,),
           description="Deactivating a user or changing their role takes effect on every gateway process "
                       "within TOKEN_CACHE_SECONDS. 409 when an admin would deactivate or demote themselves "
                       "(another admin must do it), or when the last active admin would be deactivated or "
                       "demoted (make another user admin first).")
def update_user(user_id, body):
    res = resources()
    with res.db.connection() as conn:
        user = users.update_user(_acting(conn), user_id, body, _caller())
        hashes = users.token_hashes_of(conn, user_id)
    res.token_cache.invalidate(*hashes)
    return UserSchema().dump(user)


@bp.post("/tokens")
@requires("self")
@not_idempotent
@operation("Create an API token (shown once)", tags=TOKEN_TAGS, body=TokenCreateSchema,
           response=TokenCreatedSchema, status=201, headers={"Location": "The token's URL (for DELETE)."},
           problems=(404,),
           description="Idempotency-Key is not honoured here: the answer holds the token, which the gateway "
                       "never stores. A retried request makes a second token; revoke the unused one. 404 when "
                       "`user_id` names no user.")
def create_token(body):
    user_id = str(body.get("user_id") or g.principal.user_id)
    if user_id != g.principal.user_id:
        ensure("users:admin")
    with resources().db.connection() as conn:
        users.get_user(conn, user_id)
        row, token = users.create_token(_acting(conn), user_id, body["name"],
                                        users.expires_in_days(body["expires_in_days"]))
    location = url_for("users.revoke_token", token_id=row["id"])
    return TokenCreatedSchema().dump({**row, "token": token}), 201, {"Location": location}


@bp.get("/tokens")
@requires("self")
@operation("List tokens (one's own; admins may ask for a user_id)", tags=TOKEN_TAGS, query=TokenQuerySchema,
           response=TokenPageSchema)
def list_tokens(query):
    user_id = str(query.get("user_id") or g.principal.user_id)
    if user_id != g.principal.user_id:
        ensure("users:admin")
    if query["cursor"] is not None:
        try:
            uuid.UUID(query["cursor"])
        except ValueError:
            raise HttpProblem(422, "The cursor is not one this API gave out.", title="Validation failed",
                              errors={"cursor": ["Invalid cursor."]}) from None
    with resources().db.connection() as conn:
        return TokenPageSchema().dump(users.list_tokens(conn, user_id, query["cursor"], query["limit"]))


@bp.delete("/tokens/<uuid:token_id>")
@requires("self")
@operation("Revoke a token (one's own; admins: anyone's)", tags=TOKEN_TAGS, status=204)
def revoke_token(token_id):
    res = resources()
    owner = None if g.principal.can("users:admin") else g.principal.user_id
    with res.db.connection() as conn:
        token_hash = users.revoke_token(_acting(conn), token_id, owner)
    res.token_cache.invalidate(token_hash)
    return "", 204


@bp.get("/audit")
@requires("users:admin")
@operation("The audit trail: who changed users, roles and API tokens, and when", tags=AUDIT_TAGS,
           query=AuditQuerySchema, response=AuditPageSchema,
           description="Newest first. Every change of a user (created, role, active, display name, password) and "
                       "of a token (created, revoked, logins included) is recorded, whichever way it was made, "
                       "and so are console sign-ins and sign-outs (session.created, session.revoked). "
                       "Scoring and assignment rule changes are shown by the leads service "
                       "(`changed_by`), pipelines and exchange rates by the sales service.")
def list_audit(query):
    with resources().db.connection() as conn:
        return AuditPageSchema().dump(users.list_audit(conn, query["user_id"], query["actor"], query["action"],
                                                       query["cursor"], query["limit"]))
