"""Teams, members and routing rules through the support service's RPC:
CRUD, the default team, the team lead, rule positions and reorder, the
routing preview, bad input answered 4xx with nothing written, a keyed create
answered twice the same."""

import uuid

import pytest

from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.services import unique


def agent(name=None, email=None):
    return {"user_id": str(uuid.uuid4()), "name": name or unique("agent"),
            "email": email if email is not None else f"{unique('a')}@example.org"}


@pytest.fixture(scope="module", autouse=True)
def leave_no_routing(db):
    """Other modules open cases in the same database: no rule nor default team of ours may route them."""
    yield
    db.conn.execute("DELETE FROM routing_rules")
    db.conn.execute("UPDATE teams SET is_default = false WHERE is_default")


def new_team(support, **fields):
    return support.create_team({"name": unique("Team "), **fields}, "admin")


# Teams ------------------------------------------------------------------------

def test_create_get_list_and_update_a_team(support):
    team = new_team(support, description="Billing questions", assignment_method="fewest_open", nps_enabled=True)
    assert team["version"] == 1 and team["members"] == [] and team["lead_id"] is None
    assert (team["assignment_method"], team["nps_enabled"], team["active"]) == ("fewest_open", True, True)
    assert support.get_team(team["id"]) == team
    assert team["id"] in {item["id"] for item in support.list_teams()["items"]}

    changed = support.update_team(team["id"], {"active": False, "assignment_method": "manual"}, "admin", 1)
    assert (changed["version"], changed["active"], changed["assignment_method"]) == (2, False, "manual")
    assert team["id"] not in {item["id"] for item in support.list_teams({"active": True})["items"]}
    assert team["id"] in {item["id"] for item in support.list_teams({"active": False})["items"]}
    # nothing changed: the same version
    assert support.update_team(team["id"], {"active": False}, "admin")["version"] == 2


def test_a_taken_name_is_409_ignoring_letter_case(support, db):
    team = new_team(support)
    with pytest.raises(DuplicateFound) as caught:
        support.create_team({"name": team["name"].upper()}, "admin")
    assert caught.value.extra["existing_id"] == team["id"]
    other = new_team(support)
    with pytest.raises(DuplicateFound):
        support.update_team(other["id"], {"name": team["name"]}, "admin")


def test_a_stale_version_is_412(support):
    team = new_team(support)
    support.update_team(team["id"], {"description": "x"}, "admin", 1)
    with pytest.raises(PreconditionFailed):
        support.update_team(team["id"], {"description": "y"}, "admin", 1)


def test_one_default_team_at_a_time(support, db, clean_rules):
    first = new_team(support, is_default=True)
    second = new_team(support, is_default=True)
    assert support.get_team(first["id"])["is_default"] is False
    assert support.get_team(second["id"])["is_default"] is True
    assert db.scalar("SELECT count(*) FROM teams WHERE is_default") == 1
    # an inactive default team takes nothing
    assert support.preview_routing({"subject": "x"})["team"]["id"] == second["id"]
    support.update_team(second["id"], {"active": False}, "admin")
    assert support.preview_routing({"subject": "x"}) == {"rule": None, "team": None, "by_default": False,
                                                         "owner_id": None}
    third = support.create_team({"name": unique("Team "), "is_default": True, "active": False}, "admin")
    assert third["is_default"] and not support.get_team(second["id"])["is_default"]


