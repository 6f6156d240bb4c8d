"""Unit tests for lead assignment rules (services.leads.assignment.rules)."""

import random
from collections import Counter

import pytest

from services.leads.assignment.rules import (
    assign_many,
    assign_one,
    match_rule,
    pick_owner,
    validate_rule,
    validate_rules,
)


def rule(rule_id, priority=10, kind="territory", countries=(), industries=(), sources=(),
         owners=("u1",), enabled=True):  # fmt: skip
    return {
        "id": rule_id,
        "name": f"rule {rule_id}",
        "priority": priority,
        "kind": kind,
        "countries": list(countries),
        "industries": list(industries),
        "sources": list(sources),
        "owners": list(owners),
        "enabled": enabled,
    }


def lead(country=None, industry=None, source=None, owner=None):
    return {"country": country, "industry": industry, "source": source, "owner": owner}


# -- matching ----------------------------------------------------------------


def test_territory_needs_every_non_empty_criterion():
    r = rule("emea-sw", countries=["DE", "FR"], industries=["Software"], sources=["web_form"])
    assert match_rule(lead("DE", "software", "web_form"), [r]) is r
    assert match_rule(lead("DE", "Retail", "web_form"), [r]) is None
    assert match_rule(lead("US", "software", "web_form"), [r]) is None
    assert match_rule(lead("DE", "software", "event"), [r]) is None


def test_empty_criteria_lists_do_not_constrain():
    r = rule("de", countries=["DE"])
    assert match_rule(lead("DE", None, None), [r]) is r
    assert match_rule(lead("DE", "anything", "other"), [r]) is r
    r2 = {**rule("sw", industries=["software"]), "countries": None}
    del r2["sources"]
    assert match_rule(lead(None, "Software"), [r2]) is r2


@pytest.mark.parametrize("country", ["de", " De ", "DE", "dE"])
def test_countries_compare_upper_case(country):
    assert match_rule(lead(country), [rule("x", countries=["de"])])["id"] == "x"


@pytest.mark.parametrize(
    ("industry", "hit"),
    [("FINANCIAL SERVICES", True), ("financial services ", True), ("Financial  Services", False),
     ("Straße", False), ("", False), (None, False), (5, False)],
)  # fmt: skip
def test_industries_compare_case_insensitively(industry, hit):
    r = rule("fs", industries=["Financial Services"])
    assert (match_rule(lead(industry=industry), [r]) is r) is hit


def test_industry_casefold_unicode():
    r = rule("x", industries=["STRASSENBAU"])
    assert match_rule(lead(industry="Straßenbau"), [r]) is r


def test_sources_compare_case_insensitively():
    r = rule("ref", sources=["referral"])
    assert match_rule(lead(source="Referral"), [r]) is r
    assert match_rule(lead(source="partner"), [r]) is None


def test_lead_with_empty_value_fails_a_non_empty_criterion():
    r = rule("de", countries=["DE"])
    for country in (None, "", "  "):
        assert match_rule(lead(country), [r]) is None


def test_round_robin_matches_every_lead_and_ignores_criteria():
    r = rule("rr", kind="round_robin", countries=["DE"], industries=["x"], sources=["event"])
    for candidate in (lead(), lead("US", "retail", "import"), {}):
        assert match_rule(candidate, [r]) is r


def test_priority_then_id_order_and_disabled_rules_skipped():
    catch_all = rule("z-all", priority=100, kind="round_robin")
    b = rule("b", priority=5, countries=["DE"])
    a = rule("a", priority=5, countries=["DE"])
    first = rule("first", priority=1, countries=["DE"], enabled=False)
    rules = [catch_all, b, first, a]
    assert match_rule(lead("DE"), rules) is a
    assert match_rule(lead("US"), rules) is catch_all
    assert match_rule(lead("DE"), [catch_all, b, first]) is b
    first["enabled"] = True
    assert match_rule(lead("DE"), rules) is first


def test_negative_priority_and_missing_enabled():
    r = rule("neg", priority=-5, kind="round_robin")
    del r["enabled"]
    assert match_rule(lead(), [rule("zero", priority=0, kind="round_robin"), r]) is r


def test_no_rules_or_all_disabled():
    assert match_rule(lead("DE"), []) is None
    assert match_rule(lead("DE"), [rule("x", kind="round_robin", enabled=False)]) is None


