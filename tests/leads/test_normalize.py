"""Unit tests for the match keys in services.leads.normalize."""

import pytest

from services.leads.normalize import normalize_company, normalize_email, normalize_phone

EMPTY = [None, "", " ", "\t\n", "\u00a0"]


# -- email -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("anna@example.com", "anna@example.com"),
        ("  Anna.Berg@Example.COM \n", "anna.berg@example.com"),
        ("first+tag@mail.example.co.uk", "first+tag@mail.example.co.uk"),
        ("ÄNNE@Müller.de", "änne@müller.de"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("a@b.c", "a@b.c"),
    ],
)
def test_email_is_stripped_and_lower_cased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        *EMPTY,
        "anna",
        "anna@",
        "@example.com",
        "anna@example",
        "anna@@example.com",
        "anna@bob@example.com",
        "anna berg@example.com",
        "anna@exa mple.com",
        "anna@example..com",
        "anna@.example.com",
        "anna@example.com.",
        "Anna <anna@example.com>",
        "n/a",
        "-",
    ],
)
def test_implausible_or_empty_email_is_none(raw):
    assert normalize_email(raw) is None


@pytest.mark.parametrize("raw", [123, 1.5, ["a@b.com"], {"email": "a@b.com"}, b"a@b.com"])
def test_email_of_non_string_is_none(raw):
    assert normalize_email(raw) is None


def test_email_is_idempotent():
    once = normalize_email(" X@Y.Org ")
    assert normalize_email(once) == once


# -- phone -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 20 7946 0018", "+442079460018"),
        ("0044 (20) 7946-0018", "+442079460018"),
        ("00 44 20 7946 0018", "+442079460018"),
        ("(+1) 555-123-4567", "+15551234567"),
        ("  +49.30.1234567 ", "+49301234567"),
        ("020 7946 0018", "02079460018"),
        ("555-1234", "5551234"),
        ("tel: 555 12 34", "5551234"),
        ("１２３４５６７", "1234567"),  # full-width digits
        ("＋４９ ３０ １２３４５６７", "+49301234567"),  # full-width plus
        ("+٤٤١٢٣٤٥٦٧", "+441234567"),  # Arabic-Indic digits
        ("+1 555 123 4567 ext. 89", "+1555123456789"),  # extensions are kept
    ],
)
def test_phone_keeps_digits_and_international_prefix(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", [*EMPTY, "123456", "+123456", "00123456", "12-34-56", "n/a", "phone", "+", "00"])
def test_phone_with_fewer_than_seven_digits_is_none(raw):
    assert normalize_phone(raw) is None


def test_phone_counts_digits_after_the_00_prefix():
    assert normalize_phone("001234567") == "+1234567"
    assert normalize_phone("00123456") is None


def test_plus_only_counts_at_the_start():
    assert normalize_phone("555 1234 +1") == "55512341"


@pytest.mark.parametrize("raw", [5551234567, 5.5, ["5551234567"]])
def test_phone_of_non_string_is_none(raw):
    assert normalize_phone(raw) is None


def test_phone_is_idempotent():
    for raw in ("+44 20 7946 0018", "0044 20 7946 0018", "020 7946 0018"):
        once = normalize_phone(raw)
        assert normalize_phone(once) == once


# -- company -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme", "acme"),
        ("Acme, Inc.", "acme"),
        ("ACME INCORPORATED", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme Limited", "acme"),
        ("Acme LLC", "acme"),
        ("Acme GmbH", "acme"),
        ("Acme AG", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme SAS", "acme"),
        ("Acme S.r.l.", "acme"),
        ("Acme B.V.", "acme"),
        ("Acme N.V.", "acme"),
        ("Acme plc", "acme"),
        ("Acme Corp.", "acme"),
        ("Acme Corporation", "acme"),
        ("Acme Co.", "acme"),
        ("Acme Company", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Smith & Co.", "smith"),
        ("Acme Co Ltd", "acme"),
        ("  Acme    Widgets\t Ltd ", "acme widgets"),
        ("Société Générale S.A.", "societe generale"),
        ("Crème Brûlée SARL", "creme brulee"),
        ("Straße AG", "strasse"),  # casefold
        ("ＡＣＭＥ　Ｉｎｃ", "acme"),  # full-width letters and space (NFKD)
        ("McDonald's Corporation", "mcdonalds"),
        ("McDonald’s", "mcdonalds"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("Johnson and Johnson", "johnson and johnson"),
        ("AT&T Inc.", "at and t"),
        ("Smith-Jones Ltd", "smith jones"),
        ("acme_corp", "acme"),
        ("Acme (Europe) Ltd.", "acme europe"),
        ("Yahoo!", "yahoo"),
        ("Inc. Magazine", "inc magazine"),  # only trailing suffixes go
        ("Acme Inc Europe", "acme inc europe"),
        ("Company", "company"),  # never reduced to nothing
        ("Co. Ltd.", "co"),
        ("Москва ООО", "москва ооо"),
        ("株式会社ガス", "株式会社ガス"),  # voicing marks outside U+0300-036F are kept
        ("Zoë's Café", "zoes cafe"),
        ("Acme™ Inc", "acme"),
        ("İstanbul Holding", "istanbul holding"),
        ("हिन्दी उद्योग", "हिन्दी उद्योग"),  # vowel signs and virama are not separators
        ("Acme\u00a0Ltd", "acme"),  # no-break space
        ("Acme\u200b", "acme"),  # zero-width space (a format character)
        ("«Acme» — Europe", "acme europe"),
        ("Acme ＆ Co", "acme"),  # full-width ampersand
    ],
)
def test_company_match_key(raw, expected):
    assert normalize_company(raw) == expected


@pytest.mark.parametrize("raw", [*EMPTY, "...", " - ", "!!!", 42, ["Acme"]])
def test_empty_company_is_none(raw):
    assert normalize_company(raw) is None


def test_company_variants_share_one_key():
    variants = ["ACME Inc.", "acme, inc", "Acme Incorporated", "  acme  ", "Acmé LLC"]
    assert {normalize_company(v) for v in variants} == {"acme"}


def test_company_is_idempotent():
    for raw in ("Société Générale S.A.", "Smith & Co.", "AT&T Inc.", "ＡＣＭＥ　Ｉｎｃ"):
        once = normalize_company(raw)
        assert normalize_company(once) == once
