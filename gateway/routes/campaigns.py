"""Campaigns: their records, status moves, costs and members."""

from flask import Blueprint

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.campaigns.campaigns import (
    CampaignCreateSchema,
    CampaignPageSchema,
    CampaignQuerySchema,
    CampaignSchema,
    CampaignUpdateSchema,
    CostCreateSchema,
    CostListSchema,
    CostSchema,
    MemberPageSchema,
    MemberQuerySchema,
    MembersAddedSchema,
    MembersAddSchema,
)

bp = Blueprint("campaigns", __name__, url_prefix="/api/v1")
TAGS = ["campaigns"]
CAMPAIGN = "/campaigns/<uuid:campaign_id>"
MOVE_HEADERS = {"ETag": "The campaign's new version."}
MONEY = ("Money (`budget`, `expected_revenue`) is in the campaign's `currency`, rounded half up to its minor unit "
         "(`\"1250.00\"` in EUR, `\"1250\"` in JPY). ")


def _svc(method, *args):
    return call("campaigns", method, *args)


@bp.get("/campaigns")
@requires("campaigns:read")
@operation("List campaigns", tags=TAGS, query=CampaignQuerySchema, response=CampaignPageSchema,
           description="Filters: `status` and `type` (each may repeat), `owner`, `parent_id` (its sub-campaigns), "
                       "`q` (words of the name). Sorts: `-created_at` (default), `created_at`, `name`, `-name`, "
                       "`starts_on`, `-starts_on`. Pages: pass `next_cursor` as `cursor`.")
def list_campaigns(query):
    return listing("campaigns", "list_campaigns", query)


@bp.post("/campaigns")
@requires("campaigns:write")
@operation("Create a campaign (planned)", tags=TAGS, body=CampaignCreateSchema, response=CampaignSchema, status=201,
           headers={"Location": "The campaign's URL.", "ETag": "The campaign's version."}, problems=(409,),
           description=MONEY + "`owner` is the username of an active user (422 otherwise); `parent_id` a campaign "
                       "that exists (422 on `parent_id` otherwise). `campaign.created` goes out.")
def create_campaign(body):
    owners.require_owner(body)
    return create("campaigns", "create_campaign", body, "campaigns.get_campaign", "campaign_id")


@bp.get(CAMPAIGN)
@requires("campaigns:read")
@operation("Get a campaign with its cost total and funnel", tags=TAGS, response=CampaignSchema,
           headers={"ETag": "The campaign's version."},
           description="`funnel` counts the members who reached each stage (targeted, sent, opened, clicked, "
                       "responded, converted); `actions` the status moves possible now.")
def get_campaign(campaign_id):
    return versioned(_svc("get_campaign", campaign_id))


@bp.patch(CAMPAIGN)
@requires("campaigns:write")
@operation("Change a campaign", tags=TAGS, body=CampaignUpdateSchema, response=CampaignSchema,
           headers={"ETag": "The campaign's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description=MONEY + "Status moves have routes of their own. 409 when the new parent is the campaign "
                       "or one of its sub-campaigns, or when the currency would change while costs are recorded. "
                       "Send the ETag in If-Match to be told (412) of a change in between.")
def update_campaign(campaign_id, body, expected_version):
    owners.require_owner(body)
    return patch("campaigns", "update_campaign", campaign_id, body, expected_version)


def _move(action, campaign_id, expected_version):
    return versioned(_svc(f"{action}_campaign", campaign_id, actor(), expected_version))


@bp.post(f"{CAMPAIGN}/launch")
@requires("campaigns:write")
@operation("Launch a planned campaign", tags=TAGS, response=CampaignSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="planned -> active; `campaign.launched` goes out. 409 with `allowed` from any other status "
                       "(of two launches at once, one wins).")
def launch_campaign(campaign_id, expected_version):
    return _move("launch", campaign_id, expected_version)


@bp.post(f"{CAMPAIGN}/complete")
@requires("campaigns:write")
@operation("Complete an active campaign", tags=TAGS, response=CampaignSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="active -> completed; `campaign.completed` goes out with status completed. Its costs are "
                       "final from then on.")
def complete_campaign(campaign_id, expected_version):
    return _move("complete", campaign_id, expected_version)


@bp.post(f"{CAMPAIGN}/abort")
@requires("campaigns:write")
@operation("Abort a planned or active campaign", tags=TAGS, response=CampaignSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="planned or active -> aborted; `campaign.completed` goes out with status aborted.")
def abort_campaign(campaign_id, expected_version):
    return _move("abort", campaign_id, expected_version)


# Costs ------------------------------------------------------------------------------------

@bp.get(f"{CAMPAIGN}/costs")
@requires("campaigns:read")
@operation("A campaign's cost entries and their total", tags=TAGS, response=CostListSchema)
def list_costs(campaign_id):
    return _svc("list_campaign_costs", campaign_id)


@bp.post(f"{CAMPAIGN}/costs")
@requires("campaigns:write")
@operation("Record a cost of a campaign", tags=TAGS, body=CostCreateSchema, response=CostSchema, status=201,
           problems=(409,),
           description="In the campaign's currency, rounded half up to its minor unit. 409 once the campaign is "
                       "completed.")
def add_cost(campaign_id, body):
    return _svc("add_campaign_cost", campaign_id, body.wire(), actor()), 201


@bp.delete(f"{CAMPAIGN}/costs/<uuid:cost_id>")
@requires("campaigns:write")
@operation("Remove a cost entry", tags=TAGS, status=204, problems=(409,),
           description="409 once the campaign is completed; 404 for an entry of another campaign.")
def delete_cost(campaign_id, cost_id):
    _svc("delete_campaign_cost", campaign_id, str(cost_id), actor())
    return "", 204


# Members ------------------------------------------------------------------------------------

@bp.get(f"{CAMPAIGN}/members")
@requires("campaigns:read")
@operation("A campaign's members with their funnel stage", tags=TAGS, query=MemberQuerySchema,
           response=MemberPageSchema,
           description="`stage` is the furthest a member got (targeted, sent, opened, clicked, responded, "
                       "converted); filter with `stage` (may repeat).")
def list_members(campaign_id, query):
    return listing("campaigns", "list_campaign_members", query, campaign_id)


@bp.post(f"{CAMPAIGN}/members")
@requires("campaigns:write")
@operation("Add people to a campaign", tags=TAGS, body=MembersAddSchema, response=MembersAddedSchema,
           problems=(409,),
           description="Exactly one of `person_ids` (every id must name a person: 422 on `person_ids` "
                       "otherwise), `segment_id` (its members now) or `list_id` (a static list's members). A "
                       "person is a member once: adding again changes nothing (`already` counts them); "
                       "`campaign.member_added` goes out per new member. 409 for a completed or aborted campaign.")
def add_members(campaign_id, body):
    return _svc("add_campaign_members", campaign_id, body.wire(), actor())
