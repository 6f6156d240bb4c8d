"""Segments, static lists and suppression lists RPC entrypoints: thin shells
over services.campaigns.segments.commands."""

from services.campaigns.segments import commands
from services.campaigns.segments.refresh import SegmentRefresh, refresh_round
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.segments import (
    AddressRowsSchema,
    SegmentCreateSchema,
    SegmentHistoryQuerySchema,
    SegmentQuerySchema,
    SegmentRuleCountSchema,
    SegmentUpdateSchema,
    StaticListCreateSchema,
    StaticListPeopleSchema,
    StaticListQuerySchema,
    StaticListUpdateSchema,
    SuppressionCreateSchema,
    SuppressionQuerySchema,
)
from shared.schemas.common import PageQuerySchema
from shared.schemas.errors import NotFound


def _segment_id(value):
    return load_uuid(value, "segment id")


def _list_id(value):
    return load_uuid(value, "list id")


def _email(value):
    if not isinstance(value, str) or not 0 < len(value) <= 254:
        raise NotFound(f"{str(value)[:100]!r} is not suppressed.")
    return value


class SegmentsRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    segment_refresh = SegmentRefresh()

    # Segments -----------------------------------------------------------------

    @rpc
    def list_segments(self, query=None):
        query = load(SegmentQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_segments(conn, query)

    @rpc
    def create_segment(self, data, actor=None):
        data = load(SegmentCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_segment(conn, data, actor)

    @rpc
    def get_segment(self, segment_id):
        segment_id = _segment_id(segment_id)
        with self.db.read() as conn:
            return commands.get_segment(conn, segment_id)

    @rpc
    def update_segment(self, segment_id, changes, actor=None, expected_version=None):
        segment_id = _segment_id(segment_id)
        changes = load(SegmentUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_segment(conn, segment_id, changes, actor, expected_version)

    @rpc
    def delete_segment(self, segment_id, actor=None, expected_version=None):
        segment_id = _segment_id(segment_id)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.delete_segment(conn, segment_id, actor, expected_version)

    @rpc
    def count_segment_rule(self, data):
        """How many people a rule (being edited, not saved) selects now."""
        data = load(SegmentRuleCountSchema(), data)
        with self.db.transaction() as conn:
            return commands.count_rule(conn, data["rule"])

    @rpc
    def segment_members(self, segment_id, query=None):
        segment_id = _segment_id(segment_id)
        query = load(PageQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.segment_members(conn, segment_id, query)

    @rpc
    def segment_history(self, segment_id, query=None):
        segment_id = _segment_id(segment_id)
        query = load(SegmentHistoryQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.segment_history(conn, segment_id, query)

    @rpc
    def refresh_relative_segments(self):
        """Recompute the relative-date segments now (the refresh loop's round)."""
        with self.db.transaction() as conn:
            changed = refresh_round(conn)
        return {"refreshed": changed is not None, "segments": changed or {}}

    # Static lists ---------------------------------------------------------------

    @rpc
    def list_static_lists(self, query=None):
        query = load(StaticListQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_lists(conn, query)

    @rpc
    def create_static_list(self, data, actor=None):
        data = load(StaticListCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_list(conn, data, actor)

    @rpc
    def get_static_list(self, list_id):
        list_id = _list_id(list_id)
        with self.db.read() as conn:
            return commands.get_list(conn, list_id)

    @rpc
    def update_static_list(self, list_id, changes, actor=None, expected_version=None):
        list_id = _list_id(list_id)
        changes = load(StaticListUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_list(conn, list_id, changes, actor, expected_version)

    @rpc
    def delete_static_list(self, list_id, actor=None, expected_version=None):
        list_id = _list_id(list_id)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.delete_list(conn, list_id, actor, expected_version)

    @rpc
    def add_to_static_list(self, list_id, data, actor=None):
        """Puts people on the list; those on it already stay (a repeat adds nothing)."""
        list_id = _list_id(list_id)
        data = load(StaticListPeopleSchema(), data)
        with self.db.transaction() as conn:
            return commands.add_list_members(conn, list_id, [str(item) for item in data["person_ids"]], actor)

    @rpc
    def remove_from_static_list(self, list_id, data, actor=None):
        list_id = _list_id(list_id)
        data = load(StaticListPeopleSchema(), data)
        with self.db.transaction() as conn:
            return commands.remove_list_members(conn, list_id, [str(item) for item in data["person_ids"]], actor)

    @rpc
    def static_list_members(self, list_id, query=None):
        list_id = _list_id(list_id)
        query = load(PageQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_members(conn, list_id, query)

    @rpc
    def import_static_list(self, list_id, data, actor=None):
        """CSV rows ``{"rows": [{"line", "email"}]}`` matched on the address;
        the rows matching nobody come back with their line."""
        list_id = _list_id(list_id)
        data = load(AddressRowsSchema(), data)
        with self.db.transaction() as conn:
            return commands.import_list_rows(conn, list_id, data["rows"], actor)

    # Suppressions --------------------------------------------------------------

    @rpc
    def list_suppressions(self, query=None):
        query = load(SuppressionQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_suppressions(conn, query)

    @rpc
    def add_suppression(self, data, actor=None):
        data = load(SuppressionCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.add_suppression(conn, data, actor)

    @rpc
    def get_suppression(self, email):
        email = _email(email)
        with self.db.read() as conn:
            return commands.get_suppression(conn, email)

    @rpc
    def remove_suppression(self, email, actor=None):
        email = _email(email)
        with self.db.transaction() as conn:
            return commands.remove_suppression(conn, email, actor)

    @rpc
    def import_suppressions(self, data, actor=None):
        data = load(AddressRowsSchema(), data)
        with self.db.transaction() as conn:
            return commands.import_suppression_rows(conn, data["rows"], "import", None, actor)
