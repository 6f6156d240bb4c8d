"""Moving opportunities between stages by update: defaults and next_stages,
illegal moves refused with nothing changed, loss reasons, reopening, the
probability rule, history, events exactly once, and concurrent moves."""

import pytest

from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import IllegalTransition, PreconditionFailed, ValidationFailed
from shared.schemas.events import contract
from tests import dates
from tests.sales.conftest import account_data, concurrently
from tests.sales.opportunity_helpers import (
    new_account,
    new_contact,
    opportunity_data,
    opportunity_state,
    pipeline_data,
    stage,
)


@pytest.fixture
def account_id(db):
    return new_account(db)


def published(events, db, opportunity, expected):
    """The events about this version of the opportunity, once all are in."""
    def mine():
        return [event for event in events.of(subject_id=opportunity["id"])
                if event.data["opportunity"]["version"] == opportunity["version"]]

    events.wait(lambda: sorted(event.type for event in mine()) >= sorted(expected),
                message=f"expected {expected}")
    events.settle(db, [opportunity["id"]])
    for event in mine():
        EnvelopeSchema().load(event.envelope)
        contract(event.type).schema().load(event.data)
        assert event.data["opportunity"] == opportunity
    return mine()


def test_a_move_follows_the_stage_records_history_and_publishes_once(sales, db, events, account_id):
    created = sales.create_opportunity(opportunity_data(account_id), "rep-1")
    moved = sales.update_opportunity(created["id"], {"stage": "proposal"}, "rep-2", created["version"])
    assert (moved["stage"], moved["category"], moved["probability"]) == ("proposal", "open", 60)
    assert moved["version"] == 2 and moved["closed_on"] is None

    [event] = published(events, db, moved, ["opportunity.stage_changed"])
    assert event.type == "opportunity.stage_changed"
    assert (event.data["previous_stage"], event.data["previous_category"]) == ("prospecting", "open")
    history = sales.opportunity_stage_history(created["id"])["items"]
    assert [(item["from_stage"], item["to_stage"], item["probability"], item["changed_by"]) for item in history] == [
        (None, "prospecting", 10, "rep-1"), ("prospecting", "proposal", 60, "rep-2")]
    assert history[0]["changed_at"] <= history[1]["changed_at"]


def test_winning_publishes_won_and_reopening_clears_closed_on(sales, db, events, account_id):
    created = sales.create_opportunity(opportunity_data(account_id, stage="negotiation"))
    with dates.during(dates.utc_today_iso) as today:  # closed_on: the day (UTC) of the move
        won = sales.update_opportunity(created["id"], {"stage": "closed_won"}, "rep-1")
    assert (won["category"], won["probability"], won["closed_on"]) == ("won", 100, today)
    assert sorted(event.type for event in published(events, db, won, ["opportunity.stage_changed",
                                                                         "opportunity.won"])) == [
        "opportunity.stage_changed", "opportunity.won"]

    reopened = sales.update_opportunity(won["id"], {"stage": "proposal"}, "rep-1")
    assert (reopened["category"], reopened["probability"], reopened["closed_on"]) == ("open", 60, None)
    [event] = published(events, db, reopened, ["opportunity.stage_changed"])
    assert (event.data["previous_stage"], event.data["previous_category"]) == ("closed_won", "won")


