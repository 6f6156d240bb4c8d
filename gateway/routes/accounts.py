"""Accounts (the customer master) of the sales service: list, create, read,
change, merge, hierarchy, and the account's activity timeline."""

from flask import Blueprint

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.common import PageQuerySchema
from shared.schemas.sales.accounts import (
    AccountCreateSchema,
    AccountHierarchySchema,
    AccountMergeResultSchema,
    AccountMergeSchema,
    AccountPageSchema,
    AccountQuerySchema,
    AccountSchema,
    AccountUpdateSchema,
)
from shared.schemas.sales.activities import ActivityPageSchema, TimelineQuerySchema
from shared.schemas.sales.history import RecordHistoryPageSchema

bp = Blueprint("accounts", __name__, url_prefix="/api/v1/accounts")
TAGS = ["accounts"]


@bp.get("")
@requires("accounts:read")
@operation("List accounts (filtered; by name, or sorted)", tags=TAGS, query=AccountQuerySchema,
           response=AccountPageSchema,
           description="`type` may repeat (`type=customer&type=partner`) or hold commas. Merged accounts are "
                       "left out unless `include_merged=true`.")
def list_accounts(query):
    return listing("sales", "list_accounts", query)


@bp.post("")
@requires("accounts:write")
@operation("Create an account", tags=TAGS, body=AccountCreateSchema, response=AccountSchema, status=201,
           headers={"Location": "The account's URL.", "ETag": "The account's version."}, problems=(409,),
           description="409 with `existing_id` when a live account has the same domain, or the same name in "
                       "the same country.")
def create_account(body):
    owners.require_owner(body)
    return create("sales", "create_account", body, "accounts.get_account", "account_id")


@bp.get("/<uuid:account_id>")
@requires("accounts:read")
@operation("Get an account", tags=TAGS, response=AccountSchema,
           headers={"ETag": "The account's version, for If-Match."},
           description="A merged account is still answered, with `merged_into` naming the survivor.")
def get_account(account_id):
    return versioned(call("sales", "get_account", account_id))


@bp.patch("/<uuid:account_id>")
@requires("accounts:write")
@operation("Change an account's fields", tags=TAGS, body=AccountUpdateSchema, response=AccountSchema,
           headers={"ETag": "The account's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Only the given fields change; `null` clears an optional one. Send the ETag of your GET "
                       "in If-Match to be told (412) when someone changed the account in between. A parent must "
                       "exist, not be merged, and not make a cycle (422 on `parent_id`).")
def update_account(account_id, body, expected_version):
    owners.require_owner(body)
    return patch("sales", "update_account", account_id, body, expected_version)


@bp.post("/<uuid:account_id>/merge")
@requires("accounts:write")
@operation("Merge a duplicate account into this one", tags=TAGS, body=AccountMergeSchema,
           response=AccountMergeResultSchema, headers={"ETag": "The survivor's new version."}, problems=(409,),
           description="The duplicate's contacts, opportunities, activities and child accounts move to this "
                       "account, which fills its empty fields from the duplicate; the duplicate stays readable "
                       "with `merged_into`.")
def merge_accounts(account_id, body):
    result = call("sales", "merge_accounts", account_id, str(body["duplicate_id"]), actor())
    return versioned(result, version_of=result["account"])


@bp.get("/<uuid:account_id>/history")
@requires("accounts:read")
@operation("An account's history of changes, newest first", tags=TAGS, query=PageQuerySchema,
           response=RecordHistoryPageSchema,
           description="Who changed what and when: each entry has the fields that changed as [before, after]. "
                       "A merged account keeps its history; the survivor's starts with its own. Changes made "
                       "before histories were kept are not listed.")
def account_history(account_id, query):
    return listing("sales", "account_history", query, account_id)


@bp.get("/<uuid:account_id>/hierarchy")
@requires("accounts:read")
@operation("An account with its ancestors and children", tags=TAGS, response=AccountHierarchySchema)
def account_hierarchy(account_id):
    return call("sales", "account_hierarchy", account_id)


@bp.get("/<uuid:account_id>/timeline")
@requires("accounts:read")
@operation("An account's activities, newest first", tags=TAGS + ["activities"], query=TimelineQuerySchema,
           response=ActivityPageSchema,
           description="Calls, meetings, tasks and notes of the account, its contacts and its opportunities; part of "
                       "the account view, so every role that reads accounts reads it. "
                       "`kind` may repeat or hold commas.")
def account_timeline(account_id, query):
    return listing("sales", "account_timeline", query, account_id)
