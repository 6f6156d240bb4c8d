"""Users (admins only) and API tokens (one's own; admins: anyone's)."""

import uuid

from flask import Blueprint, g, url_for

from gateway import users
from gateway.auth import ensure, requires
from gateway.bodies import json_body, query_args
from gateway.idempotency import not_idempotent
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import resources
from gateway.schemas import (
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


@bp.get("/users")
@requires("users:admin")
@operation("List users", tags=USER_TAGS, query=PageQuerySchema, response=UserPageSchema)
def list_users():
    page = query_args(PageQuerySchema)
    with resources().db.connection() as conn:
        return UserPageSchema().dump(users.list_users(conn, page["cursor"], page["limit"]))


@bp.post("/users")
@requires("users:admin")
@operation("Create a user", tags=USER_TAGS, body=UserCreateSchema, response=UserSchema, status=201,
           headers={"Location": "The new user's URL."}, problems=(409,))
def create_user():
    data = json_body(UserCreateSchema)
    with resources().db.connection() as conn:
        user = users.create_user(conn, data["username"], data["role"], data.get("display_name"),
                                 data.get("password"))
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
                       "within TOKEN_CACHE_SECONDS.")
def update_user(user_id):
    changes = json_body(UserUpdateSchema)
    if not changes:
        raise HttpProblem(422, "Send at least one field to change.", title="Validation failed",
                          errors={"_schema": ["Nothing to change."]})
    res = resources()
    with res.db.connection() as conn:
        user = users.update_user(conn, user_id, changes)
        hashes = users.token_hashes_of(conn, user_id)
    res.token_cache.invalidate(*hashes)
    return UserSchema().dump(user)


@bp.post("/tokens")
@requires("self")
@not_idempotent
@operation("Create an API token (shown once)", tags=TOKEN_TAGS, body=TokenCreateSchema,
           response=TokenCreatedSchema, status=201, headers={"Location": "The token's URL (for DELETE)."},
           description="Idempotency-Key is not honoured here: the answer holds the token, which the gateway "
                       "never stores. A retried request makes a second token; revoke the unused one.")
def create_token():
    data = json_body(TokenCreateSchema)
    user_id = str(data.get("user_id") or g.principal.user_id)
    if user_id != g.principal.user_id:
        ensure("users:admin")
    with resources().db.connection() as conn:
        users.get_user(conn, user_id)
        row, token = users.create_token(conn, user_id, data["name"], users.expires_in_days(data["expires_in_days"]))
    body = TokenCreatedSchema().dump({**row, "token": token})
    return body, 201, {"Location": url_for("users.revoke_token", token_id=row["id"])}


@bp.get("/tokens")
@requires("self")
@operation("List tokens (one's own; admins may ask for a user_id)", tags=TOKEN_TAGS, query=TokenQuerySchema,
           response=TokenPageSchema)
def list_tokens():
    query = query_args(TokenQuerySchema)
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
        token_hash = users.revoke_token(conn, token_id, owner)
    res.token_cache.invalidate(token_hash)
    return "", 204
