"""The conversion contracts and naming rules as plain functions: options
with their defaults and refusals, the answer, and what a lead's account is
called."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.sales.conversion.commands import account_name, person_name, record
from shared.schemas.sales.conversion import ConversionOptionsSchema, ConversionRecordSchema


def load(data):
    return ConversionOptionsSchema().load(data)


def test_empty_options_convert_with_an_opportunity_closing_in_90_days():
    assert load({}) == {"create_opportunity": True,
                        "opportunity": {"expected_close_date": date.today() + timedelta(days=90)}}


def test_no_opportunity_when_asked_for_none():
    assert load({"create_opportunity": False}) == {"create_opportunity": False, "opportunity": None}
    assert load({"create_opportunity": False, "opportunity": None})["opportunity"] is None


def test_given_options_are_kept_and_tidied():
    options = load({"account_id": "6F1C1A8E-8D0A-4A57-9A3E-3D0E0F1F2A3B", "owner": "  ann ",
                    "opportunity": {"name": " Rollout ", "amount": 1250.5, "currency": "usd", "stage": "proposal",
                                    "pipeline_id": "enterprise", "expected_close_date": "2027-01-31"}})
    assert str(options["account_id"]) == "6f1c1a8e-8d0a-4a57-9a3e-3d0e0f1f2a3b"
    assert options["owner"] == "ann"
    assert options["opportunity"] == {"name": "Rollout", "amount": Decimal("1250.50"), "currency": "USD",
                                      "stage": "proposal", "pipeline_id": "enterprise",
                                      "expected_close_date": date(2027, 1, 31)}


def test_a_blank_name_or_currency_means_the_default():
    assert load({"opportunity": {"name": "  ", "currency": ""}})["opportunity"]["name"] is None
    assert load({"opportunity": {"currency": ""}})["opportunity"]["currency"] is None


def test_what_the_gateway_sends_on_loads_the_same():
    schema = ConversionOptionsSchema()
    for raw in ({}, {"create_opportunity": False}, {"opportunity": {"amount": "10", "currency": "gbp"}}):
        loaded = schema.load(raw)
        assert schema.load(schema.dump(loaded)) == loaded


@pytest.mark.parametrize(("options", "field"), [
    ({"colour": "red"}, "colour"),
    ({"account_id": "nope"}, "account_id"),
    ({"create_opportunity": "maybe"}, "create_opportunity"),
    ({"owner": "o" * 101}, "owner"),
    ({"opportunity": []}, "opportunity"),
    ({"opportunity": {"amount": "-0.01"}}, "opportunity"),
    ({"opportunity": {"amount": "12.345"}}, "opportunity"),
    ({"opportunity": {"amount": True}}, "opportunity"),
    ({"opportunity": {"currency": "EU"}}, "opportunity"),
    ({"opportunity": {"pipeline_id": "Big Deals"}}, "opportunity"),
    ({"opportunity": {"expected_close_date": "31/01/2027"}}, "opportunity"),
    ({"opportunity": {"expected_close_date": None}}, "opportunity"),
    ({"opportunity": {"name": "n" * 201}}, "opportunity"),
    ({"opportunity": {"lead_id": "x"}}, "opportunity"),
    ({"create_opportunity": False, "opportunity": {"amount": "1"}}, "opportunity"),
])
def test_bad_options_name_the_field(options, field):
    with pytest.raises(ValidationError) as raised:
        load(options)
    assert field in raised.value.messages


def test_the_answer_holds_the_record():
    row = {"lead_id": "6f1c1a8e-8d0a-4a57-9a3e-3d0e0f1f2a3b", "account_id": "0d6c4b1e-2f41-4c77-8d7e-9d9b1d1f9a01",
           "contact_id": "1d6c4b1e-2f41-4c77-8d7e-9d9b1d1f9a01", "opportunity_id": None, "account_created": True,
           "contact_created": False, "converted_by": "ann", "converted_at": "2026-11-23T10:00:00+00:00"}
    answer = record(row)
    assert set(answer) == {"lead_id", "account_id", "contact_id", "opportunity_id", "account_created",
                           "contact_created"}
    ConversionRecordSchema().load(answer)


@pytest.mark.parametrize(("lead", "name"), [
    ({"company": "Engines Ltd", "first_name": "Ada", "last_name": "Lovelace"}, "Engines Ltd"),
    ({"first_name": "Ada", "last_name": "Lovelace"}, "Ada Lovelace"),
    ({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@gmail.com"}, "Ada Lovelace (ada@gmail.com)"),
    ({"last_name": "Lovelace", "phone": "+44 1"}, "Lovelace (+44 1)"),
    ({"first_name": "Ada"}, "Ada"),
    ({"email": "ada@gmail.com"}, "ada@gmail.com"),
    ({"phone": "+44 20 7946 0000"}, "+44 20 7946 0000"),
    ({"first_name": "A" * 100, "last_name": "B" * 100}, ("A" * 100 + " " + "B" * 99)),
    ({"first_name": "A" * 100, "last_name": "B" * 100, "email": "ab@x.io"}, "A" * 100 + " " + "B" * 89 + " (ab@x.io)"),
])
def test_an_account_is_named_after_the_company_else_the_person(lead, name):
    assert account_name(lead) == name
    assert len(account_name(lead)) <= 200


def test_person_name():
    assert person_name({"first_name": "Ada", "last_name": None}) == "Ada"
    assert person_name({}) is None