def test_losing_needs_a_reason_and_reopening_clears_it(sales, db, events, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    before = opportunity_state(sales, db, created["id"])
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], {"stage": "closed_lost"})
    assert caught.value.errors == {"loss_reason": ["Required when moving to a lost stage."]}
    assert "loss_reason" in caught.value.detail
    with pytest.raises(ValidationFailed):
        sales.update_opportunity(created["id"], {"stage": "closed_lost", "loss_reason": "  "})
    assert opportunity_state(sales, db, created["id"]) == before

    with dates.during(dates.utc_today_iso) as today:
        lost = sales.update_opportunity(created["id"], {"stage": "closed_lost", "loss_reason": "chose a competitor"})
    assert (lost["category"], lost["probability"], lost["closed_on"], lost["loss_reason"]) == (
        "lost", 0, today, "chose a competitor")
    types = sorted(event.type for event in published(events, db, lost, ["opportunity.stage_changed",
                                                                          "opportunity.lost", "opportunity.updated"]))
    assert types == ["opportunity.lost", "opportunity.stage_changed", "opportunity.updated"]
    updated = next(event for event in events.of("opportunity.updated", lost["id"]))
    assert updated.data["changed"] == ["loss_reason"]

    # The reason cannot be taken away while it is lost.
    with pytest.raises(ValidationFailed):
        sales.update_opportunity(created["id"], {"loss_reason": None})
    reopened = sales.update_opportunity(created["id"], {"stage": "qualification"})
    assert (reopened["category"], reopened["loss_reason"], reopened["closed_on"]) == ("open", None, None)


def test_a_loss_reason_already_given_counts(sales, account_id):
    created = sales.create_opportunity(opportunity_data(account_id, loss_reason="budget cut"))
    lost = sales.update_opportunity(created["id"], {"stage": "closed_lost"})
    assert lost["loss_reason"] == "budget cut"


@pytest.mark.parametrize(("source", "target"), [("closed_won", "closed_lost"), ("closed_lost", "closed_won")])
def test_an_illegal_default_move_is_refused_with_the_allowed_stages(sales, db, account_id, source, target):
    created = sales.create_opportunity(opportunity_data(account_id, stage=source, loss_reason="price"))
    before = opportunity_state(sales, db, created["id"])
    with pytest.raises(IllegalTransition) as caught:
        sales.update_opportunity(created["id"], {"stage": target, "loss_reason": "price"}, "rep-1", 1)
    error = caught.value
    assert error.status == 409
    assert error.extra["allowed"] == ["prospecting", "qualification", "needs_analysis", "proposal", "negotiation"]
    assert (error.extra["current"], error.extra["target"]) == (source, target)
    assert f"Cannot move the opportunity from {source} to {target}" in error.detail
    assert "prospecting, qualification, needs_analysis, proposal, negotiation" in error.detail
    assert error.errors == {"stage": [error.detail]}
    assert opportunity_state(sales, db, created["id"]) == before


def test_next_stages_override_the_default_moves(sales, db, account_id):
    pipeline = sales.create_pipeline(pipeline_data(stages=[
        stage("lead", "open", 10, next_stages=["demo", "lost"]),
        stage("demo", "open", 50, next_stages=["won", "lost"]),
        stage("won", "won", 100, next_stages=[]),
        stage("lost", "lost", 0, next_stages=["lead"]),
    ]))
    created = sales.create_opportunity(opportunity_data(account_id, pipeline_id=pipeline["id"]))

    def refused(target, allowed):
        before = opportunity_state(sales, db, created["id"])
        with pytest.raises(IllegalTransition) as caught:
            sales.update_opportunity(created["id"], {"stage": target})
        assert caught.value.extra["allowed"] == allowed
        assert opportunity_state(sales, db, created["id"]) == before
        return caught.value

    refused("won", ["demo", "lost"])  # the default would allow it
    sales.update_opportunity(created["id"], {"stage": "demo"})
    refused("lead", ["won", "lost"])
    sales.update_opportunity(created["id"], {"stage": "won"})
    assert "no move is allowed from won" in refused("demo", []).detail
    assert [item["to_stage"] for item in sales.opportunity_stage_history(created["id"])["items"]] == [
        "lead", "demo", "won"]


def test_an_unknown_stage_is_bad_input(sales, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], {"stage": "signed"})
    assert "prospecting, qualification" in caught.value.errors["stage"][0]


