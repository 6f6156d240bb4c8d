"""Owners are users of the suite: wherever a request names an owner (a
lead's, an account's, a contact's, an opportunity's, an activity's, a
conversion's, the owners of assignment rules), it must be the username of an
active user (``gateway.users``), or the request is refused with 422 naming
the field, before any service is asked.

The users live in the gateway's own database, so each check is one indexed
query there (no cache: a user deactivated a moment ago is refused at once,
in every gateway process).  A CSV import is given the active usernames when
it starts (``active_usernames``); the leads service refuses the rows naming
another owner as row errors.
"""

from gateway.problems import HttpProblem
from gateway.resources import resources
from shared.schemas.common import unknown_owner


def active_usernames(names=None):
    """The usernames of active users (among ``names`` when given), as a set."""
    with resources().db.connection() as conn:
        if names is None:
            rows = conn.execute("SELECT username FROM users WHERE active").fetchall()
        else:
            rows = conn.execute("SELECT username FROM users WHERE active AND username = ANY(%s)",
                                (list(names),)).fetchall()
    return {row["username"] for row in rows}


def _nest(errors, path, message):
    """Put ``message`` at ``path`` in a per-field error map, the way marshmallow
    nests list items and nested objects (``{"rules": {"0": {"owners": {"1": [...]}}}}``)."""
    node = errors
    for key in path[:-1]:
        node = node.setdefault(str(key), {})
    node.setdefault(str(path[-1]), []).append(message)


def require_active(named):
    """``named``: (path, username) pairs, a path being a tuple of keys
    (``("owner",)``, ``("rules", 0, "owners", 1)``); a None username is no
    owner and passes.  422 naming every path whose username is no active user."""
    named = [(path, name) for path, name in named if name is not None]
    if not named:
        return
    known = active_usernames({name for _, name in named})
    errors = {}
    for path, name in named:
        if name not in known:
            _nest(errors, path, unknown_owner(name))
    if errors:
        unknown = sorted({repr(name) for _, name in named if name not in known})
        raise HttpProblem(422, f"No active user named {', '.join(unknown)}: an owner is the username of one of the "
                               "suite's active users (GET /api/v1/users/directory lists them).",
                          title="Validation failed", errors=errors)


def require_owner(body, field="owner"):
    """The body's ``field``, when given, names an active user (422 otherwise)."""
    require_active([((field,), body.get(field))])


def require_rule_owners(rules):
    """Every owner of every assignment rule names an active user."""
    require_active([(("rules", index, "owners", position), name)
                    for index, rule in enumerate(rules) for position, name in enumerate(rule.get("owners") or ())])


def directory(q=None, cursor=None, limit=50):
    """A page of active users by username ({username, display_name, role}):
    whose username or display name contains ``q`` (case-insensitive); the
    cursor is the last username seen."""
    pattern = None
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with resources().db.connection() as conn:
        rows = conn.execute(
            "SELECT username, display_name, role FROM users WHERE active"
            " AND (%(cursor)s::text IS NULL OR username > %(cursor)s)"
            " AND (%(pattern)s::text IS NULL OR username ILIKE %(pattern)s OR display_name ILIKE %(pattern)s)"
            " ORDER BY username LIMIT %(limit)s",
            {"cursor": cursor, "pattern": pattern, "limit": limit + 1},
        ).fetchall()
    next_cursor = rows[limit - 1]["username"] if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}
