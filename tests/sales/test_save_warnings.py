"""Saving an opportunity in a currency without an exchange rate succeeds and
says so at that moment (``warnings``): its amount is left out of the board's
sums and the forecast until an admin sets a rate.  The board names such
currencies in ``missing_rates``.  A conversion makes the converting user the
owner of what it creates, and says the same about its opportunity.

Exchange rates are global state of the schema: each test uses currencies no
other test uses (Yxx, not real ISO 4217 codes)."""

import itertools
import string
import uuid

from shared.schemas.sales.conversion import ConversionRecordSchema
from shared.schemas.sales.opportunities import OpportunitySavedSchema
from tests.sales.opportunity_helpers import new_account, opportunity_data
from tests.sales.test_conversion_service import lead_snapshot

_codes = (f"Y{a}{b}" for a, b in itertools.product(string.ascii_uppercase, repeat=2))


def code():
    return next(_codes)


def missing(currency):
    return [{"code": "missing_exchange_rate", "currency": currency,
             "detail": f"There is no {currency} exchange rate, so this amount is left out of board sums and the "
                       "forecast until an admin sets one (PUT /api/v1/exchange-rates)."}]


def test_a_save_in_a_currency_without_a_rate_says_so(sales, db):
    currency = code()
    account_id = new_account(db)

    created = sales.create_opportunity(opportunity_data(account_id, currency=currency.lower(), amount="500"), "ann")
    assert OpportunitySavedSchema().load(created)["warnings"] == missing(currency)
    assert "warnings" not in sales.get_opportunity(created["id"])  # a warning is of a save, not of the record

    renamed = sales.update_opportunity(created["id"], {"name": "Still unconvertible"}, "ann")
    assert renamed["warnings"] == missing(currency)

    sales.set_exchange_rates([{"currency": currency, "rate": "1.5", "valid_from": "2026-01-01"}], actor="admin")
    assert "warnings" not in sales.update_opportunity(created["id"], {"amount": "600"}, "ann")


def test_no_warning_in_the_reporting_currency_or_one_with_a_rate(sales, db, sales_config):
    rated = code()
    sales.set_exchange_rates([{"currency": rated, "rate": "0.5", "valid_from": "2030-01-01"}], actor="admin")
    account_id = new_account(db)
    for currency in (sales_config["REPORTING_CURRENCY"], rated):
        created = sales.create_opportunity(opportunity_data(account_id, currency=currency), "ann")
        assert "warnings" not in created
    moved = sales.update_opportunity(created["id"], {"currency": code()}, "ann")
    assert moved["warnings"][0]["code"] == "missing_exchange_rate"


def test_the_board_names_the_currencies_left_out_of_its_sums(sales, db):
    currency = code()
    account_id = new_account(db)
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    sales.create_opportunity(opportunity_data(account_id, currency=currency, amount="700", owner=owner), "ann")
    sales.create_opportunity(opportunity_data(account_id, currency="EUR", amount="100", owner=owner), "ann")

    board = sales.pipeline_board("default", {"owner": [owner]})

    assert board["missing_rates"] == [currency]
    first = next(stage for stage in board["stages"] if stage["count"])
    assert (first["count"], first["amount"]) == (2, "100.00")  # counted and listed, left out of the sum


def test_a_conversion_is_owned_by_the_converting_user_and_warns_about_its_opportunity(sales):
    currency = code()
    lead = lead_snapshot(owner="lead-owner")

    result = sales.convert_lead(lead, {"opportunity": {"currency": currency}}, "closer")

    assert ConversionRecordSchema().load(result)["warnings"] == missing(currency)
    assert sales.get_account(result["account_id"])["owner"] == "closer"
    assert sales.get_contact(result["contact_id"])["owner"] == "closer"
    assert sales.get_opportunity(result["opportunity_id"])["owner"] == "closer"
    again = sales.convert_lead(lead, {"opportunity": {"currency": currency}}, "closer")
    assert again == {key: value for key, value in result.items() if key != "warnings"}  # nothing saved this time


def test_a_conversion_owner_given_wins_and_a_phone_is_read_with_the_leads_country(sales):
    lead = lead_snapshot(phone="+442079460958", phone_text="020 7946 0958", country="GB")

    result = sales.convert_lead(lead, {"owner": "ann"}, "closer")

    assert "warnings" not in result  # the reporting currency
    contact = sales.get_contact(result["contact_id"])
    assert (contact["owner"], contact["phones"], contact["phones_text"]) == ("ann", ["+442079460958"],
                                                                            ["020 7946 0958"])
    assert sales.get_opportunity(result["opportunity_id"])["owner"] == "ann"


def test_a_leads_phone_saved_before_numbers_were_read_is_kept_as_it_is(sales):
    lead = lead_snapshot(phone="020 7946 0958", country=None)  # national, and no country to read it in

    contact = sales.get_contact(sales.convert_lead(lead, {}, "closer")["contact_id"])

    assert (contact["phones"], contact["phones_text"]) == (["020 7946 0958"], ["020 7946 0958"])


def test_the_api_answers_the_warning_with_the_created_opportunity(component_config, service, db):
    from tests.services import gateway_client

    currency = code()
    with gateway_client(component_config) as (client, headers):
        response = client.post("/api/v1/opportunities", headers=headers["sales"], json=opportunity_data(
            new_account(db), currency=currency, owner="ann"))
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["warnings"] == missing(currency)
        read = client.get(response.headers["Location"], headers=headers["sales"]).get_json()
        assert "warnings" not in read
