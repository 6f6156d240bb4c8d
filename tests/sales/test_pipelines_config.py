"""Pipeline configuration: validation, create, replace, the default flag,
stages in use that cannot be removed, and bad input on every pipeline RPC."""

import copy

import pytest
from marshmallow import ValidationError

from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.sales.opportunities import PipelineCreateSchema, PipelineSchema
from tests.sales.conftest import concurrently
from tests.sales.opportunity_helpers import (
    default_pipeline_id,
    new_account,
    opportunity_data,
    pipeline_data,
    restore_default,
    stage,
)


def schema_errors(data):
    with pytest.raises(ValidationError) as caught:
        PipelineCreateSchema().load(data)
    return caught.value.messages


# The configuration's rules (schema only) --------------------------------------

def test_a_valid_configuration_gets_positions_and_forecast_categories():
    loaded = PipelineCreateSchema().load(pipeline_data(id="p1"))
    assert [(item["key"], item["position"], item["forecast_category"]) for item in loaded["stages"]] == [
        ("lead", 1, "pipeline"), ("demo", 2, "best_case"), ("won", 3, "closed"), ("lost", 4, "omitted")]
    assert loaded["is_default"] is False


def test_given_positions_order_the_stages():
    data = pipeline_data(stages=[stage("won", "won", 100, position=30), stage("lead", "open", 10, position=5),
                                 stage("lost", "lost", 0, position=40)])
    assert [(item["key"], item["position"]) for item in PipelineCreateSchema().load(data)["stages"]] == [
        ("lead", 1), ("won", 2), ("lost", 3)]


@pytest.mark.parametrize(("stages", "message"), [
    ([stage("a", "open", 10), stage("a", "won", 100), stage("c", "lost", 0)], "Stage keys must be unique; repeated: a"),
    ([stage("a", "open", 10), stage("b", "open", 20), stage("c", "lost", 0)], "at least one won stage"),
    ([stage("a", "won", 100), stage("c", "lost", 0)], "at least one open stage"),
    ([stage("a", "open", 10), stage("b", "won", 100)], "at least one lost stage"),
    ([], "at least one open stage"),
    ([stage("a", "open", 10, next_stages=["b", "nope"]), stage("b", "won", 100), stage("c", "lost", 0)],
     "Stage 'a' lists next stages that are not in this pipeline: nope."),
    ([stage("a", "open", 10, next_stages=["a", "b"]), stage("b", "won", 100), stage("c", "lost", 0)],
     "lists itself"),
    ([stage("a", "open", 10, position=1), stage("b", "won", 100), stage("c", "lost", 0)], "on every stage or on none"),
    ([stage("a", "open", 10, position=1), stage("b", "won", 100, position=1), stage("c", "lost", 0, position=2)],
     "positions must be unique"),
])
def test_the_stages_must_fit_together(stages, message):
    errors = schema_errors(pipeline_data(stages=stages))
    assert any(message in text for text in errors["stages"]), errors