def test_members_are_agents_upserted_from_the_gateway(support, db):
    team = new_team(support)
    ann = agent("Ann", "ann@example.org")
    with_ann = support.add_team_member(team["id"], ann, "admin")
    assert [(m["user_id"], m["name"], m["email"], m["available"]) for m in with_ann["members"]] == [
        (ann["user_id"], "Ann", "ann@example.org", True)]
    assert with_ann["version"] == 2
    # again, renamed and without an email: the name changes, the email is kept, still one member
    again = support.add_team_member(team["id"], {"user_id": ann["user_id"], "name": "Ann Lee", "email": None,
                                                 "available": False}, "admin")
    assert [(m["name"], m["email"], m["available"]) for m in again["members"]] == [
        ("Ann Lee", "ann@example.org", False)]
    assert db.scalar("SELECT count(*) FROM agents WHERE user_id = %s", (ann["user_id"],)) == 1

    back = support.update_team_member(team["id"], ann["user_id"], {"available": True}, "admin")
    assert back["members"][0]["available"] is True
    gone = support.remove_team_member(team["id"], ann["user_id"], "admin")
    assert gone["members"] == []
    with pytest.raises(NotFound):
        support.remove_team_member(team["id"], ann["user_id"], "admin")


def test_agents_are_listed_with_their_teams(support):
    team, other = new_team(support), new_team(support)
    ann = agent("Ann")
    support.add_team_member(team["id"], ann, "admin")
    support.add_team_member(other["id"], {**ann, "available": False}, "admin")
    [listed] = support.list_agents({"team_id": team["id"]})["items"]
    assert (listed["user_id"], listed["name"], listed["active"]) == (ann["user_id"], "Ann", True)
    assert sorted((item["id"], item["available"]) for item in listed["teams"]) == sorted(
        [(team["id"], True), (other["id"], False)])
    assert ann["user_id"] in {item["user_id"] for item in support.list_agents()["items"]}
    assert support.list_agents({"team_id": new_team(support)["id"]})["items"] == []


def test_the_lead_is_a_member(support):
    team = new_team(support)
    bob = agent("Bob")
    with pytest.raises(ValidationFailed) as caught:
        support.update_team(team["id"], {"lead_id": bob["user_id"]}, "admin")
    assert "lead_id" in caught.value.errors
    support.add_team_member(team["id"], bob, "admin")
    led = support.update_team(team["id"], {"lead_id": bob["user_id"]}, "admin")
    assert led["lead_id"] == bob["user_id"]
    with pytest.raises(Conflict):
        support.remove_team_member(team["id"], bob["user_id"], "admin")
    support.update_team(team["id"], {"lead_id": None}, "admin")
    assert support.remove_team_member(team["id"], bob["user_id"], "admin")["members"] == []


@pytest.mark.parametrize(("data", "field"), [
    ({}, "name"),
    ({"name": "  "}, "name"),
    ({"name": "n" * 101}, "name"),
    ({"name": "X", "assignment_method": "random"}, "assignment_method"),
    ({"name": "X", "nps_enabled": "maybe"}, "nps_enabled"),
    ({"name": "X", "colour": "red"}, "colour"),
    ({"name": "X", "lead_id": str(uuid.uuid4())}, "lead_id"),
])
def test_bad_team_input_is_422(support, data, field):
    with pytest.raises(ValidationFailed) as caught:
        support.create_team(data, "admin")
    assert field in caught.value.errors


@pytest.mark.parametrize(("member", "field"), [
    ({"name": "Ann"}, "user_id"),
    ({"user_id": "nope", "name": "Ann"}, "user_id"),
    ({"user_id": str(uuid.uuid4())}, "name"),
    ({"user_id": str(uuid.uuid4()), "name": "Ann", "email": "not-an-address"}, "email"),
    ({"user_id": str(uuid.uuid4()), "name": "Ann", "role": "boss"}, "role"),
])
def test_bad_member_input_is_422_and_writes_nothing(support, db, member, field):
    team = new_team(support)
    with pytest.raises(ValidationFailed) as caught:
        support.add_team_member(team["id"], member, "admin")
    assert field in caught.value.errors
    assert support.get_team(team["id"])["members"] == []


