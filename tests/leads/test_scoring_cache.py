"""The scoring rules are compiled once per version of the rules, per
database, and a change made by another process (another replica) is seen
at the next use."""

import psycopg
import pytest
from psycopg.rows import dict_row

from services.leads.scoring import commands
from services.leads.scoring import rules as scoring_rules

RULES = [{"id": "has-email", "name": "Email given", "field": "email", "operator": "present", "points": 7}]


@pytest.fixture
def conn(leads_database_url, leads_migrated):
    """A connection of this process (the service's side)."""
    with psycopg.connect(leads_database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=leads,public") as connection:
        yield connection


@pytest.fixture
def other_replica(leads_database_url, leads_migrated):
    """Changes the rules the way another replica would: its own connection."""

    def change(rules):
        with psycopg.connect(leads_database_url, row_factory=dict_row,
                             options="-c search_path=leads,public") as connection:
            commands.set_scoring_rules(connection, rules, "other replica")  # commits on leaving the block

    yield change
    change(scoring_rules.DEFAULT_SCORING_RULES)


@pytest.fixture
def compilations(monkeypatch):
    calls = []
    original = commands.COMPILED.compile_rules

    def counting(rules):
        calls.append(rules)
        return original(rules)

    monkeypatch.setattr(commands.COMPILED, "compile_rules", counting)
    return calls


def test_rules_are_compiled_once_per_version(conn, other_replica, compilations):
    other_replica(RULES)
    compilations.clear()

    scores = [commands.scorer(conn)[0]({"email": "ada@example.com"}) for _ in range(5)]

    assert scores == [7] * 5
    assert len(compilations) <= 1


def test_a_change_by_another_replica_is_used_at_once(conn, other_replica, compilations):
    other_replica(RULES)
    score, version = commands.scorer(conn)
    assert score({"email": "ada@example.com"}) == 7

    other_replica([{**RULES[0], "points": 9}])
    score, newer = commands.scorer(conn)

    assert newer == version + 1
    assert score({"email": "ada@example.com"}) == 9
