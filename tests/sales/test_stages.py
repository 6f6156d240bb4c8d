"""The move rules between the stages of a pipeline (plain functions, no broker)."""

from datetime import date

import pytest

from services.sales.opportunities import stages
from shared.schemas.errors import IllegalTransition, ValidationFailed

TODAY = date(2026, 3, 14)


def stage(key, position, probability, category, next_stages=None):
    return {"key": key, "name": key.title(), "position": position, "probability": probability, "category": category,
            "forecast_category": "pipeline", "next_stages": next_stages}


DEFAULT = [
    stage("prospecting", 1, 10, "open"),
    stage("qualification", 2, 20, "open"),
    stage("proposal", 3, 60, "open"),
    stage("closed_won", 4, 100, "won"),
    stage("closed_lost", 5, 0, "lost"),
]
OPEN = ["prospecting", "qualification", "proposal"]
ALL = [item["key"] for item in DEFAULT]


def legal_default_moves():
    for source in ALL:
        for target in ALL:
            if source == target:
                continue
            if source in OPEN or target in OPEN:
                yield source, target


def illegal_default_moves():
    legal = set(legal_default_moves())
    return [(source, target) for source in ALL for target in ALL if (source, target) not in legal]


@pytest.mark.parametrize(("source", "target"), list(legal_default_moves()))
def test_default_moves_allow_open_to_anything_and_closed_back_to_open(source, target):
    assert stages.is_allowed(DEFAULT, source, target)
    assert stages.check_move(DEFAULT, source, target)["key"] == target


@pytest.mark.parametrize(("source", "target"), illegal_default_moves())
def test_every_other_default_move_is_refused_with_the_allowed_ones(source, target):
    with pytest.raises(IllegalTransition) as caught:
        stages.check_move(DEFAULT, source, target, "default")
    error = caught.value
    assert error.status == 409
    allowed = stages.allowed_targets(DEFAULT, source)
    assert error.extra == {"current": source, "target": target, "allowed": allowed, "pipeline_id": "default"}
    assert target not in allowed
    assert ", ".join(allowed) in error.detail
    assert error.errors == {"stage": [error.detail]}


def test_allowed_targets_are_in_position_order():
    assert stages.allowed_targets(DEFAULT, "qualification") == ["prospecting", "proposal", "closed_won",
                                                                "closed_lost"]
    assert stages.allowed_targets(DEFAULT, "closed_won") == OPEN
    assert stages.allowed_targets(DEFAULT, "closed_lost") == OPEN


def test_next_stages_replace_the_default_moves():
    strict = [
        stage("new", 1, 10, "open", ["demo", "lost"]),
        stage("demo", 2, 50, "open", ["won", "lost"]),
        stage("won", 3, 100, "won", []),
        stage("lost", 4, 0, "lost", ["new"]),
    ]
    assert stages.allowed_targets(strict, "new") == ["demo", "lost"]
    assert stages.allowed_targets(strict, "won") == []
    assert stages.allowed_targets(strict, "lost") == ["new"]
    with pytest.raises(IllegalTransition) as caught:
        stages.check_move(strict, "new", "won")
    assert caught.value.extra["allowed"] == ["demo", "lost"]
    with pytest.raises(IllegalTransition) as caught:
        stages.check_move(strict, "won", "new")
    assert "no move is allowed from won" in caught.value.detail
    assert caught.value.extra["allowed"] == []
    # A won -> lost move the defaults refuse is legal when configured.
    custom = [*DEFAULT[:3], stage("closed_won", 4, 100, "won", ["closed_lost"]), DEFAULT[4]]
    assert stages.check_move(custom, "closed_won", "closed_lost")["key"] == "closed_lost"


def test_staying_in_a_stage_is_not_a_move():
    with pytest.raises(IllegalTransition) as caught:
        stages.check_move(DEFAULT, "proposal", "proposal")
    assert "already in stage proposal" in caught.value.detail


def test_an_unknown_stage_is_bad_input_naming_the_valid_ones():
    with pytest.raises(ValidationFailed) as caught:
        stages.check_move(DEFAULT, "proposal", "signed", "default")
    assert caught.value.status == 422
    assert "prospecting, qualification, proposal, closed_won, closed_lost" in caught.value.errors["stage"][0]