def test_unknown_and_malformed_ids_are_404(support):
    with pytest.raises(NotFound):
        support.get_team(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        support.get_team("TEAM-1")
    with pytest.raises(NotFound):
        support.add_team_member(str(uuid.uuid4()), agent(), "admin")
    with pytest.raises(NotFound):
        support.get_routing_rule(str(uuid.uuid4()))


def test_a_keyed_create_answers_twice_the_same(support, rpc_proxy, db):
    name = unique("Keyed ")
    key = f"test:{uuid.uuid4()}"
    with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
        first = cluster.support.create_team({"name": name}, "admin")
    with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
        second = cluster.support.create_team({"name": name}, "admin")
    assert first == second
    assert db.scalar("SELECT count(*) FROM teams WHERE name = %s", (name,)) == 1


# Routing rules ------------------------------------------------------------------

@pytest.fixture
def clean_rules(db):
    db.conn.execute("DELETE FROM routing_rules")
    yield
    db.conn.execute("DELETE FROM routing_rules")
    db.conn.execute("UPDATE teams SET is_default = false WHERE is_default")


def rule(support, team, **fields):
    return support.create_routing_rule({"name": unique("Rule "), "team_id": team["id"], **fields}, "admin")


def names(support):
    return [item["name"] for item in support.list_routing_rules()["items"]]


def test_rules_keep_positions_without_gaps(support, clean_rules):
    team = new_team(support)
    a, b = rule(support, team, name="a"), rule(support, team, name="b")
    assert (a["position"], b["position"], a["team_name"]) == (1, 2, team["name"])
    rule(support, team, name="c", position=1)
    rule(support, team, name="d", position=99)
    assert names(support) == ["c", "a", "b", "d"]
    assert [item["position"] for item in support.list_routing_rules()["items"]] == [1, 2, 3, 4]

    moved = support.update_routing_rule(b["id"], {"position": 1}, "admin", 1)
    assert moved["position"] == 1 and moved["version"] == 2
    assert names(support) == ["b", "c", "a", "d"]
    support.delete_routing_rule(a["id"], "admin")
    assert names(support) == ["b", "c", "d"]
    assert [item["position"] for item in support.list_routing_rules()["items"]] == [1, 2, 3]


def test_reorder_names_every_rule_once(support, clean_rules):
    team = new_team(support)
    rules = [rule(support, team, name=name) for name in "abc"]
    reordered = support.reorder_routing_rules([rules[2]["id"], rules[0]["id"], rules[1]["id"]], "admin")
    assert [item["name"] for item in reordered["items"]] == ["c", "a", "b"]
    for ids in ([rules[0]["id"], rules[1]["id"]], [r["id"] for r in rules] + [str(uuid.uuid4())]):
        with pytest.raises(Conflict) as caught:
            support.reorder_routing_rules(ids, "admin")
        assert "ids" in caught.value.errors
        assert caught.value.extra["current_ids"] == [rules[2]["id"], rules[0]["id"], rules[1]["id"]]
    for ids in ([rules[0]["id"]] * 3, ["nope"], []):
        with pytest.raises(ValidationFailed) as caught:
            support.reorder_routing_rules(ids, "admin")
        assert "ids" in caught.value.errors
    assert names(support) == ["c", "a", "b"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "x"}, "team_id"),
    ({"name": "x", "team_id": str(uuid.uuid4())}, "team_id"),
    ({"name": "x", "channels": ["fax"]}, "channels"),
    ({"name": "x", "channels": ["email", "email"]}, "channels"),
    ({"name": "x", "account_types": ["vip"]}, "account_types"),
    ({"name": "x", "tags": [""]}, "tags"),
    ({"name": "x", "keywords": ["k" * 101]}, "keywords"),
    ({"name": "x", "position": 0}, "position"),
    ({"name": "x", "position": "1"}, "position"),
    ({"name": "x", "when": "always"}, "when"),
])
def test_bad_rule_input_is_422_and_writes_nothing(support, db, clean_rules, data, field):
    team = new_team(support)
    data = {"team_id": team["id"], **data} if field != "team_id" else data
    with pytest.raises(ValidationFailed) as caught:
        support.create_routing_rule(data, "admin")
    assert field in caught.value.errors
    assert db.scalar("SELECT count(*) FROM routing_rules") == 0


