"""Previews of scoring and assignment rules, through the gateway and the real
leads service: what a rule set would do to some leads, beside what they have
now; nothing is stored; a bad rule set is the PUT's 422; only admins may."""

import uuid

import pytest

from gateway.app import create_app
from services.leads.service import LeadsService
from shared.kit.testing import start_container
from tests.gateway.conftest import assert_problem, bearer
from tests.helpers import wait_for
from tests.services import ServiceDb, unique

SCORING_PATH = "/api/v1/leads/scoring-rules/preview"
ASSIGNMENT_PATH = "/api/v1/leads/assignment-rules/preview"


def scoring_rule(rule_id, points, field="title", operator="contains_any", value=("director",), **extra):
    return {"id": rule_id, "name": f"Rule {rule_id}", "field": field, "operator": operator,
            "value": list(value) if isinstance(value, tuple) else value, "points": points, **extra}


def assignment_rule(rule_id, owners, priority=100, kind="round_robin", **criteria):
    return {"id": rule_id, "name": f"Rule {rule_id}", "priority": priority, "kind": kind, "owners": owners,
            **criteria}


@pytest.fixture(scope="module")
def owner(gdb):
    """The username of an active user, to own assignment rules."""
    return gdb.make_user("sales")[0]["username"]


def a_rule(path, owner):
    """A valid rule of the kind ``path`` previews."""
    return scoring_rule("a", 5) if path == SCORING_PATH else assignment_rule("a", [owner])


@pytest.fixture(scope="module")
def leads_config(component_config):
    return component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2)


@pytest.fixture(scope="module")
def tables(leads_config):
    db = ServiceDb(leads_config["DATABASE_URL"], "leads")
    yield db
    db.close()


@pytest.fixture(scope="module")
def api(gateway_config, leads_config, tables):
    container = start_container(LeadsService, dict(leads_config))
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    try:
        wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
        yield app.test_client()
    finally:
        app.extensions["gateway"].close()
        container.kill()
        tables.wait_relay_free()


