"""Routing rules as data, evaluated without a database: each condition, the
empty condition, whole-word keywords, first match wins."""

import pytest

from services.support.teams.routing import facts_of, first_match, has_keyword, matches


def rule(**conditions):
    return {"channels": [], "account_types": [], "tags": [], "keywords": [], **conditions}


def case(**fields):
    return facts_of({"channel": "web", "subject": "", "description": "", "tags": [], **fields},
                    fields.get("account_type"))


def test_a_rule_without_conditions_takes_every_case():
    assert matches(rule(), case())


@pytest.mark.parametrize(("conditions", "fields", "expected"), [
    ({"channels": ["email", "phone"]}, {"channel": "phone"}, True),
    ({"channels": ["email"]}, {"channel": "web"}, False),
    ({"account_types": ["partner"]}, {"account_type": "partner"}, True),
    ({"account_types": ["partner"]}, {"account_type": "customer"}, False),
    ({"account_types": ["partner"]}, {}, False),
    ({"tags": ["VIP", "billing"]}, {"tags": ["vip"]}, True),
    ({"tags": ["billing"]}, {"tags": ["vip", "shipping"]}, False),
    ({"tags": ["billing"]}, {}, False),
])
def test_each_condition_is_any_of_its_values(conditions, fields, expected):
    assert matches(rule(**conditions), case(**fields)) is expected


def test_every_given_condition_must_hold():
    both = rule(channels=["email"], tags=["vip"])
    assert matches(both, case(channel="email", tags=["vip"]))
    assert not matches(both, case(channel="email", tags=[]))
    assert not matches(both, case(channel="web", tags=["vip"]))


@pytest.mark.parametrize(("keyword", "text", "expected"), [
    ("refund", "I want a Refund, please", True),
    ("refund", "REFUND", True),
    ("refund", "it was refunded", False),
    ("refund", "nonrefundable", False),
    ("invoice", "see invoice#12", True),
    ("money back", "I want my money   back now", True),
    ("money back", "money is back", False),
    ("c++", "Question about C++ builds", True),
    ("ünïcode", "Das ÜNÏCODE-Problem", True),
    ("", "anything", False),
])
def test_keywords_are_whole_words_in_any_case(keyword, text, expected):
    assert has_keyword([keyword], text) is expected


def test_keywords_are_looked_for_in_subject_and_description():
    refund = rule(keywords=["refund", "chargeback"])
    assert matches(refund, case(subject="Hello", description="about a chargeback"))
    assert matches(refund, case(subject="Refund?", description=None))
    assert not matches(refund, case(subject="Hello", description="thanks"))


def test_the_first_matching_rule_wins():
    rules = [rule(id=1, channels=["email"]), rule(id=2, tags=["vip"]), rule(id=3)]
    assert first_match(rules, case(channel="email", tags=["vip"]))["id"] == 1
    assert first_match(rules, case(channel="web", tags=["vip"]))["id"] == 2
    assert first_match(rules, case(channel="web"))["id"] == 3
    assert first_match(rules[:2], case(channel="web")) is None
