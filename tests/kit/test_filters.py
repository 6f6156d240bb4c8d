"""The WHERE builder every list query uses."""

import uuid

from shared.kit.filters import Where, escape_like


def test_nothing_given_adds_nothing_but_the_fixed_clauses():
    where = Where({"owner": None, "status": [], "q": "", "score_min": None}, "merged_into IS NULL")
    where.equal("owner").any_of("status").search("name").compare(score_min="score >= %s")
    assert (where.clauses, where.params) == (["merged_into IS NULL"], [])


def test_each_given_filter_adds_its_clause_and_value_in_order():
    account_id = uuid.uuid4()
    where = Where({"owner": "sam", "account_id": account_id, "status": ("new", "working"), "score_min": 0})
    where.equal("owner", "account_id").any_of("status").compare(score_min="score >= %s", score_max="score <= %s")
    assert where.clauses == ["owner = %s", "account_id = %s", "status = ANY(%s)", "score >= %s"]
    assert where.params == ["sam", account_id, ["new", "working"], 0]


def test_search_matches_the_text_literally():
    where = Where({"q": "50%_off\\deal"}).search("name")
    assert (where.clauses, where.params) == (["name ILIKE %s"], ["%50\\%\\_off\\\\deal%"])


def test_search_by_every_word_needs_each_word():
    where = Where({"q": "  ada   lovelace "}).search("text", every_word=True)
    assert (where.clauses, where.params) == (["text ILIKE %s", "text ILIKE %s"], ["%ada%", "%lovelace%"])


def test_escape_like_escapes_the_escape_first():
    assert escape_like("a\\%") == "a\\\\\\%"


def test_add_takes_several_parameters():
    where = Where({}).add("(a = %s OR b = %s)", 1, 2)
    assert (where.clauses, where.params) == (["(a = %s OR b = %s)"], [1, 2])
