"""Users and API tokens in the gateway's schema: plain functions over a
psycopg connection (dict rows).

Every change of a user or a token is recorded in ``audit_events`` by the
database itself (triggers, gateway/migrations/0002_audit.sql), with the
actor this transaction names through ``acting_as``.

Tokens are ``crm_`` + 40 URL-safe random characters.  Only their sha256 hash
is stored (a token is as strong as a random key, so a fast hash suffices and
a lookup is one index probe); the first 8 characters are kept to tell tokens
apart.  Passwords are hashed with argon2id.

A token is of one ``kind``: ``api`` (sent as ``Authorization: Bearer``) or
``session`` (a browser session of the console, sent only in its HttpOnly
cookie); each is refused where the other belongs, and sessions are not
listed among the API tokens.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.schemas.errors import Conflict, NotFound

ROLES = ("admin", "sales", "support", "marketing", "finance", "readonly")
TOKEN_PREFIX = "crm_"
TOKEN_PATTERN = re.compile(r"^crm_[A-Za-z0-9_-]{40}$")
USER_COLUMNS = "id, username, display_name, role, active, created_at, password_hash IS NOT NULL AS has_password"
TOKEN_COLUMNS = ("t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.last_used_at, t.expires_at,"
                 " t.revoked_at")

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token():
    """(token, sha256 hex, display prefix)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(30)
    return token, hash_token(token), token[:8]


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token):
    return bool(token) and TOKEN_PATTERN.match(token) is not None


def hash_password(password):
    return _hasher.hash(password)


# -- who acts ----------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user (id, username)."""

    id: str
    username: str


def acting_as(conn, actor):
    """Name ``actor`` as the author of the changes of this transaction (the
    audit trail records them under it)."""
    conn.execute("SELECT set_config('crm.actor_id', %s, true), set_config('crm.actor', %s, true)",
                 (str(actor.id), actor.username))


# -- users -------------------------------------------------------------------

def create_user(conn, username, role, display_name=None, password=None, active=True):
    row = conn.execute(
        f"INSERT INTO users (username, display_name, role, password_hash, active) VALUES (%s, %s, %s, %s, %s)"
        f" ON CONFLICT (username) DO NOTHING RETURNING {USER_COLUMNS}",
        (username.lower(), display_name, role, hash_password(password) if password else None, active),
    ).fetchone()
    if row is None:
        raise Conflict(f"A user named {username!r} exists already.", {"username": ["Taken."]})
    return row


def get_user(conn, user_id):
    row = conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise NotFound(f"No user with id {user_id}.")
    return row


def list_users(conn, cursor=None, limit=50):
    """A page ordered by username; the cursor is the last username seen."""
    rows = conn.execute(
        f"SELECT {USER_COLUMNS} FROM users WHERE (%s::text IS NULL OR username > %s) ORDER BY username LIMIT %s",
        (cursor, cursor, limit + 1),
    ).fetchall()
    next_cursor = rows[limit - 1]["username"] if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}


def active_admins(conn, lock=False):
    sql = "SELECT id FROM users WHERE role = 'admin' AND active"
    return [row["id"] for row in conn.execute(sql + (" FOR UPDATE" if lock else "")).fetchall()]


def update_user(conn, user_id, changes, actor=None):
    """Apply role/active/password/display_name changes.  An admin cannot
    deactivate or demote themselves (``actor``), and the last active admin
    cannot be demoted or deactivated: someone must always be able to
    administer the suite."""
    current = conn.execute("SELECT id, role, active FROM users WHERE id = %s FOR UPDATE", (user_id,)).fetchone()
    if current is None:
        raise NotFound(f"No user with id {user_id}.")
    demoted = current["role"] == "admin" and changes.get("role", "admin") != "admin"
    deactivated = current["active"] and changes.get("active", True) is False
    field = "role" if demoted else "active"
    if actor is not None and str(actor.id) == str(user_id) and (demoted or deactivated):
        what = "take away your own admin role" if demoted else "deactivate yourself"
        raise Conflict(f"You cannot {what}: ask another admin to do it (make someone else admin first if you "
                       "are the only one), so that an admin is always left who can undo it.",
                       {field: ["Not on yourself."]})
    loses_admin = current["role"] == "admin" and current["active"] and (demoted or deactivated)
    if loses_admin and active_admins(conn, lock=True) == [current["id"]]:
        raise Conflict("This is the last active admin; make another user admin first.",
                       {field: ["Would leave no active admin."]})
    values = {key: changes[key] for key in ("role", "active", "display_name") if key in changes}
    if "password" in changes:
        values["password_hash"] = hash_password(changes["password"]) if changes["password"] else None
    if values:
        assignments = ", ".join(f"{column} = %s" for column in values)
        conn.execute(f"UPDATE users SET {assignments} WHERE id = %s", (*values.values(), user_id))
    return get_user(conn, user_id)


def check_password(conn, username, password):
    """The active user with this username and password, or None."""
    row = conn.execute(
        "SELECT id, password_hash FROM users WHERE username = %s AND active", (username.lower(),)
    ).fetchone()
    stored = row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["password_hash"]:
        return None
    if _hasher.check_needs_rehash(stored):
        # The same password under stronger parameters: not a change for the audit trail.
        conn.execute("SELECT set_config('crm.password_rehash', 'on', true)")
        conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (hash_password(password), row["id"]))
    return get_user(conn, row["id"])


# -- tokens ------------------------------------------------------------------

