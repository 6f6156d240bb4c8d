"""Segment rules, pure: checking (every bad node named by its path, with how
to fix it), compiling to parameterised SQL, and cycle detection."""

import datetime
import uuid
from decimal import Decimal

import pytest

from services.campaigns.segments import rules
from shared.schemas.errors import ValidationFailed

CATALOGUE = rules.Catalogue.of_people()
SEGMENT = str(uuid.uuid4())


def check(rule):
    return rules.check(rule, CATALOGUE)


def error_of(rule):
    with pytest.raises(rules.RuleError) as caught:
        check(rule)
    return caught.value.path, caught.value.message


@pytest.mark.parametrize(("rule", "path", "says"), [
    ([], "rule", "Expected an object"),
    ({}, "rule", "exactly one of"),
    ({"all": [], "any": []}, "rule", "exactly one of"),
    ({"all": {}}, "rule.all", "list of nodes"),
    ({"all": [{"field": "nope", "op": "eq", "value": 1}]}, "rule.all.0.field", "Unknown field; use one of"),
    ({"all": [{"field": "country", "op": "gt", "value": "DE"}]}, "rule.all.0.op", "takes the operators"),
    ({"any": [{"field": "country", "op": "eq"}]}, "rule.any.0.value", "needs a value"),
    ({"any": [{"field": "country", "op": "eq", "value": "  "}]}, "rule.any.0.value", "not blank"),
    ({"not": {"field": "country", "op": "is_empty", "value": "x"}}, "rule.not.value", "takes no value"),
    ({"field": "lead_score", "op": "gte", "value": "lots"}, "rule.value", "Expected a number"),
    ({"field": "lead_score", "op": "gte", "value": True}, "rule.value", "Expected a number"),
    ({"field": "lead_score", "op": "gte", "value": "NaN"}, "rule.value", "finite"),
    ({"field": "lead_score", "op": "between", "value": [80, 20]}, "rule.value", "low not above high"),
    ({"field": "lead_score", "op": "between", "value": [1]}, "rule.value", "[low, high]"),
    ({"field": "lead_score", "op": "in", "value": []}, "rule.value", "list of 1 to"),
    ({"field": "lead_score", "op": "in", "value": [1, "x"]}, "rule.value.1", "Expected a number"),
    ({"field": "kind", "op": "eq", "value": "customer"}, "rule.value", "kind is one of contact, lead"),
    ({"field": "do_not_email", "op": "eq", "value": "yes"}, "rule.value", "true or false"),
    ({"field": "last_order_at", "op": "gt", "value": "yesterday"}, "rule.value", "YYYY-MM-DD"),
    ({"field": "last_order_at", "op": "gt", "value": "2026-02-30"}, "rule.value", "YYYY-MM-DD"),
    ({"field": "last_order_at", "op": "gt", "value": "2026-02-03T10:00:00"}, "rule.value", "with its zone"),
    ({"field": "last_order_at", "op": "within_last_days", "value": -1}, "rule.value", "whole number of days"),
    ({"field": "last_order_at", "op": "within_last_days", "value": 2.5}, "rule.value", "whole number of days"),
    ({"segment": "not-an-id"}, "rule.segment", "UUID"),
    ({"segment": SEGMENT, "extra": 1}, "rule.extra", "Unknown key"),
    ({"field": "country", "op": "eq", "value": "DE", "and": 1}, "rule.and", "Unknown key"),
    ({"field": "title", "op": "contains", "value": "x" * 201}, "rule.value", "At most 200"),
])
def test_a_bad_node_is_named_by_its_path_with_how_to_fix_it(rule, path, says):
    assert error_of(rule)[0] == path
    assert says in error_of(rule)[1]


def test_limits_on_size_and_depth():
    wide = {"any": [{"field": "country", "op": "eq", "value": "DE"}] * 200}
    assert error_of(wide)[1].startswith("A rule has at most 200 nodes")
    deep = {"field": "country", "op": "eq", "value": "DE"}
    for _ in range(12):
        deep = {"not": deep}
    assert "12 levels" in error_of(deep)[1]


def test_failed_becomes_a_422_naming_the_node():
    with pytest.raises(rules.RuleError) as caught:
        check({"all": [{"field": "country", "op": "eq", "value": "DE"}, {"field": "x", "op": "eq", "value": 1}]})
    problem = rules.failed(caught.value)
    assert isinstance(problem, ValidationFailed) and problem.status == 422
    assert list(problem.errors) == ["rule.all.1.field"]
    assert "rule.all.1" in problem.detail


def test_checked_rules_are_normalised_and_say_what_they_use():
    checked = check({"all": [{"field": "lead_score", "op": "between", "value": ["10", 20.0]},
                             {"segment": SEGMENT.upper()},
                             {"not": {"field": "last_order_at", "op": "within_last_days", "value": 30}},
                             {"field": "country", "op": "in", "value": [" de ", "AT"]}]})
    assert checked.rule["all"][0]["value"] == [10, 20]
    assert checked.rule["all"][1] == {"segment": SEGMENT}
    assert checked.rule["all"][3]["value"] == ["de", "AT"]
    assert checked.segment_ids == [SEGMENT] and checked.relative
    assert not check({"field": "country", "op": "eq", "value": "DE"}).relative


def test_values_travel_as_parameters_never_in_the_sql():
    hostile = "x'); DROP TABLE people; --"
    checked = check({"any": [{"field": "title", "op": "contains", "value": hostile},
                             {"field": "title", "op": "eq", "value": "50%_off"},
                             {"field": "lead_score", "op": "gt", "value": "12.5"},
                             {"field": "last_order_at", "op": "lte", "value": "2026-03-01"}]})
    sql, params = rules.compile_rule(checked.rule, CATALOGUE)
    assert hostile not in sql and "DROP" not in sql and "50" not in sql
    assert sql.count("%s") == len(params)
    assert params == [f"%{hostile}%", "50%_off", Decimal("12.5"), datetime.date(2026, 3, 2)]


def test_like_patterns_are_escaped():
    checked = check({"field": "title", "op": "starts_with", "value": "50%_\\"})
    assert rules.compile_rule(checked.rule, CATALOGUE)[1] == ["50\\%\\_\\\\%"]


def test_empty_groups_mean_everybody_and_nobody():
    assert rules.compile_rule(check({"all": []}).rule, CATALOGUE) == ("true", [])
    assert rules.compile_rule(check({"any": []}).rule, CATALOGUE) == ("false", [])


def test_find_cycle():
    a, b, c = "a", "b", "c"
    assert rules.find_cycle(a, {a: [b], b: [c], c: []}) is None
    assert rules.find_cycle(a, {a: [b], b: [c], c: [a]}) == [a, b, c, a]
    assert rules.find_cycle(a, {a: [a]}) == [a, a]
    assert rules.find_cycle(a, {a: [b], b: [c], c: [b]}) is None  # a cycle elsewhere is not this one's