# -- dealing -----------------------------------------------------------------


def test_pick_owner_deals_in_turn_and_wraps():
    r = rule("rr", kind="round_robin", owners=["a", "b", "c"])
    assert pick_owner(r, 0) == ("a", 1)
    assert pick_owner(r, 1) == ("b", 2)
    assert pick_owner(r, 2) == ("c", 0)
    assert pick_owner(r, 3) == ("a", 1)
    assert pick_owner(r, 10) == ("b", 2)
    assert pick_owner(r, -1) == ("c", 0)
    assert pick_owner(r, None) == ("a", 1)


def test_pick_owner_after_owners_list_shrank():
    r = rule("rr", kind="round_robin", owners=["a", "b"])
    assert pick_owner(r, 4) == ("a", 1)


def test_assign_one_keeps_an_existing_owner():
    r = rule("rr", kind="round_robin", owners=["a", "b"])
    cursors = {"rr": 1}
    assert assign_one(lead(owner="boss"), [r], cursors) == ("boss", None, {"rr": 1})
    assert assign_one(lead(owner=""), [r], cursors) == ("b", r, {"rr": 0})
    assert cursors == {"rr": 1}  # not modified


def test_assign_one_without_matching_rule():
    assert assign_one(lead("US"), [rule("de", countries=["DE"])], {}) == (None, None, {})


def test_round_robin_is_fair_across_a_batch():
    owners = ["a", "b", "c", "d", "e", "f", "g"]
    r = rule("rr", kind="round_robin", owners=owners)
    result, cursors = assign_many([lead() for _ in range(700)], [r], {})
    assert Counter(result) == dict.fromkeys(owners, 100)
    assert result[:8] == [*owners, "a"]
    assert cursors == {"rr": 0}


def test_fairness_carries_over_between_batches():
    r = rule("rr", kind="round_robin", owners=["a", "b", "c"])
    first, cursors = assign_many([lead() for _ in range(4)], [r], {})
    second, cursors = assign_many([lead() for _ in range(5)], [r], cursors)
    assert first + second == ["a", "b", "c", "a", "b", "c", "a", "b", "c"]
    assert cursors == {"rr": 0}


def test_owned_leads_do_not_advance_the_cursor():
    r = rule("rr", kind="round_robin", owners=["a", "b"])
    batch = [lead(), lead(owner="x"), lead(), lead(owner="y"), lead()]
    assert assign_many(batch, [r], {"rr": 1}) == (["b", "x", "a", "y", "b"], {"rr": 0})


def test_each_rule_has_its_own_cursor_and_unrelated_cursors_are_kept():
    de = rule("de", priority=1, countries=["DE"], owners=["d1", "d2"])
    rr = rule("rr", priority=2, kind="round_robin", owners=["r1", "r2", "r3"])
    batch = [lead("DE"), lead("US"), lead("DE"), lead("FR"), lead("DE")]
    cursors = {"rr": 2, "gone": 7}
    result, new = assign_many(batch, [rr, de], cursors)
    assert result == ["d1", "r3", "d2", "r1", "d1"]
    assert new == {"rr": 1, "de": 1, "gone": 7}
    assert cursors == {"rr": 2, "gone": 7}  # not modified


def test_unmatched_leads_get_none():
    de = rule("de", countries=["DE"], owners=["d1"])
    assert assign_many([lead("US"), lead("DE"), lead()], [de], {}) == ([None, "d1", None], {"de": 0})


def test_empty_batch():
    assert assign_many([], [rule("x", kind="round_robin")], {"x": 3}) == ([], {"x": 3})


def test_duplicate_owner_gets_a_double_share():
    r = rule("rr", kind="round_robin", owners=["a", "b", "a"])
    result, _ = assign_many([lead() for _ in range(30)], [r], {})
    assert Counter(result) == {"a": 20, "b": 10}


def _one_by_one(leads, rules, cursors):
    """The single-lead path: match_rule + pick_owner for each lead in order."""
    cursors = dict(cursors)
    owners = []
    for candidate in leads:
        if candidate.get("owner"):
            owners.append(candidate["owner"])
            continue
        r = match_rule(candidate, rules)
        if r is None:
            owners.append(None)
            continue
        owner, cursors[r["id"]] = pick_owner(r, cursors.get(r["id"], 0))
        owners.append(owner)
    return owners, cursors