def create_token(conn, user_id, name, expires_in=None, kind="api", user_agent=None):
    """A new token (of ``kind``) for ``user_id``; returns (token row, the
    token itself), the only time the token is seen."""
    token, token_hash, prefix = new_token()
    expires_at = datetime.now(UTC) + expires_in if expires_in else None
    token_id = conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires_at, kind, user_agent)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (user_id, name, token_hash, prefix, expires_at, kind, user_agent),
    ).fetchone()["id"]
    return get_token(conn, token_id), token


def get_token(conn, token_id, user_id=None):
    row = conn.execute(
        f"SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.id = %s AND (%s::uuid IS NULL OR t.user_id = %s)",
        (token_id, user_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    return row


def list_tokens(conn, user_id=None, cursor=None, limit=50):
    """API tokens (of ``user_id``, or everyone's), newest first; revoked ones
    too.  Browser sessions are not among them (``list_sessions``)."""
    params = [user_id, user_id]
    sql = (f"SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id"
           " WHERE t.kind = 'api' AND (%s::uuid IS NULL OR t.user_id = %s)")
    if cursor:
        sql += " AND (t.created_at, t.id) < (SELECT created_at, id FROM api_tokens WHERE id = %s)"
        params.append(cursor)
    rows = conn.execute(sql + " ORDER BY t.created_at DESC, t.id DESC LIMIT %s", (*params, limit + 1)).fetchall()
    next_cursor = str(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}


def revoke_token(conn, token_id, user_id=None):
    """Revoke an API token (of ``user_id`` when given); returns its hash."""
    row = conn.execute(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())"
        " WHERE id = %s AND kind = 'api' AND (%s::uuid IS NULL OR user_id = %s) RETURNING token_hash",
        (token_id, user_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    return row["token_hash"]


def token_hashes_of(conn, user_id):
    return [row["token_hash"] for row in conn.execute(
        "SELECT token_hash FROM api_tokens WHERE user_id = %s", (user_id,)).fetchall()]


def principal_for(conn, token_hash, kind="api"):
    """The user behind a live token of ``kind`` (active user, not revoked,
    not expired), or None.  Touches ``last_used_at`` at most once a minute."""
    row = conn.execute(
        "SELECT t.id AS token_id, t.name AS token_name, t.prefix, t.expires_at, t.kind, u.id AS user_id,"
        " u.username, u.display_name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = %s AND t.kind = %s AND t.revoked_at IS NULL"
        " AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active",
        (token_hash, kind),
    ).fetchone()
    if row is not None:
        conn.execute(
            "UPDATE api_tokens SET last_used_at = now() WHERE id = %s"
            " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            (row["token_id"],),
        )
    return row


def expires_in_days(days):
    return timedelta(days=days) if days else None


# -- browser sessions ------------------------------------------------------------

SESSION_NAME = "console session"
USER_AGENT_MAX = 300
SESSION_COLUMNS = "id, created_at, last_used_at, expires_at, user_agent"


def create_session(conn, user_id, expires_in, user_agent=None):
    """A browser session for ``user_id``: (its row, the session token)."""
    user_agent = (user_agent or "").strip()[:USER_AGENT_MAX] or None
    return create_token(conn, user_id, SESSION_NAME, expires_in, kind="session", user_agent=user_agent)


def revoke_session_by_hash(conn, token_hash):
    """End the live session whose token has ``token_hash``, if any."""
    conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s AND kind = 'session'"
                 " AND revoked_at IS NULL", (token_hash,))


def revoke_session(conn, token_id):
    conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = %s AND kind = 'session'"
                 " AND revoked_at IS NULL", (token_id,))


def revoke_sessions(conn, user_id):
    """End every live session of ``user_id`` (all browsers); returns how many."""
    return conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE user_id = %s AND kind = 'session' AND revoked_at IS NULL",
        (user_id,),
    ).rowcount


def list_sessions(conn, user_id, cursor=None, limit=50):
    """The live sessions of ``user_id`` (not revoked, not expired), newest first."""
    params = [user_id]
    sql = (f"SELECT {SESSION_COLUMNS} FROM api_tokens WHERE user_id = %s AND kind = 'session'"
           " AND revoked_at IS NULL AND expires_at > now()")
    if cursor:
        sql += " AND (created_at, id) < (SELECT created_at, id FROM api_tokens WHERE id = %s)"
        params.append(cursor)
    rows = conn.execute(sql + " ORDER BY created_at DESC, id DESC LIMIT %s", (*params, limit + 1)).fetchall()
    next_cursor = str(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}


# -- the audit trail -----------------------------------------------------------

AUDIT_COLUMNS = "id, occurred_at, actor_id, actor, action, user_id, username, token_id, changes"
NEWEST_FIRST = KeysetOrder(("id", "bigint"), descending=True)


def list_audit(conn, user_id=None, actor=None, actions=None, cursor=None, limit=50):
    """Audit events, newest first: about ``user_id`` (their account and
    tokens), by ``actor`` (a username), of ``actions``."""
    where, params = [], []
    if user_id is not None:
        where.append("user_id = %s")
        params.append(user_id)
    if actor is not None:
        where.append("actor = %s")
        params.append(actor)
    if actions:
        where.append("action = ANY(%s)")
        params.append(list(actions))
    rows, next_cursor = keyset_page(conn, f"SELECT {AUDIT_COLUMNS} FROM audit_events", where, params, NEWEST_FIRST,
                                    cursor, limit)
    return {"items": rows, "next_cursor": next_cursor}
