"""Contracts of the gateway's own resources: login, users, tokens, health."""

from marshmallow import fields, validate

from gateway.users import ROLES
from shared.schemas.common import PageQuerySchema, StrictSchema, WholeNumber, filter_values

USERNAME = validate.Regexp(
    r"^[a-z0-9][a-z0-9._@-]{1,63}$",
    error="2 to 64 characters: lower-case letters, digits, '.', '_', '@', '-'; starting with a letter or digit.",
)
PASSWORD = validate.Length(min=12, max=1024, error="Between 12 and 1024 characters.")


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class LoginResultSchema(StrictSchema):
    token = fields.String(required=True, metadata={"description": "Send as 'Authorization: Bearer <token>'."})
    expires_at = fields.AwareDateTime(required=True)


class UserSchema(StrictSchema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(required=True)
    has_password = fields.Boolean(required=True, metadata={"description": "Whether the user can log in."})
    created_at = fields.AwareDateTime(required=True)


class UserPageSchema(StrictSchema):
    items = fields.List(fields.Nested(UserSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class UserCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(validate=PASSWORD,
                             metadata={"description": "Leave out for users that only use API tokens."})


class UserUpdateSchema(StrictSchema):
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean(metadata={"description": "false: the user's tokens stop working."})
    password = fields.String(allow_none=True, validate=PASSWORD, metadata={"description": "null: no login."})


class MeSchema(StrictSchema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(required=True)
    permissions = fields.List(fields.String(), required=True)
    token = fields.Dict(required=True, metadata={"description": "The token this request used: id, name, prefix."})


class TokenSchema(StrictSchema):
    id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "First 8 characters of the token."})
    created_at = fields.AwareDateTime(required=True)
    last_used_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "Shown this once; store it safely."})


class TokenPageSchema(StrictSchema):
    items = fields.List(fields.Nested(TokenSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class TokenCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    user_id = fields.UUID(metadata={"description": "Admins only: a token for someone else."})
    expires_in_days = WholeNumber(load_default=90, validate=validate.Range(min=1, max=3650))


class TokenQuerySchema(PageQuerySchema):
    user_id = fields.UUID(metadata={"description": "Admins only: someone else's tokens."})


class HealthSchema(StrictSchema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


class AcceptedSchema(StrictSchema):
    status = fields.String(required=True, metadata={"example": "received"})


class ScoreExplanationSchema(StrictSchema):
    score = fields.Integer(required=True)
    contributions = fields.List(fields.Dict(), required=True,
                                metadata={"description": "Each matching rule and its points."})


class HistoryPageSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True,
                        metadata={"description": "Changes, newest first: who, when, what."})
    next_cursor = fields.String(allow_none=True)


AUDIT_ACTIONS = ("user.created", "user.updated", "user.deleted", "token.created", "token.revoked")


class AuditEventSchema(StrictSchema):
    """One change of a user or an API token: who made it, when, what changed."""

    id = fields.Integer(required=True, metadata={"description": "Increases with every event."})
    occurred_at = fields.AwareDateTime(required=True)
    actor_id = fields.UUID(allow_none=True, required=True, metadata={"description": "null: the system."})
    actor = fields.String(required=True, metadata={
        "description": "The acting user's username at the time, or system:<database role> for changes made "
                       "outside the API (first start, SQL)."})
    action = fields.String(required=True, validate=validate.OneOf(AUDIT_ACTIONS))
    user_id = fields.UUID(required=True, metadata={"description": "The user concerned (for a token: its owner)."})
    username = fields.String(required=True, metadata={"description": "Their username at the time."})
    token_id = fields.UUID(allow_none=True, required=True, metadata={"description": "The token, for token events."})
    changes = fields.Dict(required=True, metadata={
        "description": "What changed: created records list their fields; changes are {field: [before, after]}; "
                       "a password shows only as set, changed or removed."})


class AuditPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class AuditQuerySchema(PageQuerySchema):
    user_id = fields.UUID(load_default=None, metadata={"description": "Only events about this user (their account "
                                                                      "and their tokens)."})
    actor = fields.String(load_default=None, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9._@:-]{0,99}$", error="A username, or system:<database role>."),
        metadata={"description": "Only changes made by this username (or system:<database role>).",
                  "maxLength": 100})
    action = filter_values(fields.String(validate=validate.OneOf(AUDIT_ACTIONS)),
                           metadata={"description": "Only these actions (repeat, or separate with commas)."})
