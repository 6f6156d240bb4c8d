"""Pipelines (configurable stages), opportunities, their stage history and the
pipeline board, of the sales service.  Pipeline ids are slugs (``default``),
not UUIDs: anything else in their place is a 404 before a service is asked."""

import re

from flask import Blueprint

from gateway.auth import requires
from gateway.bodies import if_match_version, json_body, wire
from gateway.openapi import operation
from gateway.resources import call
from gateway.routing import IdNotFound
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.sales.opportunities import (
    SLUG_PATTERN,
    BoardQuerySchema,
    BoardSchema,
    OpportunityCreateSchema,
    OpportunityPageSchema,
    OpportunityQuerySchema,
    OpportunitySchema,
    OpportunityUpdateSchema,
    PipelineCreateSchema,
    PipelineListSchema,
    PipelineSchema,
    PipelineUpdateSchema,
    StageHistorySchema,
)

bp = Blueprint("opportunities", __name__, url_prefix="/api/v1")
TAGS = ["opportunities"]
PIPELINE_TAGS = ["pipelines"]
SLUG = re.compile(SLUG_PATTERN)


def pipeline_id_of(value):
    """The ``<pipeline_id>`` of a path, 404 unless it is a slug."""
    if not SLUG.match(value):
        raise IdNotFound(f"{value[:100]!r} is not a pipeline id: pipeline ids are slugs of up to 64 lower-case "
                         "letters, digits, '_' and '-', like 'default'.")
    return value


# Pipelines --------------------------------------------------------------------

@bp.get("/pipelines")
@requires("sales:read")
@operation("List the pipelines", tags=PIPELINE_TAGS, response=PipelineListSchema)
def list_pipelines():
    return call("sales", "list_pipelines")


@bp.post("/pipelines")
@requires("sales:admin")
@operation("Create a pipeline", tags=PIPELINE_TAGS, body=PipelineCreateSchema, response=PipelineSchema, status=201,
           headers={"Location": "The pipeline's URL.", "ETag": "The pipeline's version."}, problems=(409,),
           description="Stages in board order, with at least one open, one won and one lost stage. 409 when the "
                       "id is taken.")
def create_pipeline():
    return create("sales", "create_pipeline", PipelineCreateSchema, "opportunities.get_pipeline", "pipeline_id")


@bp.get("/pipelines/<pipeline_id>")
@requires("sales:read")
@operation("Get a pipeline and its stages", tags=PIPELINE_TAGS, response=PipelineSchema,
           headers={"ETag": "The pipeline's version."})
def get_pipeline(pipeline_id):
    return versioned(call("sales", "get_pipeline", pipeline_id_of(pipeline_id)))


@bp.put("/pipelines/<pipeline_id>")
@requires("sales:admin")
@operation("Replace a pipeline's name and stages", tags=PIPELINE_TAGS, body=PipelineUpdateSchema,
           response=PipelineSchema, headers={"ETag": "The pipeline's new version."}, problems=(409, 412),
           request_headers=("If-Match",),
           description="409 when a stage still used by opportunities would be removed or change its category; "
                       "412 when If-Match names a version someone else has replaced.")
def update_pipeline(pipeline_id):
    pipeline_id = pipeline_id_of(pipeline_id)
    expected_version = if_match_version()
    data = json_body(PipelineUpdateSchema)
    return versioned(call("sales", "update_pipeline", pipeline_id, wire(PipelineUpdateSchema, data), actor(),
                          expected_version))


@bp.get("/pipelines/<pipeline_id>/board")
@requires("sales:read")
@operation("The pipeline board: opportunities grouped by stage, with counts and sums", tags=PIPELINE_TAGS + TAGS,
           query=BoardQuerySchema, response=BoardSchema,
           description="Sums are in the reporting currency; currencies without an exchange rate are listed in "
                       "`missing_rates`.")
def pipeline_board(pipeline_id):
    return listing("sales", "pipeline_board", BoardQuerySchema, pipeline_id_of(pipeline_id))


# Opportunities ----------------------------------------------------------------

@bp.get("/opportunities")
@requires("sales:read")
@operation("List opportunities (filtered, newest first)", tags=TAGS, query=OpportunityQuerySchema,
           response=OpportunityPageSchema,
           description="`stage` and `category` may repeat (`category=open&category=won`) or hold commas.")
def list_opportunities():
    return listing("sales", "list_opportunities", OpportunityQuerySchema)


@bp.post("/opportunities")
@requires("sales:write")
@operation("Create an opportunity", tags=TAGS, body=OpportunityCreateSchema, response=OpportunitySchema, status=201,
           headers={"Location": "The opportunity's URL.", "ETag": "The opportunity's version."},
           description="The pipeline defaults to the default one, the stage to its first open stage, the "
                       "probability to the stage's (a given probability overrides it).")
def create_opportunity():
    return create("sales", "create_opportunity", OpportunityCreateSchema, "opportunities.get_opportunity",
                  "opportunity_id")


@bp.get("/opportunities/<uuid:opportunity_id>")
@requires("sales:read")
@operation("Get an opportunity", tags=TAGS, response=OpportunitySchema,
           headers={"ETag": "The opportunity's version, for If-Match."})
def get_opportunity(opportunity_id):
    return versioned(call("sales", "get_opportunity", opportunity_id))


@bp.patch("/opportunities/<uuid:opportunity_id>")
@requires("sales:write")
@operation("Change an opportunity's fields or move it to another stage", tags=TAGS, body=OpportunityUpdateSchema,
           response=OpportunitySchema, headers={"ETag": "The opportunity's new version."}, problems=(409, 412),
           request_headers=("If-Match",),
           description="Only legal stage moves are allowed: 409 with `allowed` (the legal next stages) otherwise; "
                       "moving to a lost stage needs `loss_reason`. Send the ETag of your GET in If-Match to be "
                       "told (412) when someone changed the opportunity in between.")
def update_opportunity(opportunity_id):
    return patch("sales", "update_opportunity", opportunity_id, OpportunityUpdateSchema)


@bp.get("/opportunities/<uuid:opportunity_id>/stage-history")
@requires("sales:read")
@operation("An opportunity's stage changes, oldest first", tags=TAGS, response=StageHistorySchema)
def opportunity_stage_history(opportunity_id):
    return call("sales", "opportunity_stage_history", opportunity_id)
