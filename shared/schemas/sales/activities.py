"""Contracts of the sales service: activities (calls, meetings, tasks, notes)
and the account timeline."""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import (
    AuthoredSchema,
    PageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    any_given,
    filter_values,
    text,
)
from shared.schemas.events import register_event

KINDS = ("call", "meeting", "task", "note")
STATUSES = ("open", "done", "cancelled")
LINKS = ("account_id", "contact_id", "opportunity_id", "lead_id")
SUBJECT_MAX = 300
BODY_MAX = 20_000


SUBJECT_LENGTH = [validate.Length(min=1, error="Must not be blank."), validate.Length(max=SUBJECT_MAX)]


class ActivityFieldsSchema(TrimmedSchema):
    """What may be set on an activity both when logging and when changing it."""

    trimmed = ("subject", "owner")
    keep_blank = ("subject",)  # refused: "Must not be blank."

    subject = fields.String(validate=SUBJECT_LENGTH,
                            metadata={"description": "One line: what the call, meeting, task or note is about."})
    body = text(BODY_MAX, metadata={"description": "Free text: minutes, details."})
    status = fields.String(validate=validate.OneOf(STATUSES),
                           metadata={"description": "open, done or cancelled; done sets completed_at. Default: a "
                                                    "note is done, a task open, a call or meeting open when due_at "
                                                    "is in the future and done otherwise."})
    due_at = fields.AwareDateTime(allow_none=True,
                                  metadata={"description": "When it is due or scheduled (tasks, planned calls and "
                                                           "meetings)."})
    occurred_at = fields.AwareDateTime(
        metadata={"description": "When it happened or is planned: the timeline's order. Default: due_at, else "
                                 "now (notes: now)."})
    owner = text(100, metadata={"description": "The user responsible for it: the username of an active user."})


class ActivityCreateSchema(ActivityFieldsSchema):
    """A new activity, linked to an account, a contact, an opportunity or a lead (at least one)."""

    json_schema_extra = any_given(*LINKS, text=False)

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    subject = fields.String(required=True, validate=SUBJECT_LENGTH,
                            metadata={"description": "One line: what the call, meeting, task or note is about."})
    account_id = fields.UUID(allow_none=True, metadata={
        "description": "Filled from the contact or opportunity when omitted; when given it must be theirs."})
    contact_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    lead_id = fields.UUID(allow_none=True, metadata={"description": "A lead of the leads service."})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "description": "Default: done for notes, open for the others; done sets completed_at."})
    occurred_at = fields.AwareDateTime(metadata={
        "description": "When it happened or is planned. Default: due_at for tasks (when given), else now."})

    @validates_schema
    def linked_to_something(self, data, **kwargs):
        if not any(data.get(key) for key in LINKS):
            raise ValidationError("Link the activity to an account, a contact, an opportunity or a lead.", "_schema")


class ActivityUpdateSchema(ActivityFieldsSchema):
    """Only the given keys change (PATCH)."""


class ActivitySchema(AuthoredSchema):
    """An activity as returned by the API and carried in events."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    subject = fields.String(required=True)
    body = fields.String(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    contact_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    due_at = fields.AwareDateTime(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When it was marked done."})
    owner = fields.String(allow_none=True)


ACTIVITY_SORTS = ("-occurred_at", "due_at")


class ActivityQuerySchema(PageQuerySchema):
    """Filters of the activity list (newest first by occurred_at, id, or as ``sort`` says)."""

    account_id = fields.UUID(load_default=None)
    contact_id = fields.UUID(load_default=None)
    opportunity_id = fields.UUID(load_default=None)
    lead_id = fields.UUID(load_default=None)
    owner = text(100, load_default=None, metadata={"description": "Only the activities of this owner (a username)."})
    kind = filter_values(fields.String(validate=validate.OneOf(KINDS)))
    status = filter_values(fields.String(validate=validate.OneOf(STATUSES)))
    due_before = fields.AwareDateTime(load_default=None, metadata={"description": "Only those due before this time."})
    due_after = fields.AwareDateTime(load_default=None, metadata={
        "description": "Only those due at or after this time; not after due_before (422 otherwise)."})
    sort = fields.String(load_default="-occurred_at", validate=validate.OneOf(ACTIVITY_SORTS), metadata={
        "description": "-occurred_at: newest first (the default); due_at: soonest due first, those without a "
                       "due time last. A cursor continues the sort it came from."})

    @validates_schema
    def ordered_due_times(self, data, **kwargs):
        if data.get("due_before") and data.get("due_after") and data["due_after"] > data["due_before"]:
            raise ValidationError("due_after must not be after due_before.", "due_after")


class TimelineQuerySchema(PageQuerySchema):
    """The account timeline: its activities and its contacts' and opportunities', newest first."""

    kind = filter_values(fields.String(validate=validate.OneOf(KINDS)))


class ActivityPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ActivitySchema), required=True)
    next_cursor = fields.String(allow_none=True)


# Events -------------------------------------------------------------------

class ActivityLoggedEventSchema(StrictSchema):
    activity = fields.Nested(ActivitySchema, required=True)


register_event("activity.logged", ActivityLoggedEventSchema, "sales",
               "A call, meeting, task or note was logged (leads credits the lead's engagement when lead_id is set).")
