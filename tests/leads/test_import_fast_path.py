"""The import's fast path must give exactly what LeadCreateSchema gives, and
must never accept a row the schema refuses."""

import random

import pytest
from marshmallow import ValidationError

from services.leads.imports.rows import fast_load
from shared.schemas.leads import LeadCreateSchema

SCHEMA = LeadCreateSchema()
VALUES = {
    "first_name": ["Ada", "  Ada  ", "", " ", "x" * 100, "x" * 101, "Zoë"],
    "last_name": ["Lovelace", "", "y" * 101, "O'Brien"],
    "email": ["ada@example.com", " ADA@Example.com ", "not-an-email", "a@b", "", "x@" + "y" * 250 + ".com"],
    "phone": ["+49 30 1234567", "", "1" * 41, "020 7946 0958", "call me maybe", "0049 30 1234567", "+44 1"],
    "company": ["ACME Inc.", "", "c" * 201],
    "title": ["VP Sales", ""],
    "industry": ["software", "i" * 101],
    "country": ["de", "DE", "deu", "d1", "", " fr ", "xx", "gb"],
    "company_size": ["12", " 12 ", "-3", "1.5", "abc", "", "10000001", "+7", "٣"],
    "source": ["referral", "import", "nope", ""],
    "campaign_id": ["c-1", "k" * 65],
    "notes": ["hello", ""],
    "owner": ["anna", "o" * 101],
}


def random_row(rng):
    row = {key: rng.choice(values) for key, values in VALUES.items() if rng.random() < 0.5}
    if rng.random() < 0.3:
        row["attributes"] = {rng.choice(["colour", "", "k" * 65, "size"]): "blue"}
    if rng.random() < 0.05:
        row["unknown_column"] = "x"
    return row


def schema_result(row):
    try:
        return SCHEMA.load(row)
    except ValidationError:
        return None


@pytest.mark.parametrize("seed", range(5))
def test_fast_path_matches_the_schema(seed):
    rng = random.Random(seed)
    accepted = 0
    for _ in range(2000):
        row = random_row(rng)
        fast = fast_load(dict(row))
        expected = schema_result(dict(row))
        if fast is not None:
            accepted += 1
            assert fast == expected, row
        # A row the schema refuses is never accepted by the fast path.
        if expected is None:
            assert fast is None, row
    assert accepted > 50


def test_clean_row_takes_the_fast_path():
    row = {"first_name": " Ada ", "email": "ada@example.com", "country": "de", "company_size": "12",
           "attributes": {"colour": "blue"}}
    assert fast_load(row) == SCHEMA.load(row) == {
        "first_name": "Ada", "email": "ada@example.com", "country": "DE", "company_size": 12,
        "attributes": {"colour": "blue"},
    }


def test_a_phone_is_checked_against_the_rows_country():
    national = {"last_name": "Lovelace", "phone": "020 7946 0958"}
    assert fast_load({**national, "country": "gb"}) == SCHEMA.load({**national, "country": "gb"})
    assert fast_load(dict(national)) is None  # no country to read it in: the schema says why
    with pytest.raises(ValidationError) as raised:
        SCHEMA.load(national)
    assert list(raised.value.messages) == ["phone"]
