"""Scoring rules as data: a change rescoring existing leads in the
background, invalid rules refused naming the rule, engagement raising the
score."""

import copy
from datetime import datetime

import pytest

from services.leads.scoring.rules import DEFAULT_SCORING_RULES
from shared.schemas.errors import ValidationFailed
from shared.schemas.leads import ScoringRulesChangesPageSchema, ScoringRulesStateSchema
from tests.leads.conftest import person, unique, wait_for


@pytest.fixture
def scoring_rules(leads):
    """``scoring_rules([...])`` installs rules; the defaults come back after the test."""

    def install(rules):
        return leads.set_scoring_rules(rules, "marketing")["rules"]

    yield install
    leads.set_scoring_rules(DEFAULT_SCORING_RULES, "tests")


def rules_version(db):
    return db.scalar("SELECT version FROM scoring_state")


def test_new_rules_rescore_existing_leads_in_the_background(leads, scoring_rules, events, db):
    key = unique("vip")
    tagged = [leads.create_lead(person(attributes={key: "yes"}), "tester") for _ in range(3)]
    untagged = leads.create_lead(person(), "tester")
    rules = [*DEFAULT_SCORING_RULES, {"id": "vip", "name": "VIP customer", "field": f"attributes.{key}",
                                      "operator": "eq", "value": "YES", "points": 30}]

    installed = scoring_rules(rules)

    assert [rule["id"] for rule in installed] == [rule["id"] for rule in rules]
    assert leads.get_scoring_rules()["rules"] == installed

    def rescored():
        return all(leads.get_lead(lead["id"])["score"] == lead["score"] + 30 for lead in tagged)

    wait_for(rescored, timeout=20, message="the leads were not rescored after the rules changed")
    db.wait_idle()
    assert leads.get_lead(untagged["id"]) == untagged
    ids = [lead["id"] for lead in tagged]
    events.wait(lambda: all(events.of("lead.updated", lead_id) for lead_id in ids))
    events.settle(db, [*ids, untagged["id"]])
    for lead in tagged:
        (event,) = events.of("lead.updated", lead["id"])
        assert event.data["changed"] == ["score"]
        assert event.data["lead"] == leads.get_lead(lead["id"])
    assert events.of("lead.updated", untagged["id"]) == []
    contributions = leads.explain_score(tagged[0]["id"])["contributions"]
    assert {"rule_id": "vip", "name": "VIP customer", "points": 30} in contributions


def test_leads_created_after_the_change_are_scored_with_the_new_rules(leads, scoring_rules):
    scoring_rules([{"id": "big", "name": "Big company", "field": "company_size", "operator": "gte",
                    "value": 500, "points": 40}])
    assert leads.create_lead(person(company_size=800), "tester")["score"] == 40
    assert leads.create_lead(person(company_size=20), "tester")["score"] == 0


INVALID_RULES = {
    "between with lo > hi": ({"operator": "between", "field": "company_size", "value": [500, 10]},
                             "rules[1].value"),
    "unknown field": ({"field": "favourite_colour"}, "rules[1].field"),
    "duplicate id": ({"id": "src-referral"}, "rules[1].id"),
    "in without values": ({"operator": "in", "value": []}, "rules[1].value"),
}


@pytest.mark.parametrize("case", INVALID_RULES.values(), ids=INVALID_RULES.keys())
def test_invalid_rules_are_refused_naming_the_rule(leads, db, case):
    changes, key = case
    good = copy.deepcopy(DEFAULT_SCORING_RULES[0])
    bad = {**good, "id": "bad-rule", "name": "Bad rule", **changes}
    version = rules_version(db)

    with pytest.raises(ValidationFailed) as raised:
        leads.set_scoring_rules([good, bad], "marketing")

    assert key in raised.value.errors, raised.value.errors
    assert rules_version(db) == version
    assert [rule["id"] for rule in leads.get_scoring_rules()["rules"]] == [r["id"] for r in DEFAULT_SCORING_RULES]


