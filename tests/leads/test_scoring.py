"""Unit tests for data-driven lead scoring (services.leads.scoring.rules)."""

import copy
import random

import pytest

from services.leads.scoring.rules import (
    DEFAULT_SCORING_RULES,
    LEAD_FIELDS,
    OPERATORS,
    compile_rules,
    explain_score,
    score_lead,
    validate_rule,
    validate_rules,
)


def rule(operator, value, points=10, field="title", rule_id=None, enabled=True):
    return {
        "id": rule_id or f"r-{operator}",
        "name": f"{operator} rule",
        "field": field,
        "operator": operator,
        "value": value,
        "points": points,
        "enabled": enabled,
    }


def points_of(lead, r):
    """What a single rule gives a lead (scores are clamped, so use small points)."""
    return score_lead(lead, [r])


# -- operators ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead_value", "rule_value", "hit"),
    [
        ("referral", "referral", True),
        ("Referral", "referral", True),
        ("  REFERRAL ", "referral", True),
        ("referral", "Referral", True),
        ("Straße", "STRASSE", True),  # casefold, not just lower
        ("referrals", "referral", False),
        (None, "referral", False),
        ("", "referral", False),
        (5, 5, True),
        (5.0, 5, True),
        ("5", 5, False),
        (True, True, True),
        (1, True, False),
        (True, 1, False),
        (["referral"], "referral", False),
    ],
)
def test_eq(lead_value, rule_value, hit):
    r = rule("eq", rule_value, field="attributes.x")
    assert points_of({"attributes": {"x": lead_value}}, r) == (10 if hit else 0)


@pytest.mark.parametrize(
    ("industry", "hit"),
    [("Software", True), ("software ", True), ("HEALTHCARE", True), ("Retail", False),
     (None, False), ("", False), ({"a": 1}, False)],
)  # fmt: skip
def test_in(industry, hit):
    r = rule("in", ["software", "Healthcare"], field="industry")
    assert points_of({"industry": industry}, r) == (10 if hit else 0)