def test_the_same_stage_changes_nothing(sales, db, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    before = opportunity_state(sales, db, created["id"])
    assert sales.update_opportunity(created["id"], {"stage": "prospecting", "name": created["name"]}) == created
    assert opportunity_state(sales, db, created["id"]) == before


def test_an_overridden_probability_stays_until_reset(sales, db, events, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    overridden = sales.update_opportunity(created["id"], {"probability": 33})
    assert (overridden["probability"], overridden["probability_overridden"]) == (33, True)
    [event] = published(events, db, overridden, ["opportunity.updated"])
    assert event.data["changed"] == ["probability", "probability_overridden"]

    moved = sales.update_opportunity(created["id"], {"stage": "negotiation"})
    assert (moved["probability"], moved["probability_overridden"]) == (33, True)
    reset = sales.update_opportunity(created["id"], {"probability": None})
    assert (reset["probability"], reset["probability_overridden"]) == (80, False)
    both = sales.update_opportunity(created["id"], {"stage": "proposal", "probability": 70})
    assert (both["stage"], both["probability"], both["probability_overridden"]) == ("proposal", 70, True)
    back = sales.update_opportunity(created["id"], {"stage": "qualification", "probability": None})
    assert (back["probability"], back["probability_overridden"]) == (20, False)


def test_a_stage_change_with_other_changes_publishes_each_event_once(sales, db, events, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    moved = sales.update_opportunity(created["id"], {"stage": "proposal", "amount": "2500", "next_step": "Demo"})
    evented = published(events, db, moved, ["opportunity.stage_changed", "opportunity.updated"])
    assert sorted(event.type for event in evented) == ["opportunity.stage_changed", "opportunity.updated"]
    updated = next(event for event in evented if event.type == "opportunity.updated")
    assert updated.data["changed"] == ["amount", "next_step"]
    history = sales.opportunity_stage_history(created["id"])["items"]
    assert (history[-1]["amount"], history[-1]["currency"]) == ("2500.00", "EUR")
    assert len(db.outbox_rows([created["id"]])) == 3  # created, stage_changed, updated


def test_other_changes_publish_updated_naming_them(sales, db, events, account_id):
    contact_id = new_contact(db, account_id)
    created = sales.create_opportunity(opportunity_data(account_id))
    changes = {"name": "Renamed deal", "amount": "1000.00", "currency": "gbp", "primary_contact_id": contact_id,
               "expected_close_date": "2027-01-15", "owner": "bo", "attributes": {"tier": 2}}
    updated = sales.update_opportunity(created["id"], changes, "rep-1", 1)
    assert [warning["code"] for warning in updated.pop("warnings")] == ["missing_exchange_rate"]  # no GBP rate
    assert updated["currency"] == "GBP" and updated["version"] == 2 and updated["stage"] == "prospecting"
    [event] = published(events, db, updated, ["opportunity.updated"])
    # The amount did not change, so it is not named.
    assert event.data["changed"] == ["attributes", "currency", "expected_close_date", "name", "owner",
                                     "primary_contact_id"]
    assert len(sales.opportunity_stage_history(created["id"])["items"]) == 1


def test_moving_to_another_account_checks_it_and_the_contact(sales, db, account_id):
    contact_id = new_contact(db, account_id)
    created = sales.create_opportunity(opportunity_data(account_id, primary_contact_id=contact_id))
    other = new_account(db)
    before = opportunity_state(sales, db, created["id"])
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], {"account_id": other})
    assert "primary_contact_id" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], {"account_id": "6a1e4a2c-6f3e-4c1b-9d0a-1f2e3d4c5b6a"})
    assert "account_id" in caught.value.errors
    assert opportunity_state(sales, db, created["id"]) == before
    moved = sales.update_opportunity(created["id"], {"account_id": other, "primary_contact_id": None})
    assert (moved["account_id"], moved["primary_contact_id"]) == (other, None)


