"""Contracts of the gateway's own resources: login, users, tokens, health."""

from marshmallow import ValidationError, fields, validate, validates_schema

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


class MeUpdateSchema(StrictSchema):
    """What people may change about themselves."""

    json_schema_extra = {"dependentRequired": {"password": ["current_password"]}}
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    password = fields.String(validate=PASSWORD, metadata={"description": "The new password (needs current_password)."})
    current_password = fields.String(validate=validate.Length(min=1, max=1024),
                                     metadata={"description": "The present password, to change it."})

    @validates_schema
    def current_password_with_a_new_one(self, data, **kwargs):
        if "password" in data and not data.get("current_password"):
            raise ValidationError("Give your current password to set a new one.", "current_password")


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


AUDIT_ACTIONS = ("user.created", "user.updated", "user.deleted", "token.created", "token.revoked",
                 "session.created", "session.revoked")


class AuditEventSchema(StrictSchema):
    """One change of a user or an API token, or a console sign-in or sign-out:
    who made it, when, what changed."""

    id = fields.Integer(required=True, metadata={"description": "Increases with every event."})
    occurred_at = fields.AwareDateTime(required=True)
    actor_id = fields.UUID(allow_none=True, required=True, metadata={"description": "null: the system."})
    actor = fields.String(required=True, metadata={
        "description": "The acting user's username at the time, or system:<database role> for changes made "
                       "outside the API (first start, SQL)."})
    action = fields.String(required=True, validate=validate.OneOf(AUDIT_ACTIONS))
    user_id = fields.UUID(required=True, metadata={"description": "The user concerned (for a token: its owner)."})
    username = fields.String(required=True, metadata={"description": "Their username at the time."})
    token_id = fields.UUID(allow_none=True, required=True,
                           metadata={"description": "The token, for token events; the session, for session events."})
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


class SessionUserSchema(StrictSchema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    permissions = fields.List(fields.String(), required=True)


class SessionSchema(StrictSchema):
    """The console's session: who is signed in, and the CSRF token."""

    user = fields.Nested(SessionUserSchema, required=True)
    csrf_token = fields.String(required=True, metadata={
        "description": "Send it as the X-CSRF-Token header of every POST, PUT, PATCH and DELETE (it is also the "
                       "crm_csrf cookie's value)."})
    expires_at = fields.AwareDateTime(required=True, metadata={"description": "When the session ends."})


class SessionInfoSchema(StrictSchema):
    """One browser the caller is signed in on."""

    id = fields.UUID(required=True)
    created_at = fields.AwareDateTime(required=True, metadata={"description": "When they signed in."})
    last_used_at = fields.AwareDateTime(allow_none=True, required=True,
                                        metadata={"description": "Last request, to the minute."})
    expires_at = fields.AwareDateTime(required=True)
    user_agent = fields.String(allow_none=True, required=True,
                               metadata={"description": "The browser's User-Agent at sign-in."})
    current = fields.Boolean(required=True, metadata={"description": "Whether this request came with it."})


class SessionPageSchema(StrictSchema):
    items = fields.List(fields.Nested(SessionInfoSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class DirectoryQuerySchema(PageQuerySchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100), metadata={
        "description": "Only users whose username or display name contains this text (case-insensitive)."})


class DirectoryEntrySchema(StrictSchema):
    """An active user, as an owner picker shows them."""

    username = fields.String(required=True, metadata={"description": "What owner fields take."})
    display_name = fields.String(allow_none=True, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class DirectoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(DirectoryEntrySchema), required=True, metadata={"description": "By username."})
    next_cursor = fields.String(allow_none=True)
