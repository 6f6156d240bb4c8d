"""The match-key building blocks in shared.kit.normalize (pure functions).
The services' own keys are tested in tests/leads and tests/sales."""

import pytest

from shared.kit.normalize import SEPARATORS, collapse_whitespace, normalize_email


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Anna.Berg@Example.COM \n", "anna.berg@example.com"),
    ("ÄNNE@Müller.de", "änne@müller.de"),
    ("a@b.c", "a@b.c"),
    ("anna@example.com.", None),
    ("anna@example", None),
    ("anna@bob@example.com", None),
    ("Anna <anna@example.com>", None),
    ("", None),
    (None, None),
    (b"a@b.com", None),
])
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


def test_separators_delete_dots_and_apostrophes_and_space_out_the_rest():
    assert "S.A. McDonald’s/Ｘ—Y\u00a0z™".translate(SEPARATORS).split() == ["SA", "McDonalds", "Ｘ", "Y", "z"]


def test_collapse_whitespace():
    assert collapse_whitespace("  a \t\n b\u00a0\u3000c ") == "a b c"
