"""Cases: the support service's cases, their conversations (public replies
and internal notes), status moves, merges and history.

Every role reads cases (a sales rep sees an account's open cases before
calling: ``GET /cases?account_id=``); the support team (and admins) work
them."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, created, listing, patch, versioned
from shared.schemas.support.cases import (
    CaseCountQuerySchema,
    CaseCountsSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseHistoryPageSchema,
    CaseHistoryQuerySchema,
    CaseMergeSchema,
    CaseMessageCreateSchema,
    CaseMessagePageSchema,
    CaseMessageQuerySchema,
    CaseMessageSchema,
    CasePageSchema,
    CaseQuerySchema,
    CaseStatusSchema,
    CaseUpdateSchema,
)

bp = Blueprint("cases", __name__, url_prefix="/api/v1")
TAGS = ["cases"]
CASE_HEADERS = {"Location": "The case's URL.", "ETag": "The case's version."}
ETAG = {"ETag": "The case's version, for If-Match."}


@bp.get("/cases")
@requires("cases:read")
@operation("List cases (filtered; newest first, or sorted)", tags=TAGS, query=CaseQuerySchema,
           response=CasePageSchema,
           description="`status`, `priority`, `type` and `channel` may repeat or hold commas. `sort=due` is the "
                       "agent's queue: the least business time left on a running SLA clock first, cases whose "
                       "clocks are paused (pending, on hold) or stopped last. `sla=breached|due_soon|paused` filters "
                       "by the clocks. Cases merged into others are left out unless `include_merged=true`. An "
                       "account's cases: `account_id=`.")
def list_cases(query):
    return listing("support", "list_cases", query)


@bp.post("/cases")
@requires("cases:write")
@operation("Open a case", tags=TAGS, body=CaseCreateSchema, response=CaseDetailSchema, status=201,
           headers=CASE_HEADERS,
           description="Without `team_id` or `owner_id` the routing rules choose the team and the team's "
                       "assignment method the owner. The contact's account is the case's when no `account_id` is "
                       "given; `contact_email` alone finds the contact by its address, or is kept as the sender. "
                       "422 names the field that refers to nothing (or to a merged account, naming the survivor).")
def create_case(body):
    case = call("support", "create_case", body.wire(), actor())
    return created(case, "cases.get_case", case_id=case["id"])


@bp.get("/cases/counts")
@requires("cases:read")
@operation("Count cases by status", tags=TAGS, query=CaseCountQuerySchema, response=CaseCountsSchema,
           description="The numbers beside the list's status links: the list's filters but `status` (paging and "
                       "sort are refused here); every status present (0 when none).")
def count_cases(query):
    return listing("support", "count_cases", query)


@bp.get("/cases/<uuid:case_id>")
@requires("cases:read")
@operation("Get a case with its SLA clocks", tags=TAGS, response=CaseDetailSchema, headers=ETAG,
           description="`allowed_statuses` lists the moves it may make now; `sla` its clocks (business seconds "
                       "used and left, due moment, paused or running, breached).")
def get_case(case_id):
    return versioned(call("support", "get_case", str(case_id)))


@bp.patch("/cases/<uuid:case_id>")
@requires("cases:write")
@operation("Change a case (priority, type, tags, subject, owner, team, account, contact, order)", tags=TAGS,
           body=CaseUpdateSchema, response=CaseDetailSchema, headers={"ETag": "The case's new version."},
           problems=(409, 412), request_headers=("If-Match",),
           description="Only the given fields change; `null` clears an optional one. A new priority may choose "
                       "another SLA policy (the business time used is kept). A closed case is not changed (409). "
                       "Send the ETag of your GET in If-Match to be told (412) when someone changed it meanwhile.")
def update_case(case_id, body, expected_version):
    return patch("support", "update_case", str(case_id), body, expected_version)


@bp.post("/cases/<uuid:case_id>/status")
@requires("cases:write")
@operation("Move a case to another status", tags=TAGS, body=CaseStatusSchema, response=CaseDetailSchema,
           headers={"ETag": "The case's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="new, open, pending (waiting on the customer: SLA time stops), on_hold (waiting on someone "
                       "else: SLA time stops), resolved (the contact gets a satisfaction survey), closed. Only legal "
                       "moves: 409 with `allowed` otherwise. resolved -> open reopens the case.")
def change_status(case_id, body, expected_version):
    return versioned(call("support", "change_case_status", str(case_id), body["status"], actor(), expected_version))


@bp.get("/cases/<uuid:case_id>/messages")
@requires("cases:read")
@operation("A case's conversation, oldest first", tags=TAGS, query=CaseMessageQuerySchema,
           response=CaseMessagePageSchema,
           description="Public replies, internal notes and the customer's messages, with those of the cases "
                       "merged into this one (their `case_id` says where they were written).")
def list_messages(case_id, query):
    return listing("support", "list_case_messages", query, str(case_id))


@bp.post("/cases/<uuid:case_id>/messages")
@requires("cases:write")
@operation("Reply to the customer, or add an internal note", tags=TAGS, body=CaseMessageCreateSchema,
           response=CaseMessageSchema, status=201, problems=(409,),
           description="`reply` is emailed to the case's contact (threaded, from the support address) and counts "
                       "as the SLA's response; the first reply opens a new case. `note` is internal. A closed case "
                       "takes notes only (409 for a reply).")
def add_message(case_id, body):
    return call("support", "add_case_message", str(case_id), body.wire(), actor()), 201


@bp.post("/cases/<uuid:case_id>/merge")
@requires("cases:write")
@operation("Merge a duplicate case into another", tags=TAGS, body=CaseMergeSchema, response=CaseDetailSchema,
           headers={"ETag": "The target's version."}, problems=(409,),
           description="This case is closed with `merged_into` (its SLA clocks stop); its conversation shows on "
                       "the target, and the customer's mail about it lands there. Answers the target. 409 when this "
                       "case was merged already or the target is closed.")
def merge_case(case_id, body):
    return versioned(call("support", "merge_case", str(case_id), body.wire(), actor()))


@bp.get("/cases/<uuid:case_id>/history")
@requires("cases:read")
@operation("A case's changes, newest first", tags=TAGS, query=CaseHistoryQuerySchema,
           response=CaseHistoryPageSchema,
           description="Each change with who made it (`system:...` for the service's own) and the fields as "
                       "`[before, after]`.")
def case_history(case_id, query):
    return listing("support", "case_history", query, str(case_id))
