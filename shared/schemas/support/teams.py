"""Contracts of the support service's teams area: agents, teams and their
members, routing rules (which team a new case goes to) and the routing
preview.

A team gives a case that reaches it an owner among its available members
by ``assignment_method``: ``round_robin`` (in turn: the member whose last
case is the oldest), ``fewest_open`` (the member with the fewest open cases:
new, open, pending or on hold; ties in turn) or ``manual`` (no owner: someone
takes it).  Routing rules are tried in ``position`` order; the first whose
every given condition holds sends the case to its team (a rule whose team is
inactive is passed over); when none does, the default team (``is_default``)
takes it (none while it is inactive)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema, VersionedSchema, WholeNumber, email_address, text
from shared.schemas.sales.accounts import ACCOUNT_TYPES

CHANNELS = ("email", "web", "phone", "portal", "chat")
ASSIGNMENT_METHODS = ("round_robin", "fewest_open", "manual")
MAX_CONDITION_VALUES = 50


def _name(**kwargs):
    return fields.String(validate=validate.Length(min=1, max=100), **kwargs)


def _unique_list(item, description, **kwargs):
    def unique(values):
        if len({value.lower() if isinstance(value, str) else value for value in values}) != len(values):
            raise ValidationError("Each value at most once.")

    return fields.List(item, validate=[validate.Length(max=MAX_CONDITION_VALUES), unique],
                       metadata={"description": description, "uniqueItems": True}, **kwargs)


# Agents ------------------------------------------------------------------------

class AgentInputSchema(TrimmedSchema):
    """A user of the suite as the gateway knows it (its id is the user's id)."""

    user_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = email_address(allow_none=True, load_default=None, metadata={
        "description": "Where escalations and follow-ups for this agent are mailed; none: not mailed."})


# Teams -------------------------------------------------------------------------

class TeamFieldsSchema(TrimmedSchema):
    name = _name(error_messages={"null": "A team needs a name."})
    description = text(2000)
    assignment_method = fields.String(validate=validate.OneOf(ASSIGNMENT_METHODS), metadata={
        "description": "round_robin (in turn), fewest_open (fewest open cases first) or manual (no owner)."})
    nps_enabled = fields.Boolean(metadata={"description": "Its surveys also ask the 0-10 recommendation score."})
    is_default = fields.Boolean(metadata={
        "description": "The team of cases no routing rule takes; making a team the default unmarks the former "
                       "one. While the default team is inactive, such cases get no team."})
    active = fields.Boolean(metadata={"description": "An inactive team is given no new cases."})


class TeamCreateSchema(TeamFieldsSchema):
    name = _name(required=True, error_messages={"required": "A team needs a name.",
                                                "null": "A team needs a name."})
    assignment_method = fields.String(load_default="round_robin", validate=validate.OneOf(ASSIGNMENT_METHODS))
    nps_enabled = fields.Boolean(load_default=False)
    is_default = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)


class TeamUpdateSchema(TeamFieldsSchema):
    """PATCH: only the given keys change."""

    lead_id = fields.UUID(allow_none=True, metadata={
        "description": "The team lead: one of its members (422 otherwise); null: none. Escalations and "
                       "low-score follow-ups go to the lead."})


class TeamQuerySchema(StrictSchema):
    active = fields.Boolean(load_default=None, allow_none=True)


class TeamMemberSchema(StrictSchema):
    user_id = fields.UUID(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True)
    available = fields.Boolean(required=True, metadata={"description": "Given new cases."})
    active = fields.Boolean(required=True, metadata={"description": "The agent is active at all."})
    joined_at = fields.AwareDateTime(required=True)


class TeamSchema(VersionedSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    assignment_method = fields.String(required=True)
    nps_enabled = fields.Boolean(required=True)
    is_default = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)
    members = fields.List(fields.Nested(TeamMemberSchema), required=True)


class TeamListSchema(StrictSchema):
    items = fields.List(fields.Nested(TeamSchema), required=True)


class TeamMemberAddSchema(AgentInputSchema):
    """The RPC form: the agent (upserted) and whether it takes cases now."""

    available = fields.Boolean(load_default=True)


class TeamMemberUpdateSchema(StrictSchema):
    available = fields.Boolean(required=True, metadata={"description": "Whether the member is given new cases."})


# Routing rules --------------------------------------------------------------------

