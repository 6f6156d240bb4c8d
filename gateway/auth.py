"""Who may do what: bearer tokens, browser sessions, roles, and the one
permission table.

Every route is either ``@public`` or ``@requires("<permission>")``; the
``authorize`` hook runs before each request, answers 401 (with
``WWW-Authenticate: Bearer``) for a missing, unknown, expired or revoked
token and 403 when the token's role lacks the route's permission.  A route
marked with neither is refused (deny by default).

A request without an Authorization header but with the console's session
cookie is authenticated by that session (gateway.sessions): 401 when it has
ended, 403 for a change without its CSRF token.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, g, request

from gateway import sessions, users
from gateway.problems import HttpProblem

log = logging.getLogger(__name__)

ROLES = users.ROLES
# permission -> roles that have it.  The only place roles are mapped to rights.
PERMISSIONS = {
    "leads:read": frozenset(ROLES),
    "leads:write": frozenset({"admin", "sales", "marketing"}),
    "leads:admin": frozenset({"admin"}),  # scoring and assignment rules
    "accounts:read": frozenset(ROLES),  # accounts and contacts
    "accounts:write": frozenset({"admin", "sales"}),
    "sales:read": frozenset({"admin", "sales", "readonly"}),  # opportunities, pipelines, activities, forecast
    "sales:write": frozenset({"admin", "sales"}),  # opportunities, activities, lead conversion
    "sales:admin": frozenset({"admin"}),  # pipeline configuration, exchange rates
    "orders:read": frozenset(ROLES),  # catalog, quotes, orders, shipments, returns, invoices, payments
    "orders:write": frozenset({"admin", "sales"}),  # quotes, orders, shipments, returns
    "orders:admin": frozenset({"admin"}),  # products, price books, tax rates
    "finance:write": frozenset({"admin", "finance"}),  # issue invoices, record payments, credit notes
    "cases:read": frozenset(ROLES),  # cases, their conversations, knowledge base articles, support figures
    "cases:write": frozenset({"admin", "support"}),  # work cases: reply, notes, status, merge, assign
    "kb:write": frozenset({"admin", "support"}),  # write, review, publish and archive articles
    "support:admin": frozenset({"admin"}),  # teams, routing and escalation rules, SLA policies, calendars
    "campaigns:read": frozenset(ROLES),  # campaigns, people, segments, lists, consent, templates, sends, ROI
    "campaigns:write": frozenset({"admin", "marketing"}),  # campaigns, segments, lists, templates, sends, costs
    "users:admin": frozenset({"admin"}),  # users, other people's tokens
    "self": frozenset(ROLES),  # one's own profile and tokens
}


def permissions_of(role):
    return sorted(name for name, roles in PERMISSIONS.items() if role in roles)


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    display_name: str | None
    role: str
    token_id: str
    token_name: str
    token_prefix: str
    expires_at: datetime | None
    kind: str = "api"  # "session": signed in to the console with the session cookie

    def can(self, permission):
        return self.role in PERMISSIONS[permission]

    @classmethod
    def from_row(cls, row):
        return cls(str(row["user_id"]), row["username"], row["display_name"], row["role"], str(row["token_id"]),
                   row["token_name"], row["prefix"], row["expires_at"], row.get("kind", "api"))


class TokenCache:
    """token hash -> Principal for ``ttl`` seconds (never past the token's
    expiry).  Unknown tokens are not cached."""

    def __init__(self, ttl):
        self.ttl = ttl
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, token_hash):
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        deadline, principal = entry
        if time.monotonic() >= deadline:
            with self._lock:
                self._entries.pop(token_hash, None)
            return None
        return principal

    def put(self, token_hash, principal):
        if self.ttl <= 0:
            return
        ttl = self.ttl
        if principal.expires_at is not None:
            ttl = min(ttl, (principal.expires_at - datetime.now(UTC)).total_seconds())
        if ttl > 0:
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[token_hash] = (time.monotonic() + ttl, principal)

    def invalidate(self, *token_hashes):
        with self._lock:
            for token_hash in token_hashes:
                self._entries.pop(token_hash, None)

    def clear(self):
        with self._lock:
            self._entries.clear()


def public(view):
    """No token needed."""
    view.crm_public = True
    return view


def requires(permission):
    """The token's role must have ``permission`` (a key of PERMISSIONS)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def mark(view):
        view.crm_permission = permission
        return view

    return mark


def unauthorized(detail, error="invalid_token"):
    challenge = 'Bearer realm="crm"' + (f', error="{error}"' if error else "")
    return HttpProblem(401, detail, headers={"WWW-Authenticate": challenge})


def forbidden(permission):
    return HttpProblem(
        403, f"Your role may not do this (it needs the {permission!r} permission).", required_permission=permission
    )


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise unauthorized("Send an API token: 'Authorization: Bearer <token>' (POST /api/v1/auth/login gives one).",
                           error=None)
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Use 'Authorization: Bearer <token>'.", error="invalid_request")
    return token.strip()


def principal_for_token(token):
    if not users.looks_like_token(token):
        return None
    resources = current_app.extensions["gateway"]
    token_hash = users.hash_token(token)
    principal = resources.token_cache.get(token_hash)
    if principal is None:
        with resources.db.connection() as conn:
            row = users.principal_for(conn, token_hash)
        if row is None:
            return None
        principal = Principal.from_row(row)
        resources.token_cache.put(token_hash, principal)
    return principal


def authorize():
    """before_request hook: sets ``g.principal`` or raises 401/403."""
    g.principal = None
    if request.routing_exception is not None or request.method == "OPTIONS":
        return  # 404/405 answer as they are
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "crm_public", False):
        return
    permission = getattr(view, "crm_permission", None)
    if permission is None:
        log.error("route %s has neither @public nor @requires; refusing it", request.endpoint)
        raise HttpProblem(403, "This route is not open to anyone.")
    if sessions.uses_session_cookie():
        principal = Principal.from_row(sessions.session_row())  # never cached: sign-outs count at once
    else:
        principal = principal_for_token(bearer_token())
        if principal is None:
            raise unauthorized("The token is unknown, expired or revoked, or its user is deactivated.")
    g.principal = principal
    if not principal.can(permission):
        raise forbidden(permission)


def current_principal():
    return g.principal


def ensure(permission):
    """Inside a view: 403 unless the caller has ``permission``."""
    if not g.principal.can(permission):
        raise forbidden(permission)
