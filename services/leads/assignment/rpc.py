"""Assignment rules RPC entrypoints: thin shells over services.leads.assignment."""

from services.leads import rule_changes
from services.leads.arguments import bounded
from services.leads.assignment import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.leads import AssignmentPreviewRequestSchema, AssignmentRulesSchema


class AssignmentRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def get_assignment_rules(self):
        with self.db.read() as conn:
            return commands.rules_answer(conn)

    @rpc
    def set_assignment_rules(self, rules, actor=None):
        rules = load(AssignmentRulesSchema(), {"rules": rules})["rules"]
        with self.db.transaction() as conn:
            return commands.set_assignment_rules(conn, rules, actor)

    @rpc
    def preview_assignment_rules(self, rules, lead_ids=None):
        """Who an assignment rule set would give some leads; nothing is stored."""
        data = load(AssignmentPreviewRequestSchema(), {"rules": rules, "lead_ids": lead_ids})
        with self.db.read() as conn:
            return commands.preview(conn, data["rules"], data["lead_ids"])

    @rpc
    def assignment_rules_changes(self, cursor=None, limit=50):
        """Every change of the assignment rules, newest first: the rules as saved, their version, who and when."""
        with self.db.read() as conn:
            return rule_changes.page(conn, "assignment", cursor, bounded(limit))
