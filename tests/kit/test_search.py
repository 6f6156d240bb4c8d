"""How the global search reads a text, builds its SQL conditions and ranks
what it found (pure functions: no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.kit import search


@pytest.mark.parametrize(("text", "digits"), [
    ("+44 20 7946", "44207946"), ("020 7946 0958", "2079460958"), ("0044 (20) 7946-0958", "442079460958"),
    ("7946", "7946"), ("12", None), ("+1", None), ("ada 123", None), ("2079x", None), ("00012", None),
    ("0001234", "1234"),
])
def test_a_text_reads_as_phone_digits_when_it_is_made_of_phone_characters(text, digits):
    assert search.phone_digits(text) == digits


@pytest.mark.parametrize(("text", "domain"), [
    ("example.com", "example.com"), ("@Example.COM", "example.com"), ("https://www.acme.co.uk/about", "acme.co.uk"),
    ("mail.example.org", "mail.example.org"), ("example", None), ("ada@example.com", None), ("a b.com", None),
    ("example.c", None),
])
def test_a_text_reads_as_a_domain_when_it_names_one(text, domain):
    assert search.web_domain(text) == domain


def test_reading_trims_collapses_and_lowers():
    terms = search.read("  Ada \t LOVELACE ")
    assert (terms.text, terms.words, terms.digits, terms.domain) == ("ada lovelace", ("ada", "lovelace"), None, None)
    assert search.read("+44 20 7946").digits == "44207946"


def test_long_words_match_anywhere_short_ones_at_a_word_start_and_like_is_escaped():
    clause, params = search.text_clause("expr", search.read("lov 5% ad"))
    assert clause == "(expr ILIKE %s AND (expr ILIKE %s OR expr ILIKE %s) AND (expr ILIKE %s OR expr ILIKE %s))"
    assert params == ["%lov%", "5\\%%", "% 5\\%%", "ad%", "% ad%"]
    assert search.digits_pattern(search.read("+44 20 7946")) == "%44207946%"
    assert search.digits_pattern(search.read("ada")) is None


@pytest.mark.parametrize(("text", "indexable"), [
    ("ada", True), ("ad", False), ("ada lovelace", True), ("ada.l", True), ("a.b", False), ("ada lo", False),
    ("+44 20 7946", True), ("@ex", True), ("ö-ü", False), ("müller", True),
])
def test_a_text_is_indexable_when_every_word_gives_the_trigram_index_something(text, indexable):
    assert search.indexable(search.read(text)) is indexable


def fields(name=None, email=None, phone=None, company=None):
    return [("name", "text", name), ("email", "text", email), ("domain", "domain", email),
            ("company", "text", company), ("phone", "digits", phone)]


@pytest.mark.parametrize(("text", "record", "expected"), [
    ("ada lovelace", fields("Ada Lovelace", "ada@example.com"), ("name", search.EXACT)),
    ("ada", fields("Ada Lovelace", "ada@example.com"), ("name", search.PREFIX)),
    ("love", fields("Ada Lovelace", "x@example.com"), ("name", search.WORD)),
    ("velace", fields("Ada Lovelace"), ("name", search.INSIDE)),
    ("ada", fields("Hadamard Ada"), ("name", search.WORD)),
    ("lovelace ada", fields("Ada Lovelace"), ("name", search.WORDS)),
    ("example.com", fields("Ada", "ada@example.com"), ("domain", search.EXACT)),
    ("example.com", fields("Ada", "ada@mail.example.com"), ("domain", search.PREFIX)),
    ("ada@example.com", fields("Ada", "Ada@Example.com"), ("email", search.EXACT)),
    ("+44 20 7946", fields("Ada", phone="+442079460958"), ("phone", search.PREFIX)),
    ("020 7946 0958", fields("Ada", phone="+442079460958"), ("phone", search.EXACT)),
    ("7946 0958", fields("Ada", phone="+442079460958"), ("phone", search.INSIDE)),
    ("engines", fields("Ada", company="Analytical Engines"), ("company", search.WORD)),
    ("nothing", fields("Ada"), ("name", search.UNMATCHED)),
])
def test_the_best_field_and_how_well_it_matched(text, record, expected):
    matched, quality, _ = search.best_match(search.read(text), record)
    assert (matched, quality) == expected


def test_lists_of_values_match_by_their_best_item_and_earlier_fields_win_ties():
    terms = search.read("grace")
    assert search.best_match(terms, [("email", "text", ["x@a.io", "grace@b.io"]), ("name", "text", "Grace")])[:2] \
        == ("name", search.EXACT)
    assert search.best_match(terms, [("name", "text", "Grace H"), ("email", "text", "grace h")])[:2] \
        == ("name", search.PREFIX)


def test_ranking_takes_the_best_then_the_newest():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    candidates = [((search.INSIDE, 0, -now.timestamp()), "inside"),
                  ((search.EXACT, 1, -(now - timedelta(days=1)).timestamp()), "exact-older"),
                  ((search.EXACT, 1, -now.timestamp()), "exact-newer"),
                  ((search.EXACT, 0, -now.timestamp()), "exact-name")]
    assert search.ranked(candidates, 3) == ["exact-name", "exact-newer", "exact-older"]
    assert search.join("Acme", None, "", "open") == "Acme · open"