@pytest.mark.parametrize(("change", "field"), [
    ({"probability": 101}, "probability"),
    ({"probability": -1}, "probability"),
    ({"probability": "high"}, "probability"),
    ({"category": "maybe"}, "category"),
    ({"forecast_category": "likely"}, "forecast_category"),
    ({"key": "Has Spaces"}, "key"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_stage_field_is_named(change, field):
    data = pipeline_data()
    data["stages"][0].update(change)
    assert field in schema_errors(data)["stages"][0]


@pytest.mark.parametrize(("change", "field"), [
    ({"id": "Not A Slug"}, "id"),
    ({"id": None}, "id"),
    ({"name": None}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"is_default": "perhaps"}, "is_default"),
    ({"stages": "lead,won,lost"}, "stages"),
    ({"owner": "me"}, "owner"),
])
def test_a_bad_pipeline_field_is_named(change, field):
    assert field in schema_errors(pipeline_data(**change))


# Create, read ------------------------------------------------------------------

def test_the_seeded_default_pipeline_is_listed_first(sales):
    items = sales.list_pipelines()["items"]
    assert items[0]["is_default"] is True
    default = sales.get_pipeline("default")
    assert [item["key"] for item in default["stages"]] == [
        "prospecting", "qualification", "needs_analysis", "proposal", "negotiation", "closed_won", "closed_lost"]
    assert default in items
    PipelineSchema().load(default)


def test_create_a_pipeline_and_read_it_back(sales):
    data = pipeline_data()
    data["stages"][0]["next_stages"] = ["demo", "lost"]
    created = sales.create_pipeline(data, "admin")
    PipelineSchema().load(created)
    assert created["id"] == data["id"] and created["version"] == 1 and created["is_default"] is False
    assert [(item["key"], item["position"], item["next_stages"]) for item in created["stages"]] == [
        ("lead", 1, ["demo", "lost"]), ("demo", 2, None), ("won", 3, None), ("lost", 4, None)]
    assert sales.get_pipeline(data["id"]) == created
    assert created in sales.list_pipelines()["items"]


def test_a_taken_id_is_a_duplicate(sales, db):
    data = pipeline_data()
    sales.create_pipeline(data)
    with pytest.raises(DuplicateFound) as caught:
        sales.create_pipeline({**data, "name": "Another"})
    assert caught.value.extra["existing_id"] == data["id"]
    assert db.scalar("SELECT name FROM pipelines WHERE id = %s", (data["id"],)) == data["name"]


@pytest.mark.parametrize("pipeline_id", ["nope-not-here", "Bad Id", "", 42, None, "x" * 70])
def test_an_unknown_or_malformed_pipeline_id_is_not_found(sales, pipeline_id):
    with pytest.raises(NotFound):
        sales.get_pipeline(pipeline_id)
    with pytest.raises(NotFound):
        sales.update_pipeline(pipeline_id, {key: value for key, value in pipeline_data().items() if key != "id"})
    with pytest.raises(NotFound):
        sales.pipeline_board(pipeline_id, {})


@pytest.mark.parametrize("data", [None, "text", [], {}, {"id": "x1", "name": "X"}])
def test_create_refuses_what_is_not_a_pipeline(sales, db, data):
    before = db.scalar("SELECT count(*) FROM pipelines")
    with pytest.raises(ValidationFailed):
        sales.create_pipeline(data)
    assert db.scalar("SELECT count(*) FROM pipelines") == before


def test_an_invalid_configuration_writes_nothing(sales, db):
    data = pipeline_data(stages=[stage("a", "open", 10), stage("b", "open", 20)])
    with pytest.raises(ValidationFailed) as caught:
        sales.create_pipeline(data)
    assert "at least one won stage" in " ".join(caught.value.errors["stages"])
    assert db.scalar("SELECT count(*) FROM pipelines WHERE id = %s", (data["id"],)) == 0


# The default flag ------------------------------------------------------------

def test_only_one_pipeline_is_the_default(sales, db):
    try:
        first = sales.create_pipeline(pipeline_data(is_default=True))
        assert first["is_default"] is True
        assert sales.get_pipeline("default")["is_default"] is False
        second = sales.create_pipeline(pipeline_data())
        moved = sales.update_pipeline(second["id"], {**strip(second), "is_default": True})
        assert moved["is_default"] is True and moved["version"] == 2
        assert db.scalar("SELECT count(*) FROM pipelines WHERE is_default") == 1
        assert sales.get_pipeline(first["id"])["is_default"] is False
        # An opportunity without a pipeline goes to the default one.
        account_id = new_account(db)
        assert sales.create_opportunity(opportunity_data(account_id))["pipeline_id"] == second["id"]
    finally:
        restore_default(sales, "default")
    assert default_pipeline_id(db) == "default"


def test_the_default_cannot_just_be_unset(sales):
    default = sales.get_pipeline("default")
    with pytest.raises(ValidationFailed) as caught:
        sales.update_pipeline("default", {**strip(default), "is_default": False})
    assert "is_default" in caught.value.errors
    assert sales.get_pipeline("default") == default


def test_concurrent_default_changes_leave_exactly_one_default(sales, db, rpc_proxy):
    try:
        results = concurrently(rpc_proxy, [
            lambda cluster: cluster.sales.create_pipeline(pipeline_data(is_default=True)) for _ in range(4)])
        assert all(isinstance(result, dict) for result in results), results
        assert db.scalar("SELECT count(*) FROM pipelines WHERE is_default") == 1
        assert default_pipeline_id(db) in {result["id"] for result in results}
    finally:
        restore_default(sales, "default")


# Replacing the stages ------------------------------------------------------------

def strip(pipeline):
    """A pipeline as update input (PUT body)."""
    return {"name": pipeline["name"], "stages": copy.deepcopy(pipeline["stages"])}


def test_update_replaces_the_name_and_stages(sales):
    created = sales.create_pipeline(pipeline_data())
    stages = [stage("lead", "open", 15), stage("trial", "open", 40, next_stages=["won"]), stage("won", "won", 100),
              stage("lost", "lost", 0), stage("no_decision", "lost", 0)]
    updated = sales.update_pipeline(created["id"], {"name": "Renamed", "stages": stages}, "admin",
                                    created["version"])
    assert updated["name"] == "Renamed" and updated["version"] == 2
    assert [(item["key"], item["position"], item["probability"]) for item in updated["stages"]] == [
        ("lead", 1, 15), ("trial", 2, 40), ("won", 3, 100), ("lost", 4, 0), ("no_decision", 5, 0)]
    assert sales.get_pipeline(created["id"]) == updated


def test_a_stale_version_is_refused(sales):
    created = sales.create_pipeline(pipeline_data())
    sales.update_pipeline(created["id"], strip(created))
    with pytest.raises(PreconditionFailed) as caught:
        sales.update_pipeline(created["id"], {**strip(created), "name": "Late"}, None, created["version"])
    assert caught.value.extra["current_version"] == 2
    assert sales.get_pipeline(created["id"])["name"] == created["name"]


@pytest.mark.parametrize("version", ["v1", 0, -3, True, 1.5])
def test_a_malformed_expected_version_is_bad_input(sales, version):
    created = sales.create_pipeline(pipeline_data())
    with pytest.raises(ValidationFailed) as caught:
        sales.update_pipeline(created["id"], strip(created), None, version)
    assert "expected_version" in caught.value.errors


def test_a_stage_in_use_cannot_be_removed(sales, db):
    created = sales.create_pipeline(pipeline_data())
    account_id = new_account(db)
    for _ in range(2):
        sales.create_opportunity(opportunity_data(account_id, pipeline_id=created["id"], stage="demo"))
    without_demo = strip(created)
    without_demo["stages"] = [item for item in without_demo["stages"] if item["key"] != "demo"]
    with pytest.raises(Conflict) as caught:
        sales.update_pipeline(created["id"], without_demo)
    assert "Stage 'demo' cannot be removed: 2 opportunities are in it" in caught.value.detail
    assert caught.value.extra["in_use"] == {"demo": 2}
    assert sales.get_pipeline(created["id"]) == created
    # An unused stage can go.
    without_lead = strip(created)
    without_lead["stages"] = [item for item in without_lead["stages"] if item["key"] != "lead"]
    assert [item["key"] for item in sales.update_pipeline(created["id"], without_lead)["stages"]] == [
        "demo", "won", "lost"]


def test_a_stage_in_use_cannot_change_its_category(sales, db):
    created = sales.create_pipeline(pipeline_data())
    sales.create_opportunity(opportunity_data(new_account(db), pipeline_id=created["id"], stage="demo"))
    changed = strip(created)
    changed["stages"][1]["category"] = "won"
    with pytest.raises(Conflict) as caught:
        sales.update_pipeline(created["id"], changed)
    assert "Stage 'demo' cannot change its category from open to won: 1 opportunity is in it" in caught.value.detail
    assert sales.get_pipeline(created["id"]) == created
    # Its name, probability and position may change.
    changed = strip(created)
    changed["stages"][1].update(name="Live demo", probability=55)
    updated = sales.update_pipeline(created["id"], changed)
    assert updated["stages"][1]["name"] == "Live demo" and updated["stages"][1]["probability"] == 55


@pytest.mark.parametrize("data", [None, {}, {"name": "X"}, {"stages": []}, {"name": "X", "stages": [], "id": "y"}])
def test_update_refuses_bad_input(sales, data):
    created = sales.create_pipeline(pipeline_data())
    with pytest.raises(ValidationFailed):
        sales.update_pipeline(created["id"], data)
    assert sales.get_pipeline(created["id"]) == created


def test_removing_a_stage_while_opportunities_move_into_it_leaves_no_orphan(sales, db, rpc_proxy):
    created = sales.create_pipeline(pipeline_data())
    account_id = new_account(db)
    without_demo = strip(created)
    without_demo["stages"] = [item for item in without_demo["stages"] if item["key"] != "demo"]
    calls = [lambda cluster: cluster.sales.create_opportunity(
        opportunity_data(account_id, pipeline_id=created["id"], stage="demo")) for _ in range(3)]
    calls.append(lambda cluster: cluster.sales.update_pipeline(created["id"], without_demo))
    results = concurrently(rpc_proxy, calls)
    creates, update = results[:3], results[3]
    in_demo = db.scalar("SELECT count(*) FROM opportunities WHERE pipeline_id = %s AND stage = 'demo'",
                        (created["id"],))
    if isinstance(update, Conflict):  # some opportunities got in first: the stage stays
        assert in_demo == sum(isinstance(result, dict) for result in creates) > 0
        assert "demo" in [item["key"] for item in sales.get_pipeline(created["id"])["stages"]]
        assert all(isinstance(result, dict | ValidationFailed) for result in creates), creates
    else:  # the stage went first: the opportunities were refused
        assert isinstance(update, dict), update
        assert in_demo == 0
        assert all(isinstance(result, ValidationFailed) and "stage" in result.errors for result in creates), creates


# Events -----------------------------------------------------------------------

def test_creating_and_changing_a_pipeline_publish_its_whole_configuration(sales, db, events):
    created = sales.create_pipeline(pipeline_data(), "admin")
    renamed = sales.update_pipeline(created["id"], {**strip(created), "name": "Renamed"})
    refused = strip(renamed)
    refused["stages"] = []
    with pytest.raises(ValidationFailed):
        sales.update_pipeline(created["id"], refused)

    events.settle(db, [created["id"]])
    assert [(event.type, event.data["pipeline"]) for event in events.of(None, created["id"])] == [
        ("pipeline.created", created), ("pipeline.updated", renamed)]
    for event in events.of(None, created["id"]):
        contract(event.type).schema().load(event.data)


def test_moving_the_default_flag_publishes_both_pipelines(sales, db, events):
    events.settle(db, ["default"])  # earlier tests' changes of the default pipeline
    events.received.clear()
    try:
        new_default = sales.create_pipeline(pipeline_data(is_default=True))
        events.settle(db, [new_default["id"], "default"])
        [old_default] = [event.data["pipeline"] for event in events.of("pipeline.updated", "default")]
        assert old_default == sales.get_pipeline("default") and old_default["is_default"] is False
        assert [event.data["pipeline"] for event in events.of("pipeline.created", new_default["id"])] == [
            new_default]
    finally:
        restore_default(sales, "default")


def test_a_pipeline_names_who_last_changed_it(sales):
    created = sales.create_pipeline(pipeline_data(), "ada")
    assert created["changed_by"] == "ada"
    updated = sales.update_pipeline(created["id"], {"name": "Renamed", "stages": created["stages"]}, "bob")
    assert updated["changed_by"] == "bob" and sales.get_pipeline(created["id"])["changed_by"] == "bob"
