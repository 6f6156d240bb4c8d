"""Escalation RPC entrypoints: thin shells over services.support.escalation.

Escalation rules as data (+ reorder) and the escalations applied to a case.
The rules are applied by the SLA sweep (``commands.on_sla_event``), not by
an RPC."""

from services.support.escalation import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.support.escalation import (
    EscalationQuerySchema,
    EscalationRuleCreateSchema,
    EscalationRuleUpdateSchema,
)
from shared.schemas.support.teams import RuleOrderSchema


class EscalationRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def list_escalation_rules(self):
        with self.db.read() as conn:
            return {"items": [commands.rule_snapshot(row) for row in store.list_rules(conn)]}

    @rpc
    def get_escalation_rule(self, rule_id):
        rule_id = load_uuid(rule_id, "escalation rule id")
        with self.db.read() as conn:
            return commands.rule_snapshot(store.get_rule(conn, rule_id))

    @rpc
    def create_escalation_rule(self, data, actor=None):
        data = load(EscalationRuleCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.rule_snapshot(commands.create_rule(conn, data, actor))

    @rpc
    def update_escalation_rule(self, rule_id, changes, actor=None, expected_version=None):
        rule_id = load_uuid(rule_id, "escalation rule id")
        changes = load(EscalationRuleUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.rule_snapshot(commands.update_rule(conn, rule_id, changes, actor, expected_version))

    @rpc
    def delete_escalation_rule(self, rule_id, actor=None, expected_version=None):
        rule_id = load_uuid(rule_id, "escalation rule id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            commands.delete_rule(conn, rule_id, actor, expected_version)
        return {"deleted": rule_id}

    @rpc
    def reorder_escalation_rules(self, ids, actor=None):
        ids = load(RuleOrderSchema(), {"ids": ids})["ids"]
        with self.db.transaction() as conn:
            return {"items": [commands.rule_snapshot(row) for row in commands.reorder_rules(conn, ids, actor)]}

    @rpc
    def list_escalations(self, query):
        """The escalations applied to a case, oldest first."""
        query = load(EscalationQuerySchema(), query or {})
        with self.db.read() as conn:
            return {"items": commands.escalations_of(conn, query["case_id"])}
