"""Lead records RPC entrypoints: thin shells over services.leads.records."""

from services.leads.arguments import bounded, load_id
from services.leads.engagement import commands as engagement
from services.leads.records import commands, store
from services.leads.records.store import snapshot
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.errors import DuplicateFound
from shared.schemas.leads import (
    AssignSchema,
    LeadCreateSchema,
    LeadQuerySchema,
    LeadUpdateSchema,
    MergeSchema,
    WebFormLeadSchema,
)


class LeadRecordsRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def create_lead(self, data, actor=None):
        data = load(LeadCreateSchema(), data)
        return snapshot(commands.create_lead(self.db, data, actor))

    @rpc
    def capture_web_form(self, data):
        """A public form submission; a known person is credited with an
        engagement instead of becoming a second lead."""
        data = load(WebFormLeadSchema(), data)
        data["notes"] = data.pop("message", None)
        try:
            commands.create_lead(self.db, data, "web-form", source_default="web_form")
        except DuplicateFound as duplicate:
            with self.db.transaction() as conn:
                engagement.record_engagement(conn, duplicate.extra["existing_id"], "web_form", "web-form")
        return {"status": "received"}

    @rpc
    def get_lead(self, lead_id):
        with self.db.read() as conn:
            return snapshot(store.get_lead(conn, load_id(lead_id)))

    @rpc
    def list_leads(self, query=None):
        query = load(LeadQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_leads(conn, query)
        return {"items": [snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def count_leads(self, query=None):
        query = load(LeadQuerySchema(), query or {})
        with self.db.read() as conn:
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
    def lead_history(self, lead_id, cursor=None, limit=50):
        with self.db.read() as conn:
            return store.history_page(conn, load_id(lead_id), cursor, bounded(limit))
