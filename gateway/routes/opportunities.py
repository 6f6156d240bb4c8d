"""Pipelines (configurable stages), opportunities, their stage history and the
pipeline board, of the sales service.  Pipeline ids are slugs (``default``),
not UUIDs: anything else in their place is a 404 before a service is asked."""

from flask import Blueprint
from marshmallow import fields, validate

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.common import PageQuerySchema
from shared.schemas.sales.history import RecordHistoryPageSchema
from shared.schemas.sales.opportunities import (
    SLUG_PATTERN,
    BoardQuerySchema,
    BoardSchema,
    OpportunityCreateSchema,
    OpportunityPageSchema,
    OpportunityQuerySchema,
    OpportunitySavedSchema,
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
PIPELINE_ID = {"pipeline_id": fields.String(
    validate=validate.Regexp(SLUG_PATTERN, error="pipeline ids are slugs of up to 64 lower-case letters, digits, "
                                                 "'_' and '-', like 'default'."),
    metadata={"description": "A pipeline id, like 'default'."})}


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
def create_pipeline(body):
    return create("sales", "create_pipeline", body, "opportunities.get_pipeline", "pipeline_id")


@bp.get("/pipelines/<pipeline_id>")
@requires("sales:read")
@operation("Get a pipeline and its stages", tags=PIPELINE_TAGS, path=PIPELINE_ID, response=PipelineSchema,
           headers={"ETag": "The pipeline's version."})
def get_pipeline(pipeline_id):
    return versioned(call("sales", "get_pipeline", pipeline_id))


@bp.put("/pipelines/<pipeline_id>")
@requires("sales:admin")
@operation("Replace a pipeline's name and stages", tags=PIPELINE_TAGS, path=PIPELINE_ID,
           body=PipelineUpdateSchema, response=PipelineSchema, headers={"ETag": "The pipeline's new version."},
           problems=(409, 412),
           request_headers=("If-Match",),
           description="409 when a stage still used by opportunities would be removed or change its category; "
                       "412 when If-Match names a version someone else has replaced.")
def update_pipeline(pipeline_id, body, expected_version):
    return versioned(call("sales", "update_pipeline", pipeline_id, body.wire(), actor(), expected_version))


@bp.get("/pipelines/<pipeline_id>/board")
@requires("sales:read")
@operation("The pipeline board: opportunities grouped by stage, with counts and sums", tags=PIPELINE_TAGS + TAGS,
           path=PIPELINE_ID, query=BoardQuerySchema, response=BoardSchema,
           description="Sums are in the reporting currency; currencies without an exchange rate are listed in "
                       "`missing_rates`.")
def pipeline_board(pipeline_id, query):
    return listing("sales", "pipeline_board", query, pipeline_id)


# Opportunities ----------------------------------------------------------------

@bp.get("/opportunities")
@requires("sales:read")
@operation("List opportunities (filtered; newest first, or sorted)", tags=TAGS, query=OpportunityQuerySchema,
           response=OpportunityPageSchema,
           description="`stage` and `category` may repeat (`category=open&category=won`) or hold commas. "
                       "`owner=<username>&category=open&close_from=2026-10-01&close_to=2026-12-31` lists "
                       "someone's open deals closing in a quarter; `sort=-updated_at` puts the most recently "
                       "changed first.")
def list_opportunities(query):
    return listing("sales", "list_opportunities", query)


@bp.post("/opportunities")
@requires("sales:write")
@operation("Create an opportunity", tags=TAGS, body=OpportunityCreateSchema, response=OpportunitySavedSchema,
           status=201, headers={"Location": "The opportunity's URL.", "ETag": "The opportunity's version."},
           description="The pipeline defaults to the default one, the stage to its first open stage, the "
                       "probability to the stage's (a given probability overrides it). `warnings` says when the "
                       "currency has no exchange rate (the amount is then left out of board sums and the "
                       "forecast).")
def create_opportunity(body):
    owners.require_owner(body)
    return create("sales", "create_opportunity", body, "opportunities.get_opportunity", "opportunity_id")


@bp.get("/opportunities/<uuid:opportunity_id>")
@requires("sales:read")
@operation("Get an opportunity", tags=TAGS, response=OpportunitySchema,
           headers={"ETag": "The opportunity's version, for If-Match."})
def get_opportunity(opportunity_id):
    return versioned(call("sales", "get_opportunity", opportunity_id))


@bp.patch("/opportunities/<uuid:opportunity_id>")
@requires("sales:write")
@operation("Change an opportunity's fields or move it to another stage", tags=TAGS, body=OpportunityUpdateSchema,
           response=OpportunitySavedSchema, headers={"ETag": "The opportunity's new version."}, problems=(409, 412),
           request_headers=("If-Match",),
           description="Only legal stage moves are allowed: 409 with `allowed` (the legal next stages) otherwise; "
                       "moving to a lost stage needs `loss_reason`. Send the ETag of your GET in If-Match to be "
                       "told (412) when someone changed the opportunity in between. `warnings` says when the "
                       "currency has no exchange rate.")
def update_opportunity(opportunity_id, body, expected_version):
    owners.require_owner(body)
    return patch("sales", "update_opportunity", opportunity_id, body, expected_version)


@bp.get("/opportunities/<uuid:opportunity_id>/history")
@requires("sales:read")
@operation("An opportunity's history of changes, newest first", tags=TAGS, query=PageQuerySchema,
           response=RecordHistoryPageSchema,
           description="Who changed what and when: each entry has the fields that changed as [before, after] "
                       "(a stage move also shows the category, probability and close day it implied). Changes "
                       "made before histories were kept are not listed.")
def opportunity_history(opportunity_id, query):
    return listing("sales", "opportunity_history", query, opportunity_id)


@bp.get("/opportunities/<uuid:opportunity_id>/stage-history")
@requires("sales:read")
@operation("An opportunity's stage changes, oldest first", tags=TAGS, response=StageHistorySchema)
def opportunity_stage_history(opportunity_id):
    return call("sales", "opportunity_stage_history", opportunity_id)
