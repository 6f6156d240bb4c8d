"""Creating opportunities: defaults from the pipeline and stage, links that
must exist, the first history row, opportunity.created exactly once, and bad
input that writes nothing."""

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from services.sales.opportunities import commands
from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.sales.opportunities import OpportunitySavedSchema, OpportunitySchema
from tests.sales.opportunity_helpers import (
    new_account,
    new_contact,
    opportunity_data,
    pipeline_data,
)


def test_defaults_come_from_the_default_pipeline(sales, db, events):
    account_id = new_account(db)
    created = sales.create_opportunity(opportunity_data(account_id, amount="12500.5", currency="usd"), "rep-1")

    OpportunitySavedSchema().load(created)
    # No USD rate was set: the save says that the amount is left out of the sums (tests/sales/test_save_warnings.py).
    assert [warning["currency"] for warning in created.pop("warnings")] == ["USD"]
    OpportunitySchema().load(created)
    assert created["pipeline_id"] == "default" and created["stage"] == "prospecting"
    assert created["category"] == "open"
    assert created["probability"] == 10 and created["probability_overridden"] is False
    assert created["amount"] == "12500.50" and created["currency"] == "USD"
    assert created["closed_on"] is None and created["lead_id"] is None
    assert created["version"] == 1 and created["created_by"] == "rep-1"
    assert created["attributes"] == {} and created["forecast_category"] is None
    assert sales.get_opportunity(created["id"]) == created

    assert sales.opportunity_stage_history(created["id"])["items"] == [{
        "from_stage": None, "to_stage": "prospecting", "probability": 10, "amount": "12500.50", "currency": "USD",
        "changed_by": "rep-1", "changed_at": sales.opportunity_stage_history(created["id"])["items"][0]["changed_at"]}]

    events.wait_for("opportunity.created", created["id"])
    events.settle(db, [created["id"]])
    published = events.of(subject_id=created["id"])
    assert [event.type for event in published] == ["opportunity.created"]
    EnvelopeSchema().load(published[0].envelope)
    contract("opportunity.created").schema().load(published[0].data)
    assert published[0].data["opportunity"] == created


def test_a_given_probability_overrides_the_stage(sales, db):
    created = sales.create_opportunity(opportunity_data(new_account(db), stage="proposal", probability=35))
    assert (created["stage"], created["probability"], created["probability_overridden"]) == ("proposal", 35, True)


def test_every_field_is_kept(sales, db):
    account_id = new_account(db)
    contact_id = new_contact(db, account_id)
    data = opportunity_data(account_id, primary_contact_id=contact_id, amount=99, stage="negotiation",
                            forecast_category="commit", source="referral", campaign_id="spring-26", owner="ana",
                            next_step="Send the contract", attributes={"segment": "smb"})
    created = sales.create_opportunity(data)
    for key, value in data.items():
        expected = "99.00" if key == "amount" else value
        assert created[key] == expected, key


def test_another_pipeline_and_stage_can_be_named(sales, db):
    pipeline = sales.create_pipeline(pipeline_data())
    account_id = new_account(db)
    first = sales.create_opportunity(opportunity_data(account_id, pipeline_id=pipeline["id"]))
    assert (first["pipeline_id"], first["stage"], first["probability"]) == (pipeline["id"], "lead", 10)
    demo = sales.create_opportunity(opportunity_data(account_id, pipeline_id=pipeline["id"], stage="demo"))
    assert (demo["stage"], demo["probability"]) == ("demo", 50)


def test_created_won_it_is_closed_today_and_created_lost_it_needs_a_reason(sales, db):
    account_id = new_account(db)
    won = sales.create_opportunity(opportunity_data(account_id, stage="closed_won"))
    assert won["category"] == "won" and won["probability"] == 100
    assert won["closed_on"] == datetime.now(UTC).date().isoformat()
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(opportunity_data(account_id, stage="closed_lost"))
    assert caught.value.errors == {"loss_reason": ["Required when moving to a lost stage."]}
    lost = sales.create_opportunity(opportunity_data(account_id, stage="closed_lost", loss_reason="no budget"))
    assert lost["category"] == "lost" and lost["loss_reason"] == "no budget"


def test_the_account_must_exist_and_be_live(sales, db):
    missing = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(opportunity_data(missing))
    assert list(caught.value.errors) == ["account_id"]
    survivor = new_account(db)
    merged = new_account(db)
    db.one("UPDATE accounts SET merged_into = %s WHERE id = %s RETURNING id", (survivor, merged))
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(opportunity_data(merged))
    assert survivor in caught.value.detail
    assert db.scalar("SELECT count(*) FROM opportunities WHERE account_id = ANY(%s::uuid[])", ([missing, merged],)) == 0


