"""Teams operations: each takes a connection inside the caller's transaction.

The seams other areas call (see the support design):

- ``route_case(conn, case) -> {"team_id", "owner_id"}``: the team by the
  routing rules (or the case's own team), then the owner by the team's
  assignment method; either may be None.
- ``assign_owner(conn, team_id) -> owner id or None``: the next owner in a
  team (escalation's move to a team uses it).
- ``team_lead(conn, team_id)``, ``team_settings(conn, team_id)``,
  ``agent(conn, user_id)`` (name and email of an agent, for mail).
"""

import uuid

import psycopg

from services.support.teams import positions, routing, store
from shared.kit import versions
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, DuplicateFound, ValidationFailed

TEAM_FIELDS = ("id", "name", "description", "lead_id", "assignment_method", "nps_enabled", "is_default", "active",
               "version", "created_by", "created_at", "updated_at")
RULE_FIELDS = ("id", "name", "position", "channels", "account_types", "tags", "keywords", "team_id", "team_name",
               "active", "version", "created_by", "created_at", "updated_at")
RULES = "routing_rules"


# Snapshots --------------------------------------------------------------------------

def member_snapshot(row):
    return {"user_id": str(row["user_id"]), "name": row["name"], "email": row["email"],
            "available": row["available"], "active": row["active"], "joined_at": plain(row["joined_at"])}


def team_snapshot(row, members):
    return {**{field: plain(row[field]) for field in TEAM_FIELDS},
            "members": [member_snapshot(member) for member in members]}


def rule_snapshot(row):
    return {field: plain(row[field]) for field in RULE_FIELDS}


def get_team(conn, team_id):
    row = store.get_team(conn, team_id)
    return team_snapshot(row, store.members_of(conn, [row["id"]])[str(row["id"])])


def list_teams(conn, active=None):
    rows = store.list_teams(conn, active)
    members = store.members_of(conn, [row["id"] for row in rows])
    return [team_snapshot(row, members[str(row["id"])]) for row in rows]


# The seams ----------------------------------------------------------------------------

def team_lead(conn, team_id):
    """The user id (str) of the team's lead, or None."""
    if not team_id:
        return None
    row = store.find_team(conn, team_id)
    return str(row["lead_id"]) if row and row["lead_id"] else None


def team_settings(conn, team_id):
    """What other areas read of a team: ``{"nps_enabled", "assignment_method",
    "lead_id", "name", "active"}``; None for no (or an unknown) team."""
    row = store.find_team(conn, team_id) if team_id else None
    if row is None:
        return None
    return {"id": str(row["id"]), "name": row["name"], "nps_enabled": row["nps_enabled"],
            "assignment_method": row["assignment_method"], "active": row["active"],
            "lead_id": plain(row["lead_id"])}


def agent(conn, user_id):
    """``{"user_id", "name", "email", "active"}`` of an agent, or None."""
    row = store.get_agent(conn, user_id) if user_id else None
    if row is None:
        return None
    return {"user_id": str(row["user_id"]), "name": row["name"], "email": row["email"], "active": row["active"]}


def agent_by_email(conn, email):
    """The active agent whose email is ``email`` (any case), or None."""
    row = conn.execute("SELECT user_id, name, email, active FROM agents WHERE lower(email) = lower(%s) AND active"
                       " ORDER BY updated_at DESC LIMIT 1", (email,)).fetchone() if email else None
    if row is None:
        return None
    return {"user_id": str(row["user_id"]), "name": row["name"], "email": row["email"], "active": row["active"]}


def assign_owner(conn, team_id, take=True):
    """The next owner of a case in team ``team_id`` by its assignment method
    (None for a manual or inactive team, or one without an available
    member).  ``take``: deal the turn (the team's row stays locked until
    the transaction ends, so concurrent cases get consecutive turns);
    without it, only say whose turn it is."""
    team = store.lock_team_turns(conn, team_id) if take else store.find_team(conn, team_id)
    if team is None or not team["active"] or team["assignment_method"] == "manual":
        return None
    member = store.next_member(conn, team_id, team["assignment_method"])
    if member is None:
        return None
    if take:
        store.take_turn(conn, team_id, member["user_id"])
    return str(member["user_id"])


def choose_team(conn, case):
    """(team row or None, rule row or None) for a case-like dict: the first
    active rule whose team is active and whose conditions hold, else the
    default team (when active)."""
    account_type = case.get("account_type")
    if account_type is None:
        account_type = store.account_type(conn, case.get("account_id"))
    facts = routing.facts_of(case, account_type)
    rules = [rule for rule in store.list_rules(conn, active_only=True) if rule["team_active"]]
    rule = routing.first_match(rules, facts)
    if rule is not None:
        return store.find_team(conn, rule["team_id"]), rule
    team = store.default_team(conn)
    return (team if team is not None and team["active"] else None), None


def route_case(conn, case):
    """``{"team_id", "owner_id"}`` for a new case (a dict of case columns, or
    the data a case is opened with): its own team when it names one, else
    the routing rules' (or the default) team; its own owner when it names
    one, else the team's next one.  Either may be None."""
    team_id = case.get("team_id")
    if not team_id:
        team, _ = choose_team(conn, case)
        team_id = team["id"] if team else None
    owner_id = case.get("owner_id")
    if not owner_id and team_id:
        owner_id = assign_owner(conn, team_id)
    return {"team_id": plain(team_id), "owner_id": plain(owner_id)}