@pytest.mark.parametrize(("changes", "field"), [
    ({"stage": None}, "stage"),
    ({"name": None}, "name"),
    ({"amount": None}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"currency": None}, "currency"),
    ({"expected_close_date": None}, "expected_close_date"),
    ({"account_id": None}, "account_id"),
    ({"probability": 150}, "probability"),
    ({"pipeline_id": "default"}, "pipeline_id"),
    ({"category": "won"}, "category"),
    ({"version": 9}, "version"),
    ({"loss_reason": "x" * 501}, "loss_reason"),
])
def test_bad_changes_are_refused_and_change_nothing(sales, db, account_id, changes, field):
    created = sales.create_opportunity(opportunity_data(account_id))
    before = opportunity_state(sales, db, created["id"])
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], changes)
    assert field in caught.value.errors
    assert opportunity_state(sales, db, created["id"]) == before


@pytest.mark.parametrize("changes", [None, "stage=won", ["stage"]])
def test_changes_must_be_an_object(sales, account_id, changes):
    created = sales.create_opportunity(opportunity_data(account_id))
    with pytest.raises(ValidationFailed):
        sales.update_opportunity(created["id"], changes)


@pytest.mark.parametrize("version", ["v1", 0, True, 1.0])
def test_a_malformed_expected_version_is_bad_input(sales, account_id, version):
    created = sales.create_opportunity(opportunity_data(account_id))
    with pytest.raises(ValidationFailed) as caught:
        sales.update_opportunity(created["id"], {"stage": "proposal"}, None, version)
    assert "expected_version" in caught.value.errors


def test_a_stale_version_is_refused(sales, db, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))
    sales.update_opportunity(created["id"], {"name": "First"})
    before = opportunity_state(sales, db, created["id"])
    with pytest.raises(PreconditionFailed) as caught:
        sales.update_opportunity(created["id"], {"stage": "proposal"}, "rep-1", created["version"])
    assert caught.value.extra["current_version"] == 2
    assert opportunity_state(sales, db, created["id"]) == before


def test_concurrent_moves_from_the_same_version_one_wins(sales, db, events, rpc_proxy, account_id):
    created = sales.create_opportunity(opportunity_data(account_id))

    def move_to(target):
        return lambda cluster: cluster.sales.update_opportunity(created["id"], {"stage": target}, "rep",
                                                                created["version"])

    results = concurrently(rpc_proxy, [move_to(target) for target in
                                       ("qualification", "proposal", "closed_won", "negotiation")])
    winners = [result for result in results if isinstance(result, dict)]
    assert len(winners) == 1, results
    assert all(isinstance(result, PreconditionFailed) for result in results if not isinstance(result, dict))
    final = sales.get_opportunity(created["id"])
    assert final == winners[0] and final["version"] == 2
    history = sales.opportunity_stage_history(created["id"])["items"]
    assert [item["to_stage"] for item in history] == ["prospecting", final["stage"]]
    events.settle(db, [created["id"]])
    assert len(events.of("opportunity.stage_changed", created["id"])) == 1


def test_winning_makes_a_prospect_account_a_customer_once(sales, events):
    account = sales.create_account(account_data(type="prospect"), "rep-1")
    partner = sales.create_account(account_data(type="partner"), "rep-1")
    first = sales.create_opportunity(opportunity_data(account["id"]), "rep-1")
    second = sales.create_opportunity(opportunity_data(account["id"]), "rep-1")
    partners = sales.create_opportunity(opportunity_data(partner["id"]), "rep-1")

    sales.update_opportunity(first["id"], {"stage": "closed_won"}, "rep-1")
    sales.update_opportunity(second["id"], {"stage": "closed_won"}, "rep-1")
    sales.update_opportunity(partners["id"], {"stage": "closed_won"}, "rep-1")

    customer = sales.get_account(account["id"])
    assert customer["type"] == "customer" and customer["version"] == 2
    assert sales.get_account(partner["id"])["type"] == "partner"
    [event] = events.wait_for("account.updated", account["id"])
    assert event.data["changed"] == ["type"]