def test_assign_many_equals_the_one_by_one_path_on_random_inputs():
    rnd = random.Random(1234)
    countries = ["DE", "de", "FR", "US", "GB", None, ""]
    industries = ["Software", "software", "Retail", "HEALTHCARE", None]
    sources = ["web_form", "import", "Referral", "event", None]
    for _ in range(300):
        rules = []
        for i in range(rnd.randint(0, 6)):
            kind = rnd.choice(["territory", "territory", "round_robin"])
            rules.append(
                rule(
                    f"r{i}",
                    priority=rnd.randint(-2, 3),
                    kind=kind,
                    countries=rnd.sample(["DE", "fr", "US"], rnd.randint(0, 2)),
                    industries=rnd.sample(["software", "RETAIL", "healthcare"], rnd.randint(0, 2)),
                    sources=rnd.sample(["web_form", "referral", "event"], rnd.randint(0, 1)),
                    owners=[f"u{j}" for j in range(rnd.randint(1, 4))],
                    enabled=rnd.random() < 0.85,
                )
            )
        cursors = {r["id"]: rnd.randint(0, 9) for r in rules if rnd.random() < 0.5}
        leads = [
            lead(rnd.choice(countries), rnd.choice(industries), rnd.choice(sources),
                 rnd.choice([None, None, None, "", "owner-x"]))
            for _ in range(rnd.randint(0, 40))
        ]  # fmt: skip
        expected = _one_by_one(leads, rules, cursors)
        assert assign_many(leads, rules, cursors) == expected
        # and assign_one chained lead by lead gives the same
        chained, state = [], dict(cursors)
        for candidate in leads:
            owner, _, state = assign_one(candidate, rules, state)
            chained.append(owner)
        assert (chained, state) == expected


# -- validation --------------------------------------------------------------


def test_valid_rules():
    assert validate_rule(rule("a", countries=["DE", "fr"], industries=["x"], sources=["Referral"])) == {}
    assert validate_rule(rule("b", kind="round_robin", owners=["u1", "u2"])) == {}
    minimal = {"id": "c", "name": "c", "priority": 0, "kind": "round_robin", "owners": ["u"]}
    assert validate_rule(minimal) == {}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"id": ""}, "id"),
        ({"id": None}, "id"),
        ({"name": "  "}, "name"),
        ({"priority": "1"}, "priority"),
        ({"priority": None}, "priority"),
        ({"priority": True}, "priority"),
        ({"priority": 1.5}, "priority"),
        ({"kind": "random"}, "kind"),
        ({"kind": None}, "kind"),
        ({"countries": "DE"}, "countries"),
        ({"countries": ["Germany"]}, "countries"),
        ({"countries": ["D1"]}, "countries"),
        ({"countries": ["XX"]}, "countries"),
        ({"countries": [""]}, "countries"),
        ({"industries": [None]}, "industries"),
        ({"industries": "software"}, "industries"),
        ({"sources": ["newsletter"]}, "sources"),
        ({"owners": []}, "owners"),
        ({"owners": None}, "owners"),
        ({"owners": "u1"}, "owners"),
        ({"owners": ["u1", ""]}, "owners"),
        ({"owners": ["u1", 7]}, "owners"),
        ({"enabled": "yes"}, "enabled"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_rule(changes, key):
    base = rule("a", countries=["DE"])
    errors = validate_rule({**base, **changes})
    assert list(errors) == [key], errors


def test_territory_without_criteria_is_refused():
    errors = validate_rule(rule("t", kind="territory"))
    assert list(errors) == ["kind"]
    assert "round_robin" in errors["kind"][0]


def test_unknown_source_message_lists_the_sources():
    errors = validate_rule(rule("a", sources=["newsletter"]))
    assert "web_form, import, campaign, referral, partner, event, manual, other" in errors["sources"][0]


def test_validate_rule_of_non_dict_and_validate_rules():
    assert validate_rule(["x"]) == {"_schema": ["An assignment rule must be an object."]}
    good = rule("a", kind="round_robin")
    errors = validate_rules([good, dict(good), {**rule("b", kind="round_robin"), "owners": []}])
    assert set(errors) == {"rules[1].id", "rules[2].owners"}
    assert validate_rules(None) == {"rules": ["Must be a list of assignment rules."]}