def test_preview_says_which_rule_and_team_take_a_case(support, db, clean_rules):
    billing, vip, fallback = new_team(support), new_team(support), new_team(support, is_default=True)
    ann = agent("Ann")
    support.add_team_member(billing["id"], ann, "admin")
    rule(support, billing, name="refunds", keywords=["refund"], channels=["email", "web"])
    rule(support, vip, name="partners", account_types=["partner"], tags=["vip"])
    rule(support, team=new_team(support, active=False), name="inactive team")

    by_keyword = support.preview_routing({"subject": "A REFUND please", "channel": "email"})
    assert by_keyword["rule"]["name"] == "refunds" and by_keyword["team"]["id"] == billing["id"]
    assert by_keyword["by_default"] is False and by_keyword["owner_id"] == ann["user_id"]

    assert support.preview_routing({"subject": "refund", "channel": "phone"})["team"]["id"] == fallback["id"]
    partner = support.preview_routing({"account_type": "partner", "tags": ["VIP"]})
    assert partner["rule"]["name"] == "partners" and partner["owner_id"] is None
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type) VALUES (%s, 'Reseller Co', 'partner')", (account_id,))
    assert support.preview_routing({"account_id": account_id, "tags": ["vip"]})["rule"]["name"] == "partners"
    assert support.preview_routing({"account_id": str(uuid.uuid4()), "tags": ["vip"]})["by_default"] is True
    by_default = support.preview_routing({"subject": "hello"})
    assert by_default == {"rule": None, "team": {"id": fallback["id"], "name": fallback["name"],
                                                 "assignment_method": "round_robin"},
                          "by_default": True, "owner_id": None}
    # a preview takes no turn
    assert db.scalar("SELECT turns FROM teams WHERE id = %s", (billing["id"],)) == 0
    with pytest.raises(ValidationFailed) as caught:
        support.preview_routing({"channel": "fax"})
    assert "channel" in caught.value.errors


def test_answers_fit_their_documented_schemas(support, clean_rules):
    from shared.schemas.support.escalation import EscalationRuleListSchema, EscalationRuleSchema
    from shared.schemas.support.teams import (
        AgentListSchema,
        RoutingPreviewResultSchema,
        RoutingRuleListSchema,
        RoutingRuleSchema,
        TeamListSchema,
        TeamSchema,
    )

    team = new_team(support, description="d")
    ann = agent("Ann")
    team = support.add_team_member(team["id"], ann, "admin")
    team = support.update_team(team["id"], {"lead_id": ann["user_id"]}, "admin")
    routing_rule = rule(support, team, keywords=["x"], channels=["web"], account_types=["customer"], tags=["t"])
    escalation_rule = support.create_escalation_rule(
        {"name": unique("E "), "on_event": "warning", "metric": "resolution", "team_ids": [team["id"]],
         "priorities": ["high"], "move_to_team_id": team["id"], "notify_owner": True}, "admin")
    try:
        answers = [
            (TeamSchema(), team), (TeamListSchema(), support.list_teams()),
            (AgentListSchema(), support.list_agents()),
            (RoutingRuleSchema(), routing_rule), (RoutingRuleListSchema(), support.list_routing_rules()),
            (RoutingPreviewResultSchema(), support.preview_routing({"subject": "x", "channel": "web",
                                                                   "account_type": "customer", "tags": ["t"]})),
            (EscalationRuleSchema(), escalation_rule),
            (EscalationRuleListSchema(), support.list_escalation_rules()),
        ]
        for schema, answer in answers:
            assert schema.validate(answer) == {}, (type(schema).__name__, answer)
    finally:
        support.delete_escalation_rule(escalation_rule["id"], "admin")
