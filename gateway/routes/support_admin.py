"""Support administration: teams and their members, routing rules (which
team a new case goes to) and escalation rules (what an SLA warning or breach
does).

Every role reads teams (an agent picks a team to hand a case to); only
admins (``support:admin``) change them, and read and change the rules.  A
member is a user of the suite: the gateway looks the user up and passes its
id and name (display name, else username) with the email address the admin
gives to the support service, which keeps it as an agent."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import call, resources
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.support.escalation import (
    EscalationListSchema,
    EscalationQuerySchema,
    EscalationRuleCreateSchema,
    EscalationRuleListSchema,
    EscalationRuleSchema,
    EscalationRuleUpdateSchema,
)
from shared.schemas.support.teams import (
    AgentListSchema,
    AgentQuerySchema,
    RoutingPreviewResultSchema,
    RoutingPreviewSchema,
    RoutingRuleCreateSchema,
    RoutingRuleListSchema,
    RoutingRuleSchema,
    RoutingRuleUpdateSchema,
    RuleOrderSchema,
    TeamCreateSchema,
    TeamListSchema,
    TeamMemberBodySchema,
    TeamMemberUpdateSchema,
    TeamQuerySchema,
    TeamSchema,
    TeamUpdateSchema,
)

bp = Blueprint("support_admin", __name__, url_prefix="/api/v1")
TEAM_TAGS = ["support teams"]
ROUTING_TAGS = ["support routing"]
ESCALATION_TAGS = ["support escalation"]
TEAM_ETAG = {"ETag": "The team's version."}
RULE_ETAG = {"ETag": "The rule's version."}


# Teams ----------------------------------------------------------------------------

@bp.get("/support/teams")
@requires("cases:read")
@operation("List the support teams with their members", tags=TEAM_TAGS, query=TeamQuerySchema,
           response=TeamListSchema, description="By name; `active=true` leaves out inactive teams.")
def list_teams(query):
    return listing("support", "list_teams", query)


@bp.post("/support/teams")
@requires("support:admin")
@operation("Create a support team", tags=TEAM_TAGS, body=TeamCreateSchema, response=TeamSchema, status=201,
           headers={"Location": "The team's URL.", **TEAM_ETAG}, problems=(409,),
           description="409 with `existing_id` when a team has the name (in any letter case). Add members next, "
                       "then make one of them the lead (PATCH `lead_id`).")
def create_team(body):
    return create("support", "create_team", body, "support_admin.get_team", "team_id")


@bp.get("/support/teams/<uuid:team_id>")
@requires("cases:read")
@operation("Get a support team with its members", tags=TEAM_TAGS, response=TeamSchema,
           headers={"ETag": "The team's version, for If-Match."})
def get_team(team_id):
    return versioned(call("support", "get_team", str(team_id)))


@bp.patch("/support/teams/<uuid:team_id>")
@requires("support:admin")
@operation("Change a support team", tags=TEAM_TAGS, body=TeamUpdateSchema, response=TeamSchema, headers=TEAM_ETAG,
           problems=(409, 412), request_headers=("If-Match",),
           description="`lead_id` names one of its members (422 otherwise). Making a team the default unmarks the "
                       "former default.")
def update_team(team_id, body, expected_version):
    return patch("support", "update_team", str(team_id), body, expected_version)


def _agent(user_id, email):
    """The user as the support service keeps an agent; 422 on user_id when
    there is no active user with that id."""
    with resources().db.connection() as conn:
        user = conn.execute("SELECT id, username, display_name FROM users WHERE id = %s AND active",
                            (str(user_id),)).fetchone()
    if user is None:
        raise HttpProblem(422, f"No active user with id {user_id}: a member is one of the suite's active users "
                               "(GET /api/v1/users lists them).", title="Validation failed",
                          errors={"user_id": ["No such user: a member is an active user of the suite."]})
    return {"user_id": str(user["id"]), "name": user["display_name"] or user["username"], "email": email}


@bp.post("/support/teams/<uuid:team_id>/members")
@requires("support:admin")
@operation("Add a user to a support team", tags=TEAM_TAGS, body=TeamMemberBodySchema, response=TeamSchema,
           headers=TEAM_ETAG,
           description="Answers the team. The user must be active (422 on `user_id` otherwise); `email` is where "
                       "escalations for them are mailed. A member already is one: its `available` is set.")
def add_team_member(team_id, body):
    member = {**_agent(body["user_id"], body.get("email")), "available": body["available"]}
    return versioned(call("support", "add_team_member", str(team_id), member, actor()))


@bp.patch("/support/teams/<uuid:team_id>/members/<uuid:user_id>")
@requires("support:admin")
@operation("Make a member available for new cases, or not", tags=TEAM_TAGS, body=TeamMemberUpdateSchema,
           response=TeamSchema, headers=TEAM_ETAG,
           description="An unavailable member (away) stays in the team but is given no new cases.")
def update_team_member(team_id, user_id, body):
    return versioned(call("support", "update_team_member", str(team_id), str(user_id), body.wire(), actor()))


@bp.delete("/support/teams/<uuid:team_id>/members/<uuid:user_id>")
@requires("support:admin")
@operation("Remove a member from a support team", tags=TEAM_TAGS, response=TeamSchema, headers=TEAM_ETAG,
           problems=(409,), description="Answers the team. 409 for its lead: make someone else the lead first.")
def remove_team_member(team_id, user_id):
    return versioned(call("support", "remove_team_member", str(team_id), str(user_id), actor()))


@bp.get("/support/agents")
@requires("cases:read")
@operation("List the support agents with their teams", tags=TEAM_TAGS, query=AgentQuerySchema,
           response=AgentListSchema,
           description="The users who are (or were) members of a support team, by name: whom a case can be "
                       "assigned to. `team_id` keeps a team's members.")
def list_agents(query):
    return listing("support", "list_agents", query)


# Routing rules ------------------------------------------------------------------------

@bp.get("/support/routing-rules")
@requires("support:admin")
@operation("List the routing rules in the order they are tried", tags=ROUTING_TAGS,
           response=RoutingRuleListSchema)
def list_routing_rules():
    return call("support", "list_routing_rules")


@bp.post("/support/routing-rules")
@requires("support:admin")
@operation("Create a routing rule", tags=ROUTING_TAGS, body=RoutingRuleCreateSchema, response=RoutingRuleSchema,
           status=201, headers={"Location": "The rule's URL.", **RULE_ETAG},
           description="The first rule (by position) whose every given condition holds sends a new case to its "
                       "team; a list holds when the case has any of its values. No rule: the default team.")
def create_routing_rule(body):
    return create("support", "create_routing_rule", body, "support_admin.get_routing_rule", "rule_id")


@bp.post("/support/routing-rules/order")
@requires("support:admin")
@operation("Put the routing rules in a new order", tags=ROUTING_TAGS, body=RuleOrderSchema,
           response=RoutingRuleListSchema,
           problems=(409,),
           description="`ids` names every rule once: 409 naming the missing and unknown ones, with `current_ids` "
                       "(the order now), otherwise.")
def reorder_routing_rules(body):
    return call("support", "reorder_routing_rules", body.wire()["ids"], actor())


@bp.post("/support/routing-rules/preview")
@requires("support:admin")
@operation("Which rule and team would take a case", tags=ROUTING_TAGS, body=RoutingPreviewSchema,
           response=RoutingPreviewResultSchema, body_optional=True,
           description="Nothing is stored and no turn is taken: `owner_id` is who would own the case if it were "
                       "opened now.")
def preview_routing(body):
    return call("support", "preview_routing", body.wire())


@bp.get("/support/routing-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Get a routing rule", tags=ROUTING_TAGS, response=RoutingRuleSchema,
           headers={"ETag": "The rule's version, for If-Match."})
def get_routing_rule(rule_id):
    return versioned(call("support", "get_routing_rule", str(rule_id)))


@bp.patch("/support/routing-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Change a routing rule", tags=ROUTING_TAGS, body=RoutingRuleUpdateSchema, response=RoutingRuleSchema,
           headers=RULE_ETAG, problems=(412,), request_headers=("If-Match",),
           description="A list given replaces the old one; `position` moves the rule (the others keep their order).")
def update_routing_rule(rule_id, body, expected_version):
    return patch("support", "update_routing_rule", str(rule_id), body, expected_version)


@bp.delete("/support/routing-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Delete a routing rule", tags=ROUTING_TAGS, status=204, problems=(412,), request_headers=("If-Match",))
def delete_routing_rule(rule_id, expected_version):
    call("support", "delete_routing_rule", str(rule_id), actor(), expected_version)
    return "", 204


# Escalation rules ------------------------------------------------------------------------

@bp.get("/support/escalation-rules")
@requires("support:admin")
@operation("List the escalation rules in the order they are applied", tags=ESCALATION_TAGS,
           response=EscalationRuleListSchema)
def list_escalation_rules():
    return call("support", "list_escalation_rules")


@bp.post("/support/escalation-rules")
@requires("support:admin")
@operation("Create an escalation rule", tags=ESCALATION_TAGS, body=EscalationRuleCreateSchema,
           response=EscalationRuleSchema, status=201, headers={"Location": "The rule's URL.", **RULE_ETAG},
           description="On an SLA warning or breach every active rule whose conditions hold is applied, in "
                       "position order, once per clock. A rule does at least one thing (422 on `_schema`).")
def create_escalation_rule(body):
    return create("support", "create_escalation_rule", body, "support_admin.get_escalation_rule", "rule_id")


@bp.post("/support/escalation-rules/order")
@requires("support:admin")
@operation("Put the escalation rules in a new order", tags=ESCALATION_TAGS, body=RuleOrderSchema,
           response=EscalationRuleListSchema, problems=(409,),
           description="`ids` names every rule once (409 with `current_ids` otherwise).")
def reorder_escalation_rules(body):
    return call("support", "reorder_escalation_rules", body.wire()["ids"], actor())


@bp.get("/support/escalation-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Get an escalation rule", tags=ESCALATION_TAGS, response=EscalationRuleSchema,
           headers={"ETag": "The rule's version, for If-Match."})
def get_escalation_rule(rule_id):
    return versioned(call("support", "get_escalation_rule", str(rule_id)))


@bp.patch("/support/escalation-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Change an escalation rule", tags=ESCALATION_TAGS, body=EscalationRuleUpdateSchema,
           response=EscalationRuleSchema, headers=RULE_ETAG, problems=(409, 412), request_headers=("If-Match",),
           description="The rule must still do something (409 on `_schema` otherwise).")
def update_escalation_rule(rule_id, body, expected_version):
    return patch("support", "update_escalation_rule", str(rule_id), body, expected_version)


@bp.delete("/support/escalation-rules/<uuid:rule_id>")
@requires("support:admin")
@operation("Delete an escalation rule", tags=ESCALATION_TAGS, status=204, problems=(412,),
           request_headers=("If-Match",),
           description="The escalations it applied stay on record under its name.")
def delete_escalation_rule(rule_id, expected_version):
    call("support", "delete_escalation_rule", str(rule_id), actor(), expected_version)
    return "", 204


@bp.get("/support/escalations")
@requires("cases:read")
@operation("The escalations applied to a case", tags=ESCALATION_TAGS, query=EscalationQuerySchema,
           response=EscalationListSchema, description="Oldest first, each with what its actions did.")
def list_escalations(query):
    return listing("support", "list_escalations", query)
