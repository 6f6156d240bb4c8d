"""Contracts of the support service's escalation area: escalation rules as
data, the escalations applied to a case, and the ``case.escalated`` event.

On an SLA warning or breach every active rule whose conditions hold is
applied, in ``position`` order, once per clock, kind and rule (a second
report of the same moment applies nothing).  Conditions: ``on_event``
(warning or breach), ``metric`` (null: any clock), ``priorities`` and
``team_ids`` of the case (empty: any).  Actions: ``notify_owner`` and
``notify_team_lead`` (an email), ``move_to_team_id`` (the case moves to that
team and gets its next owner there by the team's method), ``raise_priority``
(one step: low, normal, high, urgent)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema, VersionedSchema, WholeNumber
from shared.schemas.events import register_event
from shared.schemas.support.cases import PRIORITIES, CaseSchema

KINDS = ("warning", "breach")
METRICS = ("first_response", "next_response", "resolution")
ACTIONS = ("notify_owner", "notify_team_lead", "move_to_team", "raise_priority")
ACTION_FIELDS = ("notify_owner", "notify_team_lead", "move_to_team_id", "raise_priority")
NO_ACTION = "A rule does something: notify_owner, notify_team_lead, move_to_team_id or raise_priority."


def _unique(values):
    if len(set(values)) != len(values):
        raise ValidationError("Each value at most once.")


class EscalationRuleFieldsSchema(TrimmedSchema):
    name = fields.String(validate=validate.Length(min=1, max=100), error_messages={"null": "A rule needs a name."})
    position = WholeNumber(strict=True, validate=validate.Range(min=1, max=100_000), metadata={
        "description": "Where it is applied among the rules (1: first); the others move down."})
    on_event = fields.String(validate=validate.OneOf(KINDS), metadata={
        "description": "warning (the share of the target the policy warns at was used) or breach."})
    metric = fields.String(allow_none=True, validate=validate.OneOf(METRICS), metadata={
        "description": "The clock: first_response, next_response or resolution; null: any."})
    priorities = fields.List(fields.String(validate=validate.OneOf(PRIORITIES)),
                             validate=[validate.Length(max=len(PRIORITIES)), _unique],
                             metadata={"description": "The case has one of these priorities; empty: any.",
                                       "uniqueItems": True})
    team_ids = fields.List(fields.UUID(), validate=[validate.Length(max=100), _unique],
                           metadata={"description": "The case is in one of these teams; empty: any.",
                                     "uniqueItems": True})
    notify_owner = fields.Boolean(metadata={"description": "Mail the case's owner."})
    notify_team_lead = fields.Boolean(metadata={"description": "Mail the lead of the case's team."})
    move_to_team_id = fields.UUID(allow_none=True, metadata={
        "description": "Move the case to this team (its next owner there by the team's method)."})
    raise_priority = fields.Boolean(metadata={"description": "Raise the priority one step (urgent stays)."})
    active = fields.Boolean()


class EscalationRuleCreateSchema(EscalationRuleFieldsSchema):
    json_schema_extra = {"anyOf": [
        {"required": ["notify_owner"], "properties": {"notify_owner": {"const": True}}},
        {"required": ["notify_team_lead"], "properties": {"notify_team_lead": {"const": True}}},
        {"required": ["move_to_team_id"], "properties": {"move_to_team_id": {"type": "string"}}},
        {"required": ["raise_priority"], "properties": {"raise_priority": {"const": True}}},
    ]}
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         error_messages={"required": "A rule needs a name.", "null": "A rule needs a name."})
    position = WholeNumber(strict=True, load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=100_000),
                           metadata={"description": "Where it is applied (1: first); none: last."})
    on_event = fields.String(required=True, validate=validate.OneOf(KINDS))
    metric = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(METRICS))
    priorities = fields.List(fields.String(validate=validate.OneOf(PRIORITIES)), load_default=list,
                             validate=[validate.Length(max=len(PRIORITIES)), _unique], metadata={"uniqueItems": True})
    team_ids = fields.List(fields.UUID(), load_default=list, validate=[validate.Length(max=100), _unique],
                           metadata={"uniqueItems": True})
    notify_owner = fields.Boolean(load_default=False)
    notify_team_lead = fields.Boolean(load_default=False)
    move_to_team_id = fields.UUID(load_default=None, allow_none=True)
    raise_priority = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def does_something(self, data, **kwargs):
        if not any(data.get(field) for field in ACTION_FIELDS):
            raise ValidationError(NO_ACTION, "_schema")


class EscalationRuleUpdateSchema(EscalationRuleFieldsSchema):
    """PATCH: only the given keys change (the rule must still do something)."""


class EscalationRuleSchema(VersionedSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    on_event = fields.String(required=True)
    metric = fields.String(allow_none=True)
    priorities = fields.List(fields.String(), required=True)
    team_ids = fields.List(fields.UUID(), required=True)
    notify_owner = fields.Boolean(required=True)
    notify_team_lead = fields.Boolean(required=True)
    move_to_team_id = fields.UUID(allow_none=True)
    raise_priority = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)


class EscalationRuleListSchema(StrictSchema):
    items = fields.List(fields.Nested(EscalationRuleSchema), required=True)


class EscalationQuerySchema(StrictSchema):
    case_id = fields.UUID(required=True, metadata={"description": "The case whose escalations to list."})


class EscalationActionSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    done = fields.Boolean(required=True, metadata={"description": "False: nothing to do (see reason)."})
    reason = fields.String(allow_none=True, metadata={
        "description": "Why nothing was done: no owner, no lead, no email address, already urgent, "
                       "already in that team, the team is inactive."})
    to = fields.String(allow_none=True, metadata={"description": "The address mailed."})
    team_id = fields.UUID(allow_none=True, metadata={"description": "move_to_team: the new team."})
    owner_id = fields.UUID(allow_none=True, metadata={"description": "move_to_team: the new owner (or none)."})
    priority = fields.String(allow_none=True, metadata={"description": "raise_priority: the new priority."})


class EscalationSchema(StrictSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    rule_id = fields.UUID(required=True)
    rule_name = fields.String(required=True)
    actions = fields.List(fields.Nested(EscalationActionSchema), required=True)
    created_at = fields.AwareDateTime(required=True)


class EscalationListSchema(StrictSchema):
    items = fields.List(fields.Nested(EscalationSchema), required=True)


class CaseEscalatedEventSchema(StrictSchema):
    case = fields.Nested(CaseSchema, required=True, metadata={"description": "The case after the rule's actions."})
    escalation = fields.Nested(EscalationSchema, required=True)


register_event("case.escalated", CaseEscalatedEventSchema, "support",
               "An escalation rule was applied to a case on an SLA warning or breach (one event per rule).")
