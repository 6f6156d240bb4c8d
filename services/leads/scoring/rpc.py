"""Scoring RPC entrypoints: thin shells over services.leads.scoring."""

from services.leads import rule_changes
from services.leads.arguments import bounded, load_id
from services.leads.scoring import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.leads import ScoringPreviewRequestSchema, ScoringRulesSchema


class ScoringRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def explain_score(self, lead_id):
        with self.db.read() as conn:
            return commands.explain(conn, load_id(lead_id))

    @rpc
    def get_scoring_rules(self):
        with self.db.read() as conn:
            return commands.rules_answer(conn)

    @rpc
    def set_scoring_rules(self, rules, actor=None):
        rules = load(ScoringRulesSchema(), {"rules": rules})["rules"]
        with self.db.transaction() as conn:
            return commands.set_scoring_rules(conn, rules, actor)

    @rpc
    def preview_scoring_rules(self, rules, lead_ids=None):
        """What a scoring rule set would score some leads; nothing is stored."""
        data = load(ScoringPreviewRequestSchema(), {"rules": rules, "lead_ids": lead_ids})
        with self.db.read() as conn:
            return commands.preview(conn, data["rules"], data["lead_ids"])

    @rpc
    def scoring_rules_changes(self, cursor=None, limit=50):
        """Every change of the scoring rules, newest first: the rules as saved, their version, who and when."""
        with self.db.read() as conn:
            return rule_changes.page(conn, "scoring", cursor, bounded(limit))
