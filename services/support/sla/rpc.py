"""SLA RPC entrypoints: calendars (and their dates, and a year's public
holidays from the library), SLA policies (and their order), the preview of
a new case's due moments, and the clocks of cases.  Thin shells over
services.support.sla.admin and .commands."""

from services.support.sla import admin, commands
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.errors import ValidationFailed
from shared.schemas.support.sla import (
    SlaCalendarCreateSchema,
    SlaCalendarUpdateSchema,
    SlaHolidayQuerySchema,
    SlaPolicyCreateSchema,
    SlaPolicyOrderSchema,
    SlaPolicyQuerySchema,
    SlaPolicyUpdateSchema,
    SlaPreviewSchema,
)

MAX_CASES = 500


class SlaRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    # Calendars

    @rpc
    def list_calendars(self):
        with self.db.read() as conn:
            return admin.list_calendars(conn)

    @rpc
    def get_calendar(self, calendar_id):
        calendar_id = load_uuid(calendar_id, "calendar id")
        with self.db.transaction() as conn:
            return admin.get_calendar(conn, calendar_id)

    @rpc
    def create_calendar(self, data, actor=None):
        data = load(SlaCalendarCreateSchema(), data)
        with self.db.transaction() as conn:
            return admin.create_calendar(conn, data, actor)

    @rpc
    def update_calendar(self, calendar_id, changes, actor=None, expected_version=None):
        calendar_id = load_uuid(calendar_id, "calendar id")
        changes = load(SlaCalendarUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return admin.update_calendar(conn, calendar_id, changes, actor, expected_version)

    @rpc
    def delete_calendar(self, calendar_id, actor=None, expected_version=None):
        calendar_id = load_uuid(calendar_id, "calendar id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return admin.delete_calendar(conn, calendar_id, expected_version)

    @rpc
    def list_holidays(self, query):
        query = load(SlaHolidayQuerySchema(), query)
        return admin.holidays_of_year(query["country"], query.get("subdivision"), query["year"])

    # Policies

    @rpc
    def list_sla_policies(self, query=None):
        query = load(SlaPolicyQuerySchema(), query or {})
        with self.db.read() as conn:
            return admin.list_policies(conn, query.get("active"))

    @rpc
    def get_sla_policy(self, policy_id):
        policy_id = load_uuid(policy_id, "SLA policy id")
        with self.db.read() as conn:
            return admin.get_policy(conn, policy_id)

    @rpc
    def create_sla_policy(self, data, actor=None):
        data = load(SlaPolicyCreateSchema(), data)
        with self.db.transaction() as conn:
            return admin.create_policy(conn, data, actor)

    @rpc
    def update_sla_policy(self, policy_id, changes, actor=None, expected_version=None):
        policy_id = load_uuid(policy_id, "SLA policy id")
        changes = load(SlaPolicyUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return admin.update_policy(conn, policy_id, changes, actor, expected_version)

    @rpc
    def delete_sla_policy(self, policy_id, actor=None, expected_version=None):
        policy_id = load_uuid(policy_id, "SLA policy id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return admin.delete_policy(conn, policy_id, expected_version)

    @rpc
    def reorder_sla_policies(self, data, actor=None):
        data = load(SlaPolicyOrderSchema(), data)
        with self.db.transaction() as conn:
            return admin.reorder_policies(conn, data["policy_ids"])

    @rpc
    def preview_sla(self, data):
        data = load(SlaPreviewSchema(), data or {})
        with self.db.transaction() as conn:
            return admin.preview(conn, data, commands.now(conn))

    # Clocks

    @rpc
    def sla_clocks(self, case_ids):
        """``{case_id: [clocks]}`` of up to 500 cases (the latest cycle of each metric)."""
        if not isinstance(case_ids, list) or len(case_ids) > MAX_CASES:
            raise ValidationFailed(f"case_ids: a list of at most {MAX_CASES} case ids.",
                                   {"case_ids": [f"A list of at most {MAX_CASES} ids."]})
        case_ids = [load_uuid(case_id, "case id") for case_id in case_ids]
        with self.db.transaction() as conn:
            return commands.clocks_of(conn, case_ids)