def preview_routing(conn, data):
    """Which rule and team would take a case-like input, and who would own
    it if it were opened now; nothing is taken or written."""
    team, rule = choose_team(conn, data)
    return {
        "rule": {"id": str(rule["id"]), "name": rule["name"], "position": rule["position"]} if rule else None,
        "team": ({"id": str(team["id"]), "name": team["name"], "assignment_method": team["assignment_method"]}
                 if team else None),
        "by_default": team is not None and rule is None,
        "owner_id": assign_owner(conn, team["id"], take=False) if team else None,
    }


# Teams ----------------------------------------------------------------------------------

def _name_taken(row):
    return DuplicateFound(f"A team named {row['name']!r} exists already (id {row['id']}); pick another name.",
                          {"name": ["Taken by another team."]}, existing_id=str(row["id"]))


def _save_team(conn, write, name, exclude_id=None):
    try:
        with conn.transaction():
            return write()
    except psycopg.errors.UniqueViolation:  # a concurrent team took the name (or the default mark)
        taken = store.team_by_name(conn, name, exclude_id) if name else None
        if taken is not None:
            raise _name_taken(taken) from None
        raise Conflict("Another team was made the default at the same time; try again.") from None


def create_team(conn, data, actor):
    taken = store.team_by_name(conn, data["name"])
    if taken:
        raise _name_taken(taken)
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor}
    if values.get("is_default"):
        store.default_team(conn, lock=True)
        store.unmark_default(conn, values["id"])
    return _save_team(conn, lambda: store.insert_team(conn, values), data["name"])


def update_team(conn, team_id, changes, actor, expected_version=None):
    row = store.get_team(conn, team_id, lock="update")
    versions.check_version(row, expected_version, "team")
    values = {key: value for key, value in changes.items() if plain(row[key]) != plain(value)}
    if not values:
        return row
    if "name" in values:
        taken = store.team_by_name(conn, values["name"], exclude_id=row["id"])
        if taken:
            raise _name_taken(taken)
    if "lead_id" in values and values["lead_id"] is not None:
        members = {str(member["user_id"]) for member in store.members_of(conn, [row["id"]])[str(row["id"])]}
        if str(values["lead_id"]) not in members:
            raise ValidationFailed(f"User {values['lead_id']} is not a member of team {row['name']!r}: add them "
                                   "as a member first, then make them the lead.",
                                   {"lead_id": ["No such member: the lead is one of the team's members."]})
    if values.get("is_default"):
        store.default_team(conn, lock=True)
        store.unmark_default(conn, row["id"])
    return _save_team(conn, lambda: store.update_team(conn, row["id"], values), values.get("name"), row["id"])


def add_member(conn, team_id, member, actor):
    """Make an agent (upserted from the gateway's user: id, name, email) a
    member of the team; a member already is one (its availability is set)."""
    team = store.get_team(conn, team_id, lock="update")
    store.upsert_agent(conn, member)
    store.add_member(conn, team["id"], member["user_id"], member.get("available", True))
    store.touch_team(conn, team["id"])
    return get_team(conn, team["id"])


def update_member(conn, team_id, user_id, changes, actor):
    team = store.get_team(conn, team_id, lock="update")
    current = store.get_member(conn, team["id"], user_id, lock=True)
    if current["available"] != changes["available"]:
        store.set_available(conn, team["id"], user_id, changes["available"])
        store.touch_team(conn, team["id"])
    return get_team(conn, team["id"])


def remove_member(conn, team_id, user_id, actor):
    team = store.get_team(conn, team_id, lock="update")
    store.get_member(conn, team["id"], user_id)
    if team["lead_id"] is not None and str(team["lead_id"]) == str(user_id):
        raise Conflict(f"User {user_id} leads team {team['name']!r}: make someone else the lead (or none) first.",
                       {"user_id": ["The team's lead."]})
    store.remove_member(conn, team["id"], user_id)
    store.touch_team(conn, team["id"])
    return get_team(conn, team["id"])


# Routing rules ------------------------------------------------------------------------------

def _require_team(conn, team_id):
    if store.find_team(conn, team_id) is None:
        raise ValidationFailed(f"There is no team with id {team_id}.", {"team_id": ["No such team."]})


def create_rule(conn, data, actor):
    _require_team(conn, data["team_id"])
    positions.lock(conn, RULES)
    values = {**data, "id": str(uuid.uuid4()), "created_by": actor, "position": positions.next_position(conn, RULES),
              "team_id": str(data["team_id"])}
    store.insert_rule(conn, values)
    positions.place(conn, RULES, values["id"], data.get("position"))
    return store.get_rule(conn, values["id"])


def update_rule(conn, rule_id, changes, actor, expected_version=None):
    positions.lock(conn, RULES)
    row = store.get_rule(conn, rule_id, lock=True)
    versions.check_version(row, expected_version, "routing rule")
    values = {key: value for key, value in changes.items() if plain(row[key]) != plain(value)}
    if not values:
        return row
    if "team_id" in values:
        _require_team(conn, values["team_id"])
        values["team_id"] = str(values["team_id"])
    store.update_rule(conn, row["id"], values)
    if "position" in values:
        positions.place(conn, RULES, row["id"], values["position"])
    return store.get_rule(conn, row["id"])


def delete_rule(conn, rule_id, actor, expected_version=None):
    positions.lock(conn, RULES)
    row = store.get_rule(conn, rule_id, lock=True)
    versions.check_version(row, expected_version, "routing rule")
    store.delete_rule(conn, row["id"])
    positions.compact(conn, RULES)


def reorder_rules(conn, ids, actor):
    positions.lock(conn, RULES)
    positions.reorder(conn, RULES, ids, "routing rule")
    return store.list_rules(conn)

