"""Activities (calls, meetings, tasks, notes) of the sales service; an
account's timeline is under /accounts/{id}/timeline."""

from flask import Blueprint

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import create, listing, patch, versioned
from shared.schemas.sales.activities import (
    ActivityCreateSchema,
    ActivityPageSchema,
    ActivityQuerySchema,
    ActivitySchema,
    ActivityUpdateSchema,
)

bp = Blueprint("activities", __name__, url_prefix="/api/v1/activities")
TAGS = ["activities"]


@bp.get("")
@requires("sales:read")
@operation("List activities (filtered; newest first, or soonest due first)", tags=TAGS,
           query=ActivityQuerySchema, response=ActivityPageSchema,
           description="`kind` and `status` may repeat (`kind=call&kind=meeting`) or hold commas.\n\n"
                       "A task list: `owner=<username>&kind=task&status=open&sort=due_at`, and for one part of "
                       "it a due window in the user's time zone: today is `due_after=<today 00:00 local>"
                       "&due_before=<tomorrow 00:00 local>`, overdue is `due_before=<now>`, upcoming is "
                       "`due_after=<now>` (times with their offset, like 2026-11-02T00:00:00+01:00). "
                       "`kind=meeting` gives the meetings the same way. Complete one with PATCH "
                       "`{\"status\": \"done\"}`.")
def list_activities(query):
    return listing("sales", "list_activities", query)


@bp.post("")
@requires("sales:write")
@operation("Log an activity", tags=TAGS, body=ActivityCreateSchema, response=ActivitySchema, status=201,
           headers={"Location": "The activity's URL.", "ETag": "The activity's version."},
           description="Link it to an account, a contact, an opportunity or a lead (at least one); the account "
                       "is taken from the contact or opportunity when omitted. An activity with a lead counts "
                       "towards the lead's engagement.")
def log_activity(body):
    owners.require_owner(body)
    return create("sales", "log_activity", body, "activities.get_activity", "activity_id")


@bp.get("/<uuid:activity_id>")
@requires("sales:read")
@operation("Get an activity", tags=TAGS, response=ActivitySchema,
           headers={"ETag": "The activity's version, for If-Match."})
def get_activity(activity_id):
    return versioned(call("sales", "get_activity", activity_id))


@bp.patch("/<uuid:activity_id>")
@requires("sales:write")
@operation("Change an activity (reschedule, complete, cancel, edit)", tags=TAGS, body=ActivityUpdateSchema,
           response=ActivitySchema, headers={"ETag": "The activity's new version."}, problems=(412,),
           request_headers=("If-Match",),
           description="Only the given fields change; status `done` sets completed_at. Send the ETag of your GET "
                       "in If-Match to be told (412) when someone changed the activity in between.")
def update_activity(activity_id, body, expected_version):
    owners.require_owner(body)
    return patch("sales", "update_activity", activity_id, body, expected_version)