@pytest.mark.parametrize(("changes", "field"), [
    ({"operator": "greater"}, "operator"),
    ({"points": 500}, "points"),
    ({"colour": "red"}, "colour"),
])
def test_rules_failing_the_schema_are_refused_naming_the_rule(leads, db, changes, field):
    good = copy.deepcopy(DEFAULT_SCORING_RULES[0])
    version = rules_version(db)
    with pytest.raises(ValidationFailed) as raised:
        leads.set_scoring_rules([good, good, {**good, "id": "bad-rule", **changes}], "marketing")
    assert field in raised.value.errors["rules"]["2"], raised.value.errors
    assert rules_version(db) == version


def test_engagement_raises_the_score_up_to_its_cap(leads, events, db):
    lead = leads.create_lead(person(), "tester")

    engaged = leads.record_engagement(lead["id"], "email_open", "marketing")

    assert engaged["engagement"] == 1
    assert engaged["score"] == lead["score"] + 5
    assert engaged["version"] == lead["version"] + 1
    (event,) = events.wait_for("lead.updated", lead["id"])
    assert event.data["changed"] == ["engagement", "score"]
    assert event.data["lead"] == engaged
    for _ in range(6):
        engaged = leads.record_engagement(lead["id"], "web_visit", "marketing")
    assert engaged["engagement"] == 7
    assert engaged["score"] == lead["score"] + 25  # 5 points an event, at most 25
    events.settle(db, [lead["id"]])
    assert [event.data["changed"] for event in events.of("lead.updated", lead["id"])] == \
        [["engagement", "score"]] * 5 + [["engagement"]] * 2
    assert leads.lead_history(lead["id"])["items"][0]["changes"] == {"kind": "web_visit", "engagement": 7}


def test_engagement_of_a_bad_kind_is_refused(leads):
    lead = leads.create_lead(person(), "tester")
    with pytest.raises(ValidationFailed) as raised:
        leads.record_engagement(lead["id"], "", "marketing")
    assert "kind" in raised.value.errors
    assert leads.get_lead(lead["id"]) == lead


def test_the_rules_answer_says_who_changed_them_and_when(leads, scoring_rules, db):
    before = db.scalar("SELECT now()")
    rules = [{"id": "any-email", "name": "Email given", "field": "email", "operator": "present", "points": 5}]
    set_answer = leads.set_scoring_rules(rules, "carol")
    answer = leads.get_scoring_rules()

    assert answer == set_answer
    assert answer["changed_by"] == "carol"
    assert before <= datetime.fromisoformat(answer["changed_at"]) <= db.scalar("SELECT now()")
    ScoringRulesStateSchema().load(answer)


def test_every_change_of_the_rules_is_kept_with_its_author(leads, scoring_rules, db):
    first = [{"id": "any-email", "name": "Email given", "field": "email", "operator": "present", "points": 5}]
    second = [{"id": "any-phone", "name": "Phone given", "field": "phone", "operator": "present", "points": 7}]
    by_carol = leads.set_scoring_rules(first, "carol")
    by_dave = leads.set_scoring_rules(second, "dave")

    page = leads.scoring_rules_changes(None, 2)
    assert [(item["changed_by"], item["rules"]) for item in page["items"]] == [
        ("dave", by_dave["rules"]), ("carol", by_carol["rules"])]
    assert page["items"][0]["version"] == page["items"][1]["version"] + 1 == rules_version(db)
    assert page["items"][0]["changed_at"] == by_dave["changed_at"]
    ScoringRulesChangesPageSchema().load(page)

    # Older changes on the next pages, each once; the history is never rewritten by a later change.
    older = leads.scoring_rules_changes(page["next_cursor"], 1)
    assert older["items"] and older["items"][0]["version"] < page["items"][1]["version"]
    total = db.scalar("SELECT count(*) FROM rules_changes WHERE kind = 'scoring'")
    assert total == db.scalar("SELECT count(DISTINCT version) FROM rules_changes WHERE kind = 'scoring'")


def test_a_refused_change_of_the_rules_leaves_no_history(leads, db):
    before = db.scalar("SELECT count(*) FROM rules_changes")
    with pytest.raises(ValidationFailed):
        leads.set_scoring_rules([{"id": "x", "name": "", "field": "email", "operator": "present", "points": 5}], "eve")
    assert db.scalar("SELECT count(*) FROM rules_changes") == before
