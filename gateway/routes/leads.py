"""Leads: one route per leads RPC method, each validating its input with the
shared schemas before anything is sent (bad input never reaches the service)."""

from flask import Blueprint

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.schemas import HistoryPageSchema, ScoreExplanationSchema
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.common import PageQuerySchema
from shared.schemas.leads import (
    AssignmentPreviewRequestSchema,
    AssignmentPreviewSchema,
    AssignmentRulesChangesPageSchema,
    AssignmentRulesSchema,
    AssignmentRulesStateSchema,
    AssignSchema,
    EngagementSchema,
    LeadCountsSchema,
    LeadCreateSchema,
    LeadPageSchema,
    LeadQuerySchema,
    LeadSchema,
    LeadUpdateSchema,
    MergeSchema,
    ScoringPreviewRequestSchema,
    ScoringPreviewSchema,
    ScoringRulesChangesPageSchema,
    ScoringRulesSchema,
    ScoringRulesStateSchema,
)
from shared.schemas.sales.conversion import ConversionOptionsSchema, ConversionResultSchema

bp = Blueprint("leads", __name__, url_prefix="/api/v1/leads")
TAGS = ["leads"]
RULE_TAGS = ["lead rules"]
RULES_CHANGES_HELP = "Each item is the whole rule set one change saved, with its version, who saved it and when."
PREVIEW_HELP = ("Nothing is stored. `rules` is the whole rule set, as the PUT sends it, and is refused with the "
                "same 422; `lead_ids` names up to 20 leads (422 on `lead_ids` for one that does not exist), "
                "else the 5 most recently created are used. ")
LeadCountQuerySchema = LeadQuerySchema(exclude=("cursor", "limit", "sort"))


@bp.get("")
@requires("leads:read")
@operation("List leads (filtered; newest first, or sorted)", tags=TAGS, query=LeadQuerySchema, response=LeadPageSchema,
           description="`status` and `source` may repeat (`status=new&status=working`) or hold commas. "
                       "`owner=<username>&sort=-updated_at` lists someone's most recently changed leads; "
                       "`sort=-score` the hottest first.")
def list_leads(query):
    return listing("leads", "list_leads", query)


@bp.post("")
@requires("leads:write")
@operation("Create a lead", tags=TAGS, body=LeadCreateSchema, response=LeadSchema, status=201,
           headers={"Location": "The lead's URL.", "ETag": "The lead's version."}, problems=(409,),
           description="409 with `existing_id` when an open lead has the same email, or the same phone at the "
                       "same company.")
def create_lead(body):
    owners.require_owner(body)
    return create("leads", "create_lead", body, "leads.get_lead", "lead_id")


@bp.get("/counts")
@requires("leads:read")
@operation("Count leads by status and source", tags=TAGS, query=LeadCountQuerySchema, response=LeadCountsSchema)
def count_leads(query):
    return listing("leads", "count_leads", query)


@bp.get("/<uuid:lead_id>")
@requires("leads:read")
@operation("Get a lead", tags=TAGS, response=LeadSchema, headers={"ETag": "The lead's version, for If-Match."})
def get_lead(lead_id):
    return versioned(call("leads", "get_lead", lead_id))


