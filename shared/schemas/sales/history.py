"""Contracts of the sales service: the history of accounts, contacts and
opportunities (one entry per change, newest first)."""

from marshmallow import fields

from shared.schemas.common import StrictSchema

ACTIONS_HELP = (
    "What happened: `created`; `updated` (fields changed); `stage_changed` (an opportunity moved to another "
    "stage, with what the move implied); `merged` (an account took in the account named by `merged_id` and "
    "filled its empty fields from it); `merged_into` (the account was merged into another); `account_merged` "
    "(the record moved from a merged account to the survivor: `account_id`, or `parent_id` for a child "
    "account).")


class RecordChangeSchema(StrictSchema):
    """One change of a record: who made it, when, and what changed."""

    at = fields.AwareDateTime(required=True)
    actor = fields.String(allow_none=True, required=True, metadata={"description": "The username that made it."})
    action = fields.String(required=True, metadata={"description": ACTIONS_HELP})
    changes = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "{field: [before, after]} for each field that changed (none for `created`); `merged` "
                       "also holds `merged_id`."})


class RecordHistoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(RecordChangeSchema), required=True, metadata={"description": "Newest first."})
    next_cursor = fields.String(allow_none=True)