def create_lead(api, tokens, **fields):
    tag = unique()
    body = {"first_name": "Ada", "last_name": f"Lovelace-{tag}", "email": f"ada.{tag}@example.com",
            "company": f"Engines {tag}", **fields}
    response = api.post("/api/v1/leads", json=body, headers=bearer(tokens["sales"]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored_state(tables, lead_ids):
    """What a preview must leave as it was: the leads, their history, the rules and the outbox."""
    return (
        [dict(row) for row in tables.all("SELECT id, score, owner, version FROM leads"
                                          " WHERE id = ANY(%s::uuid[]) ORDER BY id", (lead_ids,))],
        tables.scalar("SELECT count(*) FROM lead_history"),
        tables.scalar("SELECT version FROM scoring_state"), tables.scalar("SELECT version FROM assignment_state"),
        tables.scalar("SELECT count(*) FROM rules_changes"), tables.scalar("SELECT count(*) FROM outbox"),
    )


def test_a_scoring_preview_scores_the_leads_given_and_stores_nothing(api, tokens, tables):
    director = create_lead(api, tokens, title="Sales Director", company_size=500)
    other = create_lead(api, tokens, title="Engineer")
    before = stored_state(tables, [director["id"], other["id"]])
    rules = [scoring_rule("senior", 30), scoring_rule("big", 25, "company_size", "gte", 200),
             scoring_rule("engineer", -10, value=("engineer",)), scoring_rule("off", 50, "email", "present", None,
                                                                               enabled=False)]

    response = api.post(SCORING_PATH, json={"rules": rules, "lead_ids": [other["id"], director["id"]]},
                        headers=bearer(tokens["admin"]))

    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [item["lead_id"] for item in items] == [other["id"], director["id"]]
    assert items[1] == {
        "lead_id": director["id"], "name": f"Ada {director['last_name']}", "company": director["company"],
        "email": director["email"], "current": {"score": director["score"]},
        "preview": {"score": 55, "rules": [{"rule_id": "senior", "name": "Rule senior", "points": 30},
                                           {"rule_id": "big", "name": "Rule big", "points": 25}]},
    }
    assert items[0]["current"] == {"score": other["score"]}
    assert items[0]["preview"] == {"score": 0, "rules": [{"rule_id": "engineer", "name": "Rule engineer",
                                                          "points": -10}]}
    assert stored_state(tables, [director["id"], other["id"]]) == before


def test_without_lead_ids_the_five_newest_leads_are_previewed(api, tokens):
    made = [create_lead(api, tokens) for _ in range(6)]

    response = api.post(SCORING_PATH, json={"rules": [scoring_rule("senior", 30)]}, headers=bearer(tokens["admin"]))

    assert response.status_code == 200, response.get_json()
    assert [item["lead_id"] for item in response.get_json()["items"]] == [lead["id"] for lead in made[::-1][:5]]


def test_an_assignment_preview_deals_the_leads_as_new_ones(api, tokens, tables, gdb):
    was, anna, ben, carl = (gdb.make_user("sales")[0]["username"] for _ in range(4))
    german = [create_lead(api, tokens, country="DE", owner=was) for _ in range(3)]
    french = create_lead(api, tokens, country="FR", owner=None)
    ids = [lead["id"] for lead in (*german, french)]
    before = stored_state(tables, ids)
    rules = [assignment_rule("dach", [anna, ben], 10, "territory", countries=["de", "AT"]),
             assignment_rule("rest", [carl], 20)]

    response = api.post(ASSIGNMENT_PATH, json={"rules": rules, "lead_ids": ids}, headers=bearer(tokens["admin"]))

    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(item["current"]["owner"], item["preview"]) for item in items] == [
        (was, {"owner": anna, "rule_id": "dach", "rule_name": "Rule dach"}),
        (was, {"owner": ben, "rule_id": "dach", "rule_name": "Rule dach"}),
        (was, {"owner": anna, "rule_id": "dach", "rule_name": "Rule dach"}),
        (french["owner"], {"owner": carl, "rule_id": "rest", "rule_name": "Rule rest"}),
    ]
    assert stored_state(tables, ids) == before

    only_dach = api.post(ASSIGNMENT_PATH, json={"rules": rules[:1], "lead_ids": [french["id"]]},
                         headers=bearer(tokens["admin"]))
    assert only_dach.get_json()["items"][0]["preview"] == {"owner": None, "rule_id": None, "rule_name": None}


@pytest.mark.parametrize("path", [SCORING_PATH, ASSIGNMENT_PATH])
def test_a_bad_rule_set_is_the_same_422_as_saving_it(api, tokens, path, owner):
    admin = bearer(tokens["admin"])
    put_path = path.removesuffix("/preview")
    good_rule = a_rule(path, owner)
    bad_rules = [[good_rule, good_rule],  # ids must be unique (the service's check)
                 [{**good_rule, "name": "  "}],
                 [{**good_rule, "colour": "red"}]]
    if "owners" in good_rule:
        bad_rules.append([{**good_rule, "owners": [*good_rule["owners"], unique("nobody")]}])
    for rules in bad_rules:
        preview = api.post(path, json={"rules": rules}, headers=admin)
        saved = api.put(put_path, json={"rules": rules}, headers=admin)
        assert_problem(preview, 422)
        assert_problem(saved, 422)
        assert preview.get_json()["errors"] == saved.get_json()["errors"], rules
        assert preview.get_json()["detail"] == saved.get_json()["detail"]


@pytest.mark.parametrize("path", [SCORING_PATH, ASSIGNMENT_PATH])
def test_bad_lead_ids_are_refused(api, tokens, path, owner):
    admin, rule = bearer(tokens["admin"]), a_rule(path, owner)
    lead = create_lead(api, tokens)
    missing = str(uuid.uuid4())
    unknown = api.post(path, json={"rules": [rule], "lead_ids": [lead["id"], missing]}, headers=admin)
    assert missing in assert_problem(unknown, 422, "lead_ids")["detail"]
    assert_problem(api.post(path, json={"rules": [rule], "lead_ids": [str(uuid.uuid4()) for _ in range(21)]},
                            headers=admin), 422, "lead_ids")
    assert_problem(api.post(path, json={"rules": [rule], "lead_ids": ["nope"]}, headers=admin), 422, "lead_ids")
    assert_problem(api.post(path, json={"rules": [rule], "lead_ids": lead["id"]}, headers=admin), 422, "lead_ids")
    assert_problem(api.post(path, json={"lead_ids": [lead["id"]]}, headers=admin), 422, "rules")
    repeated = api.post(path, json={"rules": [rule], "lead_ids": [lead["id"], lead["id"].upper()]}, headers=admin)
    assert [item["lead_id"] for item in repeated.get_json()["items"]] == [lead["id"]]


@pytest.mark.parametrize("path", [SCORING_PATH, ASSIGNMENT_PATH])
def test_only_admins_may_preview(api, tokens, path, owner):
    rule = a_rule(path, owner)
    assert_problem(api.post(path, json={"rules": [rule]}), 401)
    for role in ("sales", "marketing", "support", "readonly"):
        problem = assert_problem(api.post(path, json={"rules": [rule]}, headers=bearer(tokens[role])), 403)
        assert problem["required_permission"] == "leads:admin"