class RoutingRuleFieldsSchema(TrimmedSchema):
    trimmed_items = ("tags", "keywords")
    name = _name(error_messages={"null": "A rule needs a name."})
    position = WholeNumber(strict=True, validate=validate.Range(min=1, max=100_000), metadata={
        "description": "Where it is tried (1: first); the others move down. Past the end: last."})
    channels = _unique_list(fields.String(validate=validate.OneOf(CHANNELS)), "The case came in on one of these.")
    account_types = _unique_list(fields.String(validate=validate.OneOf(ACCOUNT_TYPES)),
                                 "The case's account is of one of these types.")
    tags = _unique_list(fields.String(validate=validate.Length(min=1, max=50)),
                        "The case has one of these tags (letter case ignored).")
    keywords = _unique_list(fields.String(validate=validate.Length(min=1, max=100)),
                            "One of these words or phrases is a whole word of the subject or description "
                            "(letter case ignored).")
    team_id = fields.UUID(error_messages={"null": "A rule sends cases to a team."})
    active = fields.Boolean()


class RoutingRuleCreateSchema(RoutingRuleFieldsSchema):
    name = _name(required=True, error_messages={"required": "A rule needs a name.", "null": "A rule needs a name."})
    position = WholeNumber(strict=True, load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=100_000),
                           metadata={"description": "Where it is tried (1: first); none: last."})
    channels = _unique_list(fields.String(validate=validate.OneOf(CHANNELS)), "The case came in on one of these.",
                            load_default=list)
    account_types = _unique_list(fields.String(validate=validate.OneOf(ACCOUNT_TYPES)),
                                 "The case's account is of one of these types.", load_default=list)
    tags = _unique_list(fields.String(validate=validate.Length(min=1, max=50)),
                        "The case has one of these tags (letter case ignored).", load_default=list)
    keywords = _unique_list(fields.String(validate=validate.Length(min=1, max=100)),
                            "One of these words or phrases is a whole word of the subject or description "
                            "(letter case ignored).", load_default=list)
    team_id = fields.UUID(required=True, error_messages={"required": "A rule sends cases to a team.",
                                                         "null": "A rule sends cases to a team."})
    active = fields.Boolean(load_default=True)


class RoutingRuleUpdateSchema(RoutingRuleFieldsSchema):
    """PATCH: only the given keys change; a list given replaces the old one."""


class RoutingRuleSchema(VersionedSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    channels = fields.List(fields.String(), required=True)
    account_types = fields.List(fields.String(), required=True)
    tags = fields.List(fields.String(), required=True)
    keywords = fields.List(fields.String(), required=True)
    team_id = fields.UUID(required=True)
    team_name = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True)


class RoutingRuleListSchema(StrictSchema):
    items = fields.List(fields.Nested(RoutingRuleSchema), required=True)


class RuleOrderSchema(StrictSchema):
    ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=1000), metadata={
        "description": "Every rule's id, each once, in the new order.", "uniqueItems": True})

    @validates_schema
    def each_once(self, data, **kwargs):
        if len(set(data["ids"])) != len(data["ids"]):
            raise ValidationError("Each id at most once.", "ids")


class RoutingPreviewSchema(TrimmedSchema):
    """A case-like input: what a new case would carry."""

    trimmed_items = ("tags",)
    subject = text(500, load_default=None)
    description = text(20_000, load_default=None)
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS))
    account_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "Its type is read from support's copy of the account (or give account_type)."})
    account_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ACCOUNT_TYPES))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list,
                       validate=validate.Length(max=MAX_CONDITION_VALUES))


class RoutingRuleRefSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)


class RoutingTeamRefSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    assignment_method = fields.String(required=True)


class RoutingPreviewResultSchema(StrictSchema):
    rule = fields.Nested(RoutingRuleRefSchema, allow_none=True, required=True, metadata={
        "description": "The rule that takes the case; null: none does."})
    team = fields.Nested(RoutingTeamRefSchema, allow_none=True, required=True, metadata={
        "description": "The team it goes to (the default team when no rule takes it); null: none."})
    by_default = fields.Boolean(required=True, metadata={"description": "The default team takes it."})
    owner_id = fields.UUID(allow_none=True, required=True, metadata={
        "description": "The member who would own it if it were opened now (nothing is taken)."})


class TeamMemberBodySchema(TrimmedSchema):
    """The API form of adding a member: a user of the suite (its name comes
    from the user's display name, else its username)."""

    user_id = fields.UUID(required=True, metadata={"description": "The id of an active user (GET /api/v1/users)."})
    email = email_address(allow_none=True, load_default=None, metadata={
        "description": "Where escalations for this agent are mailed; none: not mailed (kept when it was given "
                       "before)."})
    available = fields.Boolean(load_default=True)


class AgentQuerySchema(StrictSchema):
    team_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "Members of this team."})
    active = fields.Boolean(load_default=None, allow_none=True)


class AgentTeamSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    available = fields.Boolean(required=True)


class AgentSchema(StrictSchema):
    """An agent: a user of the suite who is (or was) a member of a support team."""

    user_id = fields.UUID(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)
    teams = fields.List(fields.Nested(AgentTeamSchema), required=True)


class AgentListSchema(StrictSchema):
    items = fields.List(fields.Nested(AgentSchema), required=True)