@bp.patch("/<uuid:lead_id>")
@requires("leads:write")
@operation("Change a lead's fields or status", tags=TAGS, body=LeadUpdateSchema, response=LeadSchema,
           headers={"ETag": "The lead's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Send the ETag of your GET in If-Match to be told (412) when someone changed the lead "
                       "in between. Status changes follow the lead life cycle (409 otherwise).")
def update_lead(lead_id, body, expected_version):
    return patch("leads", "update_lead", lead_id, body, expected_version)


@bp.put("/<uuid:lead_id>/owner")
@requires("leads:write")
@operation("Give a lead to an owner", tags=TAGS, body=AssignSchema, response=LeadSchema, problems=(409,))
def assign_lead(lead_id, body):
    owners.require_owner(body)
    return versioned(call("leads", "assign_lead", lead_id, body["owner"], actor()))


@bp.post("/<uuid:lead_id>/merge")
@requires("leads:write")
@operation("Merge a duplicate lead into this one", tags=TAGS, body=MergeSchema, response=LeadSchema,
           problems=(409,), description="This lead keeps its values and takes the duplicate's where it has "
                                       "none; the duplicate stays readable with `merged_into`. 409 when the two "
                                       "are the same lead, or either was merged or converted already.")
def merge_leads(lead_id, body):
    return versioned(call("leads", "merge_leads", lead_id, str(body["duplicate_id"]), actor()))


@bp.post("/<uuid:lead_id>/engagements")
@requires("leads:write")
@operation("Record an engagement (email open, visit, call, ...)", tags=TAGS, body=EngagementSchema,
           response=LeadSchema, problems=(409,))
def record_engagement(lead_id, body):
    return versioned(call("leads", "record_engagement", lead_id, body["kind"], actor()))


@bp.post("/<uuid:lead_id>/convert")
@requires("sales:write")
@operation("Convert a qualified lead into an account, a contact and an opportunity", tags=TAGS,
           body=ConversionOptionsSchema, body_optional=True, response=ConversionResultSchema,
           headers={"ETag": "The lead's new version."}, problems=(409,),
           description="The account is `account_id` when given, else the one found by dedup (email domain, "
                       "company name), else a new one; the contact is found by email or created. Converting "
                       "again answers the same ids (nothing is made twice). An empty body converts with the "
                       "defaults. What it creates is owned by `owner` (an active user; default: you). 409 when "
                       "the lead is not qualified; 503 when sales does not answer in time (retrying is safe). "
                       "`warnings` says when the new opportunity's currency has no exchange rate.")
def convert_lead(lead_id, body):
    owners.require_owner(body)
    result = call("leads", "convert_lead", lead_id, body.wire(), actor())
    return versioned(result, version_of=result["lead"])


@bp.get("/<uuid:lead_id>/history")
@requires("leads:read")
@operation("A lead's history of changes", tags=TAGS, query=PageQuerySchema, response=HistoryPageSchema)
def lead_history(lead_id, query):
    return call("leads", "lead_history", lead_id, query["cursor"], query["limit"])


@bp.get("/<uuid:lead_id>/score")
@requires("leads:read")
@operation("Why a lead has its score", tags=TAGS, response=ScoreExplanationSchema)
def explain_score(lead_id):
    return call("leads", "explain_score", lead_id)


@bp.get("/scoring-rules")
@requires("leads:read")
@operation("The scoring rules, and who changed them last", tags=RULE_TAGS, response=ScoringRulesStateSchema)
def get_scoring_rules():
    return call("leads", "get_scoring_rules")


@bp.put("/scoring-rules")
@requires("leads:admin")
@operation("Replace the scoring rules", tags=RULE_TAGS, body=ScoringRulesSchema, response=ScoringRulesStateSchema,
           description="Leads are rescored in the background.")
def set_scoring_rules(body):
    return call("leads", "set_scoring_rules", body.wire()["rules"], actor())


@bp.post("/scoring-rules/preview")
@requires("leads:admin")
@operation("Try scoring rules on some leads before saving them", tags=RULE_TAGS, body=ScoringPreviewRequestSchema,
           response=ScoringPreviewSchema,
           description=PREVIEW_HELP + "Each item has the lead's score now and the score these rules would give, "
                                      "with the rules that match and their points.")
def preview_scoring_rules(body):
    data = body.wire()
    return call("leads", "preview_scoring_rules", data["rules"], data.get("lead_ids"))


@bp.get("/scoring-rules/changes")
@requires("leads:read")
@operation("Every change of the scoring rules, newest first", tags=RULE_TAGS, query=PageQuerySchema,
           response=ScoringRulesChangesPageSchema,
           description=RULES_CHANGES_HELP)
def scoring_rules_changes(query):
    return call("leads", "scoring_rules_changes", query["cursor"], query["limit"])


@bp.get("/assignment-rules")
@requires("leads:read")
@operation("The assignment rules, and who changed them last", tags=RULE_TAGS, response=AssignmentRulesStateSchema)
def get_assignment_rules():
    return call("leads", "get_assignment_rules")


@bp.put("/assignment-rules")
@requires("leads:admin")
@operation("Replace the assignment rules", tags=RULE_TAGS, body=AssignmentRulesSchema,
           response=AssignmentRulesStateSchema)
def set_assignment_rules(body):
    owners.require_rule_owners(body["rules"])
    return call("leads", "set_assignment_rules", body.wire()["rules"], actor())


@bp.post("/assignment-rules/preview")
@requires("leads:admin")
@operation("Try assignment rules on some leads before saving them", tags=RULE_TAGS,
           body=AssignmentPreviewRequestSchema, response=AssignmentPreviewSchema,
           description=PREVIEW_HELP + "Each item has the lead's owner now and the owner these rules would give "
                                      "it as a new lead without an owner, with the rule that matches; "
                                      "round-robin turns are dealt in the order of the leads, from each rule's "
                                      "first owner (as after saving the rules).")
def preview_assignment_rules(body):
    owners.require_rule_owners(body["rules"])
    data = body.wire()
    return call("leads", "preview_assignment_rules", data["rules"], data.get("lead_ids"))


@bp.get("/assignment-rules/changes")
@requires("leads:read")
@operation("Every change of the assignment rules, newest first", tags=RULE_TAGS, query=PageQuerySchema,
           response=AssignmentRulesChangesPageSchema,
           description=RULES_CHANGES_HELP)
def assignment_rules_changes(query):
    return call("leads", "assignment_rules_changes", query["cursor"], query["limit"])