@pytest.mark.parametrize(
    ("title", "hit"),
    [
        ("VP Sales", True),
        ("vp of sales", True),
        ("Senior VP", True),
        ("SVP Marketing", False),  # whole words only
        ("Vice President, Sales", True),
        ("Vice   President", True),  # any whitespace between the words
        ("Vice-President", True),  # phrase words may be separated by punctuation
        ("vice_president", False),  # underscore is a word character
        ("Head of Marketing", True),
        ("Headhunter", False),
        ("Chief Executive Officer", True),
        ("Chief-of-staff", True),  # hyphen is a word boundary
        ("Mischief manager", False),
        ("Director", True),
        ("DIRECTOR", True),
        ("Directorate clerk", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_contains_any_matches_whole_words(title, hit):
    r = rule("contains_any", ["chief", "vp", "vice president", "head", "director"])
    assert points_of({"title": title}, r) == (10 if hit else 0)


def test_contains_any_unicode_and_regex_metacharacters():
    r = rule("contains_any", ["geschäftsführer", "c++", "r&d"])
    assert points_of({"title": "GESCHÄFTSFÜHRER"}, r) == 10
    assert points_of({"title": "Head of R&D"}, r) == 10
    assert points_of({"title": "C++ developer"}, r) == 10
    assert points_of({"title": "cxx developer"}, r) == 0


def test_several_contains_any_rules_on_one_field_all_count():
    rules = [
        rule("contains_any", ["vp", "r&d", "vice president"], points=10, rule_id="a"),
        rule("contains_any", ["head of sales", "manager"], points=3, rule_id="b"),
        rule("present", None, points=1, rule_id="c"),
    ]
    assert score_lead({"title": "VP, Head of Sales"}, rules) == 14
    assert score_lead({"title": "R&D manager"}, rules) == 14
    assert score_lead({"title": "Head of Sales Ops"}, rules) == 4
    assert score_lead({"title": "Head of  sales"}, rules) == 4
    assert score_lead({"title": "Sales head"}, rules) == 1
    assert [e["rule_id"] for e in explain_score({"title": "vice-president R&D"}, rules)] == ["a", "c"]


@pytest.mark.parametrize(
    ("size", "gte", "lte", "between"),
    [
        (49, False, True, False),
        (50, True, True, True),
        (199, True, True, True),
        (200, True, False, False),
        (None, False, False, False),
        ("120", True, True, True),  # numeric strings (imported attributes) count
        ("abc", False, False, False),
        ("nan", False, False, False),
        (True, False, False, False),
        (120.5, True, True, True),
    ],
)
def test_numeric_operators(size, gte, lte, between):
    lead = {"company_size": size}
    assert points_of(lead, rule("gte", 50, field="company_size")) == (10 if gte else 0)
    assert points_of(lead, rule("lte", 199, field="company_size")) == (10 if lte else 0)
    assert points_of(lead, rule("between", [50, 199], field="company_size")) == (10 if between else 0)


@pytest.mark.parametrize(
    ("value", "hit"),
    [("x", True), ("  x ", True), ("", False), ("   ", False), (None, False), (0, True),
     (False, True), ({}, False), ({"a": 1}, True), ([], False)],
)  # fmt: skip
def test_present(value, hit):
    r = rule("present", "ignored", field="attributes.v")
    assert points_of({"attributes": {"v": value}}, r) == (10 if hit else 0)


def test_present_on_missing_key():
    assert points_of({}, rule("present", None, field="phone")) == 0


@pytest.mark.parametrize(
    ("events", "expected"),
    [(0, 0), (1, 5), (4, 20), (5, 25), (6, 25), (1000, 25), (None, 0), (-3, 0), ("7", 0), (True, 0)],
)
def test_engagement_points_per_event_up_to_the_cap(events, expected):
    r = rule("engagement", 25, points=5, field="engagement")
    assert points_of({"engagement": events}, r) == expected


def test_negative_engagement_points_are_capped_in_size():
    lead = {"engagement": 10, "email": "a@b.com"}
    rules = [
        rule("present", None, points=50, field="email", rule_id="base"),
        rule("engagement", 20, points=-3, field="engagement"),
    ]
    assert score_lead(lead, rules) == 30
    assert explain_score(lead, rules)[1]["points"] == -20


def test_attribute_fields():
    r = rule("eq", "gold", field="attributes.tier")
    assert points_of({"attributes": {"tier": "Gold"}}, r) == 10
    assert points_of({"attributes": {}}, r) == 0
    assert points_of({"attributes": None}, r) == 0
    assert points_of({"attributes": "tier=gold"}, r) == 0
    assert points_of({}, r) == 0


def test_attribute_key_with_dots_is_one_key():
    r = rule("present", None, field="attributes.utm.source")
    assert points_of({"attributes": {"utm.source": "x"}}, r) == 10
    assert points_of({"attributes": {"utm": {"source": "x"}}}, r) == 0


# -- summing, clamping, disabled rules ---------------------------------------


def test_points_sum_and_negative_points_subtract():
    rules = [
        rule("present", None, points=30, field="email", rule_id="a"),
        rule("present", None, points=20, field="phone", rule_id="b"),
        rule("eq", "gmail.com", points=-15, field="attributes.domain", rule_id="c"),
    ]
    lead = {"email": "a@gmail.com", "phone": "5551234", "attributes": {"domain": "gmail.com"}}
    assert score_lead(lead, rules) == 35


def test_score_is_clamped_to_0_and_100():
    high = [rule("present", None, points=100, field=f, rule_id=f) for f in ("email", "phone")]
    low = [rule("present", None, points=-100, field=f, rule_id=f) for f in ("email", "phone")]
    lead = {"email": "a@b.com", "phone": "5551234"}
    assert score_lead(lead, high) == 100
    assert score_lead(lead, low) == 0
    assert explain_score(lead, high) == [
        {"rule_id": "email", "name": "present rule", "points": 100},
        {"rule_id": "phone", "name": "present rule", "points": 100},
    ]


def test_disabled_rules_are_skipped_and_missing_enabled_means_enabled():
    on = rule("present", None, field="email", rule_id="on")
    off = rule("present", None, points=50, field="email", rule_id="off", enabled=False)
    implicit = {k: v for k, v in rule("present", None, points=7, field="email", rule_id="implicit").items()
                if k != "enabled"}  # fmt: skip
    lead = {"email": "a@b.com"}
    assert score_lead(lead, [on, off, implicit]) == 17
    assert [e["rule_id"] for e in explain_score(lead, [on, off, implicit])] == ["on", "implicit"]


def test_no_rules_scores_zero():
    assert score_lead({"email": "a@b.com"}, []) == 0
    assert explain_score({"email": "a@b.com"}, []) == []


def test_several_eq_and_in_rules_on_one_field_all_count():
    rules = [
        rule("eq", "referral", points=20, field="source", rule_id="a"),
        rule("in", ["referral", "partner"], points=5, field="source", rule_id="b"),
        rule("eq", "partner", points=7, field="source", rule_id="c"),
        rule("in", ["Referral", "REFERRAL"], points=1, field="source", rule_id="d"),  # counted once
    ]
    assert score_lead({"source": "referral"}, rules) == 26
    assert score_lead({"source": "partner"}, rules) == 12
    assert [e["rule_id"] for e in explain_score({"source": "referral"}, rules)] == ["a", "b", "d"]


def test_zero_point_rules_are_not_listed_in_explain():
    rules = [rule("present", None, points=0, field="email", rule_id="z")]
    assert explain_score({"email": "a@b.com"}, rules) == []


def test_unknown_lead_keys_are_ignored():
    assert score_lead({"email": "a@b.com", "favourite_colour": "red"}, DEFAULT_SCORING_RULES) == 5


def test_invalid_rules_are_refused_when_compiled():
    with pytest.raises(ValueError, match="r-bogus"):
        compile_rules([rule("bogus", 1)])
    with pytest.raises(ValueError, match="invalid"):
        score_lead({}, [rule("eq", "x", field="favourite_colour")])


def test_rules_are_not_modified():
    rules = copy.deepcopy(DEFAULT_SCORING_RULES)
    score_lead({"title": "VP"}, rules)
    explain_score({"title": "VP"}, rules)
    assert rules == DEFAULT_SCORING_RULES


# -- default rules -----------------------------------------------------------


def test_default_rules_are_valid_with_unique_stable_ids():
    assert validate_rules(DEFAULT_SCORING_RULES) == {}
    ids = [r["id"] for r in DEFAULT_SCORING_RULES]
    assert len(ids) == len(set(ids))
    for expected in ("src-referral", "src-partner", "src-event", "src-web-form", "title-senior",
                     "industry-target", "size-50-199", "size-200-999", "size-1000-plus",
                     "has-email", "has-phone", "has-company", "has-title", "engagement"):  # fmt: skip
        assert expected in ids


def test_default_rules_on_a_strong_and_a_weak_lead():
    strong = {
        "source": "referral", "title": "VP of Sales", "industry": "Software",
        "company_size": 250, "email": "a@b.com", "phone": "+15551234567",
        "company": "Acme", "engagement": 3, "attributes": {},
    }  # fmt: skip
    # 20 + 15 + 10 + 10 + 4 * 5 + 15
    assert score_lead(strong, DEFAULT_SCORING_RULES) == 90
    assert sum(e["points"] for e in explain_score(strong, DEFAULT_SCORING_RULES)) == 90
    weak = {"source": "import", "email": "a@b.com", "company_size": 10, "engagement": 0}
    assert score_lead(weak, DEFAULT_SCORING_RULES) == 5
    assert score_lead({}, DEFAULT_SCORING_RULES) == 0


@pytest.mark.parametrize(
    ("size", "rule_id"),
    [(49, None), (50, "size-50-199"), (199, "size-50-199"), (200, "size-200-999"),
     (999, "size-200-999"), (1000, "size-1000-plus"), (250000, "size-1000-plus")],
)  # fmt: skip
def test_default_size_bands_do_not_overlap(size, rule_id):
    hits = [e["rule_id"] for e in explain_score({"company_size": size}, DEFAULT_SCORING_RULES)]
    assert hits == ([rule_id] if rule_id else [])


def test_default_source_points():
    by_source = {s: score_lead({"source": s}, DEFAULT_SCORING_RULES)
                 for s in ("referral", "partner", "event", "web_form", "campaign", "import", "manual")}  # fmt: skip
    assert by_source["referral"] >= by_source["event"] > by_source["web_form"] > by_source["import"] == 0


def test_product_owner_is_not_senior():
    hits = [e["rule_id"] for e in explain_score({"title": "Product Owner"}, DEFAULT_SCORING_RULES)]
    assert "title-senior" not in hits


# -- compiled scorer equals a naive reading of the rules ---------------------


def _naive_points(lead, r):
    """A deliberately simple re-implementation of one rule, for cross-checking."""
    import re

    field = r["field"]
    if field.startswith("attributes."):
        attributes = lead.get("attributes")
        v = attributes.get(field[11:]) if isinstance(attributes, dict) else None
    else:
        v = lead.get(field)
    op, value, points = r["operator"], r["value"], r["points"]

    def fold(x):
        return x.strip().casefold() if isinstance(x, str) else x

    def num(x):
        if isinstance(x, bool):
            return None
        if isinstance(x, str):
            try:
                return float(x)
            except ValueError:
                return None
        return x if isinstance(x, (int, float)) else None

    if op == "eq":
        hit = v is not None and type(v) is type(value) and fold(v) == fold(value) if isinstance(value, (str, bool)) \
            else (isinstance(v, (int, float)) and not isinstance(v, bool) and v == value)  # fmt: skip
    elif op == "in":
        hit = any(_naive_points(lead, {**r, "operator": "eq", "value": x, "points": 1}) for x in value)
    elif op == "contains_any":
        words = re.findall(r"\w+", v.casefold()) if isinstance(v, str) else []
        hit = any(
            any(words[k : k + len(kw.split())] == kw.casefold().split() for k in range(len(words))) for kw in value
        )
    elif op in ("gte", "lte", "between"):
        n = num(v)
        lo, hi = (value, float("inf")) if op == "gte" else (float("-inf"), value) if op == "lte" else value
        hit = n is not None and lo <= n <= hi
    elif op == "present":
        hit = v is not None and (bool(v.strip()) if isinstance(v, str) else v != {} and v != [])
    else:  # engagement
        n = v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0
        return max(-value, min(value, points * n))
    return points if hit else 0


def test_compiled_scorer_matches_naive_reading_on_random_leads():
    rnd = random.Random(20240601)
    titles = ["VP Sales", "Head of IT", "engineer", "Chief of Staff", "", None, "Directeur", "svp",
              "Co-Founder & CEO", "Vice-President", "STRASSENBAU DIRECTOR", "Sales Manager, VP", "  "]  # fmt: skip
    sources = ["web_form", "import", "campaign", "referral", "partner", "event", "manual", "other", "Referral"]
    industries = ["Software", "retail", "healthcare ", None, "", "Financial Services"]
    extra = [
        rule("eq", "gold", points=12, field="attributes.tier", rule_id="x-tier"),
        rule("lte", 10, points=-30, field="company_size", rule_id="x-tiny"),
        rule("in", ["DE", "fr"], points=8, field="country", rule_id="x-country"),
        rule("present", None, points=-10, field="merged_into", rule_id="x-merged"),
        rule("gte", 3, points=4, field="attributes.visits", rule_id="x-visits"),
    ]
    rules = copy.deepcopy(DEFAULT_SCORING_RULES) + extra
    for r in rules:
        r["enabled"] = rnd.random() < 0.8
    scorer = compile_rules(rules)
    for _ in range(2000):
        lead = {
            "title": rnd.choice(titles),
            "source": rnd.choice(sources),
            "industry": rnd.choice(industries),
            "company_size": rnd.choice([None, 5, 50, 199, 200, 999, 1000, 5000]),
            "email": rnd.choice([None, "", "a@b.com"]),
            "phone": rnd.choice([None, " ", "+15551234567"]),
            "company": rnd.choice([None, "Acme"]),
            "country": rnd.choice([None, "DE", "FR", "US"]),
            "engagement": rnd.randint(0, 9),
            "merged_into": rnd.choice([None, "x"]),
            "attributes": rnd.choice([{}, {"tier": "GOLD"}, {"tier": "silver", "visits": "4"}, {"visits": 2}]),
        }
        enabled = [r for r in rules if r["enabled"]]
        raw = sum(_naive_points(lead, r) for r in enabled)
        expected = max(0, min(100, raw))
        assert scorer(lead) == expected == score_lead(lead, rules), lead
        explained = explain_score(lead, rules)
        assert sum(e["points"] for e in explained) == raw
        assert all(e["points"] != 0 for e in explained)
        assert [e["rule_id"] for e in explained] == [r["id"] for r in enabled if _naive_points(lead, r) != 0]


# -- validation --------------------------------------------------------------


def test_valid_rule_for_every_operator():
    values = {
        "eq": "x", "in": ["a", 1], "contains_any": ["vp"], "gte": 1, "lte": 2.5,
        "between": [1, 1], "present": None, "engagement": 25,
    }  # fmt: skip
    assert set(values) == set(OPERATORS)
    for operator, value in values.items():
        assert validate_rule(rule(operator, value)) == {}, operator


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("eq", None), ("eq", ["x"]), ("eq", {"a": 1}),
        ("in", "software"), ("in", []), ("in", [None]), ("in", [["a"]]),
        ("contains_any", "vp"), ("contains_any", []), ("contains_any", ["vp", ""]), ("contains_any", [" "]),
        ("contains_any", [1]),
        ("gte", "5"), ("gte", None), ("gte", True), ("lte", float("nan")), ("lte", float("inf")),
        ("between", [1]), ("between", [1, 2, 3]), ("between", [5, 1]), ("between", ["1", "2"]),
        ("between", 5), ("between", [1, None]),
        ("engagement", -1), ("engagement", 101), ("engagement", 2.5), ("engagement", None),
    ],
)  # fmt: skip
def test_wrong_value_type_for_operator(operator, value):
    errors = validate_rule(rule(operator, value))
    assert list(errors) == ["value"], errors
    assert operator in errors["value"][0]


@pytest.mark.parametrize("operator", ["", None, "equals", "EQ", "regex", 1])
def test_unknown_operator(operator):
    errors = validate_rule(rule(operator, "x"))
    assert list(errors) == ["operator"]
    assert "eq, in, contains_any" in errors["operator"][0]


@pytest.mark.parametrize("field", ["favourite_colour", "Title", "", None, "attributes.", "attributes", 3])
def test_unknown_or_missing_field(field):
    r = rule("present", None, field=field)
    if field == "attributes":  # a real lead key: present works on the whole dict
        assert validate_rule(r) == {}
    else:
        assert list(validate_rule(r)) == ["field"]


@pytest.mark.parametrize("field", [*LEAD_FIELDS, "attributes.tier", "attributes.utm.source", "attributes.é"])
def test_every_lead_field_and_attribute_is_accepted(field):
    assert validate_rule(rule("present", None, field=field)) == {}


@pytest.mark.parametrize("points", [-101, 101, 1.5, "10", None, True])
def test_points_out_of_range_or_not_int(points):
    assert list(validate_rule(rule("present", None, points=points, field="email"))) == ["points"]


@pytest.mark.parametrize("points", [-100, -1, 0, 100])
def test_points_in_range(points):
    assert validate_rule(rule("present", None, points=points, field="email")) == {}


def test_missing_keys_unknown_keys_and_non_bool_enabled():
    errors = validate_rule({"operator": "present", "colour": "red", "enabled": "yes", "field": "email"})
    assert set(errors) == {"id", "name", "points", "colour", "enabled"}
    assert validate_rule("not a rule") == {"_schema": ["A scoring rule must be an object."]}


def test_validate_rules_reports_by_index_and_duplicate_ids():
    good = rule("present", None, field="email", rule_id="a")
    errors = validate_rules([good, dict(good), rule("bogus", 1, rule_id="b")])
    assert set(errors) == {"rules[1].id", "rules[2].operator"}
    assert "Duplicate id 'a'; rules[0]" in errors["rules[1].id"][0]
    assert validate_rules("x") == {"rules": ["Must be a list of scoring rules."]}
