"""Teams RPC entrypoints: thin shells over services.support.teams.

Teams and their members (agents: users of the suite, whose id, name and
email the gateway passes), routing rules (+ reorder) and the routing
preview.  Writes run in one transaction each, keyed when the caller sends an
idempotency key (see shared.kit.entrypoints)."""

from services.support.teams import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.support.teams import (
    AgentQuerySchema,
    RoutingPreviewSchema,
    RoutingRuleCreateSchema,
    RoutingRuleUpdateSchema,
    RuleOrderSchema,
    TeamCreateSchema,
    TeamMemberAddSchema,
    TeamMemberUpdateSchema,
    TeamQuerySchema,
    TeamUpdateSchema,
)


class TeamsRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    # Teams

    @rpc
    def create_team(self, data, actor=None):
        data = load(TeamCreateSchema(), data)
        with self.db.transaction() as conn:
            row = commands.create_team(conn, data, actor)
            return commands.get_team(conn, row["id"])

    @rpc
    def get_team(self, team_id):
        team_id = load_uuid(team_id, "team id")
        with self.db.read() as conn:
            return commands.get_team(conn, team_id)

    @rpc
    def list_teams(self, query=None):
        query = load(TeamQuerySchema(), query or {})
        with self.db.read() as conn:
            return {"items": commands.list_teams(conn, query["active"])}

    @rpc
    def update_team(self, team_id, changes, actor=None, expected_version=None):
        team_id = load_uuid(team_id, "team id")
        changes = load(TeamUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            row = commands.update_team(conn, team_id, changes, actor, expected_version)
            return commands.get_team(conn, row["id"])

    @rpc
    def add_team_member(self, team_id, member, actor=None):
        """``member``: ``{user_id, name, email, available}`` (the agent is upserted)."""
        team_id = load_uuid(team_id, "team id")
        member = load(TeamMemberAddSchema(), member)
        with self.db.transaction() as conn:
            return commands.add_member(conn, team_id, member, actor)

    @rpc
    def update_team_member(self, team_id, user_id, changes, actor=None):
        team_id = load_uuid(team_id, "team id")
        user_id = load_uuid(user_id, "user id")
        changes = load(TeamMemberUpdateSchema(), changes)
        with self.db.transaction() as conn:
            return commands.update_member(conn, team_id, user_id, changes, actor)

    @rpc
    def remove_team_member(self, team_id, user_id, actor=None):
        team_id = load_uuid(team_id, "team id")
        user_id = load_uuid(user_id, "user id")
        with self.db.transaction() as conn:
            return commands.remove_member(conn, team_id, user_id, actor)

    @rpc
    def list_agents(self, query=None):
        """The agents (members of teams, past or present) with their teams."""
        query = load(AgentQuerySchema(), query or {})
        with self.db.read() as conn:
            rows = store.list_agents(conn, query["team_id"], query["active"])
        return {"items": [{"user_id": str(row["user_id"]), "name": row["name"], "active": row["active"],
                           "teams": row["teams"]} for row in rows]}

    # Routing rules

    @rpc
    def list_routing_rules(self):
        with self.db.read() as conn:
            return {"items": [commands.rule_snapshot(row) for row in store.list_rules(conn)]}

    @rpc
    def get_routing_rule(self, rule_id):
        rule_id = load_uuid(rule_id, "routing rule id")
        with self.db.read() as conn:
            return commands.rule_snapshot(store.get_rule(conn, rule_id))

    @rpc
    def create_routing_rule(self, data, actor=None):
        data = load(RoutingRuleCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.rule_snapshot(commands.create_rule(conn, data, actor))

    @rpc
    def update_routing_rule(self, rule_id, changes, actor=None, expected_version=None):
        rule_id = load_uuid(rule_id, "routing rule id")
        changes = load(RoutingRuleUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.rule_snapshot(commands.update_rule(conn, rule_id, changes, actor, expected_version))

    @rpc
    def delete_routing_rule(self, rule_id, actor=None, expected_version=None):
        rule_id = load_uuid(rule_id, "routing rule id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            commands.delete_rule(conn, rule_id, actor, expected_version)
        return {"deleted": rule_id}

    @rpc
    def reorder_routing_rules(self, ids, actor=None):
        ids = load(RuleOrderSchema(), {"ids": ids})["ids"]
        with self.db.transaction() as conn:
            return {"items": [commands.rule_snapshot(row) for row in commands.reorder_rules(conn, ids, actor)]}

    @rpc
    def preview_routing(self, data):
        """Which rule and team would take a case-like input, and who would own it now."""
        data = load(RoutingPreviewSchema(), data or {})
        with self.db.read() as conn:
            return commands.preview_routing(conn, data)
