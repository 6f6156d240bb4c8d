"""Pipelines, opportunities and the pipeline board: RPC entrypoints, each a
thin shell that loads its input through the shared schemas, runs one
operation in one transaction and returns plain JSON types."""

import re

from services.sales.opportunities import board, commands, pipelines, store
from services.sales.opportunities.warnings import save_warnings, with_warnings
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.rows import plain
from shared.kit.validation import load, load_uuid
from shared.schemas.common import PageQuerySchema
from shared.schemas.errors import NotFound
from shared.schemas.sales.opportunities import (
    BoardQuerySchema,
    OpportunityCreateSchema,
    OpportunityQuerySchema,
    OpportunityUpdateSchema,
    PipelineCreateSchema,
    PipelineUpdateSchema,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
snapshot = commands.opportunity_snapshot


def pipeline_key(value):
    """A pipeline id (a slug); anything else names no pipeline: 404."""
    if not isinstance(value, str) or not SLUG.match(value):
        raise NotFound(f"No pipeline with id {str(value)[:100]!r}: pipeline ids are slugs like 'default'.")
    return value


def opportunity_key(value):
    return load_uuid(value, "opportunity id")


class OpportunitiesRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    # Pipelines ----------------------------------------------------------------

    @rpc
    def list_pipelines(self):
        with self.db.transaction() as conn:
            return {"items": pipelines.list_pipelines(conn)}

    @rpc
    def get_pipeline(self, pipeline_id):
        with self.db.transaction() as conn:
            return pipelines.pipeline_snapshot(*pipelines.get_pipeline(conn, pipeline_key(pipeline_id)))

    @rpc
    def create_pipeline(self, data, actor=None):
        data = load(PipelineCreateSchema(), data)
        with self.db.transaction() as conn:
            return pipelines.create_pipeline(conn, data, actor)

    @rpc
    def update_pipeline(self, pipeline_id, data, actor=None, expected_version=None):
        pipeline_id, expected_version = pipeline_key(pipeline_id), versions.expected_version(expected_version)
        data = load(PipelineUpdateSchema(), data)
        with self.db.transaction() as conn:
            return pipelines.update_pipeline(conn, pipeline_id, data, actor, expected_version)

    @rpc
    def pipeline_board(self, pipeline_id, query=None):
        pipeline_id = pipeline_key(pipeline_id)
        query = load(BoardQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return board.pipeline_board(conn, pipeline_id, query, self.config["REPORTING_CURRENCY"],
                                        commands.today())

    # Opportunities ------------------------------------------------------------

    @rpc
    def create_opportunity(self, data, actor=None):
        data = load(OpportunityCreateSchema(), data)
        with self.db.transaction() as conn:
            row = commands.create_opportunity(conn, data, actor)
            return self._saved(conn, row)

    @rpc
    def get_opportunity(self, opportunity_id):
        with self.db.transaction() as conn:
            return snapshot(store.get_opportunity(conn, opportunity_key(opportunity_id)))

    @rpc
    def list_opportunities(self, query=None):
        query = load(OpportunityQuerySchema(), query or {})
        with self.db.transaction() as conn:
            rows, next_cursor = store.list_opportunities(conn, query)
        return {"items": [snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def update_opportunity(self, opportunity_id, changes, actor=None, expected_version=None):
        opportunity_id, expected_version = opportunity_key(opportunity_id), versions.expected_version(expected_version)
        changes = load(OpportunityUpdateSchema(), changes)
        with self.db.transaction() as conn:
            row = commands.update_opportunity(conn, opportunity_id, changes, actor, expected_version)
            return self._saved(conn, row)

    def _saved(self, conn, row):
        """The answer of a save (OpportunitySavedSchema): the opportunity, and
        ``warnings`` when its currency has no exchange rate."""
        return with_warnings(snapshot(row), save_warnings(conn, row["currency"], self.config["REPORTING_CURRENCY"]))

    @rpc
    def opportunity_history(self, opportunity_id, query=None):
        """The opportunity's changes, newest first."""
        opportunity_id = opportunity_key(opportunity_id)
        query = load(PageQuerySchema(), query or {})
        with self.db.transaction() as conn:
            store.get_opportunity(conn, opportunity_id)
            return store.HISTORY.page(conn, opportunity_id, query["cursor"], query["limit"])

    @rpc
    def opportunity_stage_history(self, opportunity_id):
        with self.db.transaction() as conn:
            rows = store.stage_history(conn, opportunity_key(opportunity_id))
        return {"items": [{key: plain(value) for key, value in row.items()} for row in rows]}
