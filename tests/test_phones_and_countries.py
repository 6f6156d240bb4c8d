"""Phone numbers read into E.164 with the record's country, and country codes
that are ISO 3166-1 alpha-2 codes, the same in every schema that takes one."""

import re

import pytest
from marshmallow import ValidationError

from shared.schemas.common import COUNTRY_CODES, COUNTRY_PATTERN, is_country_code
from shared.schemas.leads import AssignmentRulesSchema, LeadCreateSchema, LeadUpdateSchema, WebFormLeadSchema
from shared.schemas.phones import PHONE_HELP, e164, phone_help
from shared.schemas.sales.accounts import AccountCreateSchema, AccountQuerySchema


@pytest.mark.parametrize(("text", "region", "number"), [
    ("+44 20 7946 0958", None, "+442079460958"),
    ("+44 (0) 20 7946 0958", "DE", "+442079460958"),  # a country code wins over the region
    ("020 7946 0958", "GB", "+442079460958"),
    ("020 7946 0958", "gb", "+442079460958"),
    ("0044 20 7946 0958", None, "+442079460958"),  # 00 is the international prefix
    ("0044 20 7946 0958", "DE", "+442079460958"),
    ("(030) 123-4567", "DE", "+49301234567"),
    ("+49.30.123.45.67", None, "+49301234567"),
    ("020 7946 0958 ext. 12", "GB", "+442079460958"),  # E.164 has no extension: the text keeps it
    ("０２０ ７９４６ ０９５８", "GB", "+442079460958"),  # full-width digits
    ("  +1 202 555 0100  ", None, "+12025550100"),
])
def test_a_number_reads_as_e164(text, region, number):
    assert e164(text, region) == number


@pytest.mark.parametrize(("text", "region"), [
    ("call me maybe", None),
    ("call me maybe", "GB"),
    ("020 7946 0958", None),  # national, and no country to read it in
    ("12", "GB"),  # too short for any number
    ("+44 1", None),
    ("+999 1234567", None),  # no such country code
    ("", "GB"),
    (None, "GB"),
])
def test_text_that_is_no_possible_number_reads_as_none(text, region):
    assert e164(text, region) is None


def test_a_lead_phone_is_read_with_the_leads_country():
    assert LeadCreateSchema().load({"phone": "020 7946 0958", "country": "gb"}) == {
        "phone": "020 7946 0958", "country": "GB"}  # the schema checks; the service stores E.164 and the text
    for data in ({"phone": "020 7946 0958"}, {"phone": "call me maybe", "country": "GB"},
                 {"phone": "020 7946 0958", "country": "US"}):
        with pytest.raises(ValidationError) as raised:
            LeadCreateSchema().load(data)
        # With a country, the message says the number is not one of that country's.
        assert raised.value.messages == {"phone": [phone_help(data["phone"], data.get("country"))]}
        assert (raised.value.messages["phone"][0] == PHONE_HELP) == ("country" not in data)


def test_a_change_of_phone_alone_is_left_to_the_leads_stored_country():
    assert LeadUpdateSchema().load({"phone": "020 7946 0958"}) == {"phone": "020 7946 0958"}
    for data in ({"phone": "+44 1"}, {"phone": "020 7946 0958", "country": None},
                 {"phone": "020 7946 0958", "country": "US"}):
        with pytest.raises(ValidationError) as raised:
            LeadUpdateSchema().load(data)
        assert list(raised.value.messages) == ["phone"]


def test_the_web_form_reads_phones_and_upper_cases_the_country():
    form = {"last_name": "Lovelace", "email": "ada@example.com", "phone": "020 7946 0958"}
    assert WebFormLeadSchema().load({**form, "country": "gb"})["country"] == "GB"
    with pytest.raises(ValidationError) as raised:
        WebFormLeadSchema().load(form)
    assert raised.value.messages == {"phone": [PHONE_HELP]}


def test_the_country_pattern_names_exactly_the_iso_codes_in_any_case():
    assert len(COUNTRY_CODES) >= 249 and {"GB", "DE", "US", "FR", "JP"} <= COUNTRY_CODES
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for first in letters:
        for second in letters:
            code = first + second
            assert bool(re.match(COUNTRY_PATTERN, code)) is (code in COUNTRY_CODES), code
            assert bool(re.match(COUNTRY_PATTERN, code.lower())) is (code in COUNTRY_CODES), code
            assert is_country_code(code.lower()) is (code in COUNTRY_CODES)
    assert re.match(COUNTRY_PATTERN, "gB") and not re.match(COUNTRY_PATTERN, "GBR")


@pytest.mark.parametrize(("schema", "data", "field"), [
    (LeadCreateSchema(), {"last_name": "L", "country": "XX"}, "country"),
    (LeadUpdateSchema(), {"country": "xx"}, "country"),
    (WebFormLeadSchema(), {"last_name": "L", "email": "a@example.com", "country": "XX"}, "country"),
    (AccountCreateSchema(), {"name": "Acme", "country": "XX"}, "country"),
    (AccountCreateSchema(), {"name": "Acme", "addresses": [{"country": "XX"}]}, "addresses"),
    (AccountQuerySchema(), {"country": "XX"}, "country"),
    (AssignmentRulesSchema(), {"rules": [{"id": "t", "name": "T", "kind": "territory", "countries": ["DE", "XX"],
                                          "owners": ["ann"]}]}, "rules"),
])
def test_every_country_field_refuses_a_code_that_is_no_country(schema, data, field):
    with pytest.raises(ValidationError) as raised:
        schema.load(data)
    assert list(raised.value.messages) == [field]
    assert "ISO 3166-1 two-letter country code, like GB, DE or US" in str(raised.value.messages)


def test_a_country_code_is_taken_in_any_case_and_stored_upper_case():
    assert LeadCreateSchema().load({"last_name": "L", "country": "gb"})["country"] == "GB"
    assert AccountCreateSchema().load({"name": "Acme", "country": "de"})["country"] == "DE"