def test_new_opportunities_start_in_the_first_open_stage():
    shuffled = [DEFAULT[3], DEFAULT[2], DEFAULT[4], DEFAULT[1], DEFAULT[0]]
    assert stages.first_open_stage(shuffled)["key"] == "prospecting"
    later = [stage("won", 1, 100, "won"), stage("lost", 2, 0, "lost"), stage("talk", 3, 30, "open")]
    assert stages.first_open_stage(later)["key"] == "talk"


def test_initial_values_follow_the_stage_unless_a_probability_is_given():
    assert stages.initial_values(DEFAULT[2], TODAY) == {
        "stage": "proposal", "category": "open", "probability": 60, "probability_overridden": False,
        "closed_on": None}
    assert stages.initial_values(DEFAULT[2], TODAY, 35)["probability"] == 35
    assert stages.initial_values(DEFAULT[2], TODAY, 0) == {
        "stage": "proposal", "category": "open", "probability": 0, "probability_overridden": True, "closed_on": None}
    assert stages.initial_values(DEFAULT[3], TODAY)["closed_on"] == TODAY


def opportunity(**fields):
    row = {"probability": 20, "probability_overridden": False, "closed_on": None, "loss_reason": None}
    row.update(fields)
    return row


def test_a_move_takes_the_new_stage_probability_and_category():
    values = stages.stage_change(opportunity(), DEFAULT[1], DEFAULT[2], TODAY)
    assert values == {"stage": "proposal", "category": "open", "probability": 60, "closed_on": None}


def test_an_overridden_probability_stays():
    values = stages.stage_change(opportunity(probability=35, probability_overridden=True), DEFAULT[1], DEFAULT[2],
                                 TODAY)
    assert "probability" not in values


def test_winning_or_losing_sets_closed_on_and_reopening_clears_it():
    won = stages.stage_change(opportunity(), DEFAULT[2], DEFAULT[3], TODAY)
    assert won == {"stage": "closed_won", "category": "won", "probability": 100, "probability_overridden": False,
                   "closed_on": TODAY}
    reopened = stages.stage_change(opportunity(probability=100, closed_on=TODAY), DEFAULT[3], DEFAULT[1],
                                   date(2026, 4, 1))
    assert reopened == {"stage": "qualification", "category": "open", "probability": 20, "closed_on": None}


def test_a_closed_stage_sets_its_own_probability_even_over_a_hand_set_one():
    hand_set = opportunity(probability=35, probability_overridden=True)
    assert stages.stage_change(hand_set, DEFAULT[2], DEFAULT[3], TODAY)["probability"] == 100
    assert stages.initial_values(DEFAULT[3], TODAY, None)["probability"] == 100
    with pytest.raises(ValidationFailed) as caught:
        stages.check_closed_probability(DEFAULT[3], 35)
    assert "probability" in caught.value.errors
    stages.check_closed_probability(DEFAULT[3], 100)  # the stage's own is fine


def test_reopening_a_lost_opportunity_clears_its_loss_reason():
    lost = opportunity(probability=0, closed_on=TODAY, loss_reason="price")
    assert stages.stage_change(lost, DEFAULT[4], DEFAULT[0], TODAY)["loss_reason"] is None
    assert "loss_reason" not in stages.stage_change(opportunity(), DEFAULT[0], DEFAULT[4], TODAY)


def test_moving_between_two_lost_stages_keeps_the_close_day():
    lost_again = stage("disqualified", 6, 0, "lost")
    earlier = date(2026, 1, 2)
    values = stages.stage_change(opportunity(closed_on=earlier, loss_reason="price"), DEFAULT[4], lost_again, TODAY)
    assert "closed_on" not in values and "loss_reason" not in values


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_lost_stage_needs_a_loss_reason(reason):
    with pytest.raises(ValidationFailed) as caught:
        stages.check_loss_reason(DEFAULT[4], reason)
    assert caught.value.errors == {"loss_reason": ["Required when moving to a lost stage."]}
    stages.check_loss_reason(DEFAULT[4], "went with a competitor")
    stages.check_loss_reason(DEFAULT[3], None)


def test_events_of_a_move():
    assert stages.event_types("open", "open") == ["opportunity.stage_changed"]
    assert stages.event_types("open", "won") == ["opportunity.stage_changed", "opportunity.won"]
    assert stages.event_types("open", "lost") == ["opportunity.stage_changed", "opportunity.lost"]
    assert stages.event_types("won", "open") == ["opportunity.stage_changed"]
    assert stages.event_types("lost", "lost") == ["opportunity.stage_changed"]
