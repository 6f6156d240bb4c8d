"""The leads service: nameko entrypoints, each a thin shell that loads its
input through the shared schemas, runs one operation in one transaction and
dumps the result."""

from services.leads import commands, imports, store
from services.leads.account_events import AccountMerges
from services.leads.activity_events import ActivityEngagement
from services.leads.conversion import LeadConversionRpc
from services.leads.worker import LeadsWorker
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.service import Service
from shared.kit.validation import load, load_uuid, whole_number
from shared.schemas.leads import (
    AssignmentRulesSchema,
    AssignSchema,
    EngagementSchema,
    LeadCreateSchema,
    LeadQuerySchema,
    LeadUpdateSchema,
    MergeSchema,
    ScoringRulesSchema,
    WebFormLeadSchema,
)

snapshot = commands.snapshot


class LeadsService(Service, LeadConversionRpc, ActivityEngagement, AccountMerges):
    name = "leads"

    worker = LeadsWorker()

    @rpc
    def create_lead(self, data, actor=None):
        data = load(LeadCreateSchema(), data)
        with self.db.transaction() as conn:
            return snapshot(commands.create_lead(conn, data, actor))

    @rpc
    def capture_web_form(self, data):
        """A public form submission; a known person is credited with an
        engagement instead of becoming a second lead."""
        data = load(WebFormLeadSchema(), data)
        data["notes"] = data.pop("message", None)
        with self.db.transaction() as conn:
            created, duplicates = commands.create_leads(conn, [data], "web-form", source_default="web_form")
            if duplicates and duplicates[0][0]:
                commands.record_engagement(conn, duplicates[0][0], "web_form", "web-form")
        return {"status": "received"}

    @rpc
    def get_lead(self, lead_id):
        with self.db.transaction() as conn:
            return snapshot(store.get_lead(conn, load_id(lead_id)))

    @rpc
    def list_leads(self, query=None):
        query = load(LeadQuerySchema(), query or {})
        with self.db.transaction() as conn:
            rows, next_cursor = store.list_leads(conn, query)
        return {"items": [snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def count_leads(self, query=None):
        query = load(LeadQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return store.count_leads(conn, query)

    @rpc
    def update_lead(self, lead_id, changes, actor=None, expected_version=None):
        changes = load(LeadUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return snapshot(commands.update_lead(conn, load_id(lead_id), changes, actor, expected_version))

    @rpc
    def assign_lead(self, lead_id, owner, actor=None):
        owner = load(AssignSchema(), {"owner": owner})["owner"]
        with self.db.transaction() as conn:
            return snapshot(commands.assign_lead(conn, load_id(lead_id), owner, actor))

    @rpc
    def merge_leads(self, lead_id, duplicate_id, actor=None):
        duplicate_id = load(MergeSchema(), {"duplicate_id": duplicate_id})["duplicate_id"]
        with self.db.transaction() as conn:
            return snapshot(commands.merge(conn, load_id(lead_id), str(duplicate_id), actor))

    @rpc
    def record_engagement(self, lead_id, kind, actor=None):
        kind = load(EngagementSchema(), {"kind": kind})["kind"]
        with self.db.transaction() as conn:
            return snapshot(commands.record_engagement(conn, load_id(lead_id), kind, actor))

    @rpc
    def lead_history(self, lead_id, cursor=None, limit=50):
        with self.db.transaction() as conn:
            return store.history_page(conn, load_id(lead_id), cursor, bounded(limit))

    @rpc
    def explain_score(self, lead_id):
        with self.db.transaction() as conn:
            return commands.explain(conn, load_id(lead_id))

    @rpc
    def get_scoring_rules(self):
        with self.db.transaction() as conn:
            return {"rules": store.load_scoring_rules(conn)}

    @rpc
    def set_scoring_rules(self, rules, actor=None):
        rules = load(ScoringRulesSchema(), {"rules": rules})["rules"]
        with self.db.transaction() as conn:
            return {"rules": commands.set_scoring_rules(conn, rules, actor)}

    @rpc
    def get_assignment_rules(self):
        with self.db.transaction() as conn:
            return {"rules": store.load_assignment_rules(conn)[0]}

    @rpc
    def set_assignment_rules(self, rules, actor=None):
        rules = load(AssignmentRulesSchema(), {"rules": rules})["rules"]
        with self.db.transaction() as conn:
            return {"rules": commands.set_assignment_rules(conn, rules)}

    @rpc
    def start_import(self, filename, header, actor=None):
        with self.db.transaction() as conn:
            return imports.start(conn, filename, header, actor)

    @rpc
    def import_rows(self, job_id, seq, rows, first_row=None):
        with self.db.transaction() as conn:
            return imports.add_batch(conn, load_id(job_id), whole_number(seq, "seq", 1), rows, first_row)

    @rpc
    def finish_import(self, job_id, batches):
        with self.db.transaction() as conn:
            return imports.finish(conn, load_id(job_id), whole_number(batches, "batches", 0))

    @rpc
    def get_import(self, job_id):
        with self.db.transaction() as conn:
            return imports.get(conn, load_id(job_id))

    @rpc
    def import_errors(self, job_id, cursor=None, limit=100):
        with self.db.transaction() as conn:
            return imports.errors_page(conn, load_id(job_id), cursor, bounded(limit))


def load_id(value):
    return load_uuid(value, "lead or job id")


def bounded(limit, maximum=500):
    return max(1, min(whole_number(limit or 50, "limit", 1), maximum))