def test_the_primary_contact_must_exist_and_belong_to_the_account(sales, db):
    account_id = new_account(db)
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(opportunity_data(account_id, primary_contact_id=str(uuid.uuid4())))
    assert list(caught.value.errors) == ["primary_contact_id"]
    elsewhere = new_contact(db, new_account(db))
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(opportunity_data(account_id, primary_contact_id=elsewhere))
    assert "belongs to account" in caught.value.errors["primary_contact_id"][0]
    assert db.scalar("SELECT count(*) FROM opportunities WHERE account_id = %s", (account_id,)) == 0
    # A contact without an account will do.
    loose = new_contact(db)
    assert sales.create_opportunity(opportunity_data(account_id, primary_contact_id=loose))["primary_contact_id"] \
        == loose


ACCOUNT = "6a1e4a2c-6f3e-4c1b-9d0a-1f2e3d4c5b6a"


@pytest.mark.parametrize(("change", "field"), [
    ({"name": None}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": 12}, "name"),
    ({"currency": None}, "currency"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "E1R"}, "currency"),
    ({"expected_close_date": None}, "expected_close_date"),
    ({"expected_close_date": "next month"}, "expected_close_date"),
    ({"expected_close_date": "2026-02-30"}, "expected_close_date"),
    ({"account_id": None}, "account_id"),
    ({"account_id": "not-a-uuid"}, "account_id"),
    ({"primary_contact_id": "42"}, "primary_contact_id"),
    ({"amount": -1}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"amount": "lots"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "1e20"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"probability": 101}, "probability"),
    ({"probability": "likely"}, "probability"),
    ({"forecast_category": "maybe"}, "forecast_category"),
    ({"pipeline_id": "Not A Slug"}, "pipeline_id"),
    ({"pipeline_id": "no-such-pipeline"}, "pipeline_id"),
    ({"stage": "signed"}, "stage"),
    ({"owner": "x" * 101}, "owner"),
    ({"next_step": "x" * 501}, "next_step"),
    ({"attributes": ["not", "an", "object"]}, "attributes"),
    ({"lead_id": str(uuid.uuid4())}, "lead_id"),
    ({"category": "won"}, "category"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(sales, db, change, field):
    account_id = new_account(db)
    data = {**opportunity_data(account_id), **change}
    before = db.scalar("SELECT count(*) FROM opportunities")
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(data)
    assert field in caught.value.errors, caught.value.errors
    assert db.scalar("SELECT count(*) FROM opportunities") == before


@pytest.mark.parametrize("field", ["account_id", "name", "currency", "expected_close_date"])
def test_required_fields(sales, db, field):
    data = opportunity_data(new_account(db))
    del data[field]
    with pytest.raises(ValidationFailed) as caught:
        sales.create_opportunity(data)
    assert caught.value.errors == {field: ["Missing data for required field."]}


@pytest.mark.parametrize("data", [None, "deal", [], 3])
def test_something_other_than_an_object_is_refused(sales, data):
    with pytest.raises(ValidationFailed):
        sales.create_opportunity(data)


@pytest.mark.parametrize("opportunity_id",
                         [pytest.param(str(uuid.uuid4()), id="unknown-uuid"), "not-a-uuid", "", None, 7])
def test_an_unknown_or_malformed_id_is_not_found(sales, opportunity_id):
    with pytest.raises(NotFound):
        sales.get_opportunity(opportunity_id)
    with pytest.raises(NotFound):
        sales.opportunity_stage_history(opportunity_id)
    with pytest.raises(NotFound):
        sales.update_opportunity(opportunity_id, {"name": "x"})


def test_the_domain_function_records_the_lead_it_came_from(sales_database_url, db):
    """What lead conversion calls, inside its own transaction."""
    account_id, lead_id = new_account(db), str(uuid.uuid4())
    data = {"account_id": account_id, "name": "From a lead", "currency": "EUR", "expected_close_date": "2026-12-01",
            "lead_id": lead_id}
    with psycopg.connect(sales_database_url, row_factory=dict_row, options="-c search_path=sales,public") as conn:
        row = commands.create_opportunity(conn, data, "converter")
    snapshot = commands.opportunity_snapshot(row)
    OpportunitySchema().load(snapshot)
    assert snapshot["lead_id"] == lead_id and snapshot["amount"] == "0.00" and snapshot["stage"] == "prospecting"
    assert db.scalar("SELECT count(*) FROM outbox WHERE event_type = 'opportunity.created' AND body::jsonb"
                     " -> 'data' -> 'opportunity' ->> 'id' = %s", (snapshot["id"],)) == 1
