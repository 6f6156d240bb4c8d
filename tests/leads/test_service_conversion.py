"""Lead conversion, the leads side (``leads.convert_lead``), against a
stand-in sales service: which leads may be converted, what a conversion
writes and publishes, idempotency, races with other changes of the lead,
and bad input.  The real sales side and both services together are tested
in tests/sales/test_conversion_*.py."""

import uuid

import pytest

from services.leads.records.status import check_manual_transition, check_transition, manual_targets
from shared.kit.testing import spawn
from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.leads import LeadSchema
from shared.schemas.sales.conversion import ConversionResultSchema
from tests.leads import conversion_stub
from tests.leads.conftest import concurrently, person
from tests.leads.conversion_stub import account_refused

stub_sales = conversion_stub.stub_sales  # the stand-in sales service (fixture)
sales_stub = conversion_stub.sales_stub  # its behaviour, reset for each test (fixture)

def qualified(leads, **fields):
    lead = leads.create_lead(person(**fields), "tester")
    return leads.update_lead(lead["id"], {"status": "qualified"}, "tester")


def state(leads, db, lead_id):
    """Everything a refused conversion must leave as it was."""
    return (leads.get_lead(lead_id), len(db.outbox_rows([lead_id])),
            db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s", (lead_id,)))


def test_a_qualified_lead_is_converted_with_links_history_and_events(leads, sales_stub, events, db):
    lead = qualified(leads, owner="rep-1", title="CTO")

    result = leads.convert_lead(lead["id"], {"owner": "rep-2"}, "closer")

    ConversionResultSchema().load(result)
    record = sales_stub.records[lead["id"]]
    assert {key: result[key] for key in ("account_id", "contact_id", "opportunity_id", "account_created",
                                         "contact_created")} == {key: record[key] for key in record if key != "lead_id"}
    converted = result["lead"]
    assert converted["status"] == "converted"
    assert converted["converted_account_id"] == record["account_id"]
    assert converted["converted_contact_id"] == record["contact_id"]
    assert converted["converted_opportunity_id"] == record["opportunity_id"]
    assert converted["converted_at"] is not None
    assert converted["version"] == lead["version"] + 1
    assert leads.get_lead(lead["id"]) == converted
    LeadSchema().load(converted)

    [call] = sales_stub.calls
    assert call["lead"]["id"] == lead["id"] and call["lead"]["status"] == "qualified"
    assert call["lead"]["title"] == "CTO"
    assert call["options"] == {"owner": "rep-2"} and call["actor"] == "closer"

    entry = leads.lead_history(lead["id"])["items"][0]
    assert entry["action"] == "converted" and entry["actor"] == "closer"
    assert entry["changes"]["status"] == ["qualified", "converted"]
    assert entry["changes"]["account_id"] == record["account_id"]

    events.wait_for("lead.converted", lead["id"])
    events.settle(db, [lead["id"]])
    converted_events = events.of("lead.converted", lead["id"])
    assert len(converted_events) == 1
    event = converted_events[0]
    EnvelopeSchema().load(event.envelope)
    contract("lead.converted").schema().load(event.data)
    assert event.data == {"lead": converted, "account_id": record["account_id"], "contact_id": record["contact_id"],
                          "opportunity_id": record["opportunity_id"]}
    updated = [e for e in events.of("lead.updated", lead["id"]) if e.data["lead"]["version"] == converted["version"]]
    assert len(updated) == 1
    assert {"status", "converted_account_id", "converted_contact_id", "converted_at"} <= set(
        updated[0].data["changed"])


def test_converting_again_answers_the_stored_result_without_asking_sales(leads, sales_stub, events, db):
    lead = qualified(leads)
    first = leads.convert_lead(lead["id"], {}, "closer")
    before = state(leads, db, lead["id"])

    again = leads.convert_lead(lead["id"], {"create_opportunity": False, "owner": "someone-else"}, "other")

    assert again == first
    assert len(sales_stub.calls) == 1
    assert state(leads, db, lead["id"]) == before
    events.settle(db, [lead["id"]])
    assert len(events.of("lead.converted", lead["id"])) == 1


def test_no_opportunity_when_none_is_asked_for(leads, sales_stub):
    lead = qualified(leads)
    result = leads.convert_lead(lead["id"], {"create_opportunity": False}, "closer")
    assert result["opportunity_id"] is None and result["lead"]["converted_opportunity_id"] is None
    assert result["lead"]["status"] == "converted"


def test_concurrent_conversions_mark_the_lead_once(leads, sales_stub, rpc_proxy, events, db):
    lead = qualified(leads)

    results = concurrently(rpc_proxy, [lambda cluster: cluster.leads.convert_lead(lead["id"], {}, "closer")] * 6)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert all(result == results[0] for result in results)
    assert db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s AND action = 'converted'",
                     (lead["id"],)) == 1
    assert len(db.outbox_rows([lead["id"]], "lead.converted")) == 1
    events.settle(db, [lead["id"]])
    assert len(events.of("lead.converted", lead["id"])) == 1


@pytest.mark.parametrize("status", ["new", "working", "disqualified"])
def test_a_lead_that_is_not_qualified_is_refused(leads, sales_stub, db, status):
    lead = leads.create_lead(person(), "tester")
    if status != "new":
        lead = leads.update_lead(lead["id"], {"status": status, "status_reason": "x" if status == "disqualified"
                                              else None}, "tester")
    before = state(leads, db, lead["id"])

    with pytest.raises(IllegalTransition) as raised:
        leads.convert_lead(lead["id"], {}, "closer")

    error = raised.value
    assert error.status == 409
    assert error.detail.startswith("Qualify the lead first") and status in error.detail
    assert error.extra["current"] == status and error.errors == {"status": [error.detail]}
    assert sales_stub.calls == []
    assert state(leads, db, lead["id"]) == before


def test_an_unknown_or_malformed_lead_id_is_not_found(leads, sales_stub):
    for lead_id in (str(uuid.uuid4()), "not-a-uuid", 42, None):
        with pytest.raises(NotFound):
            leads.convert_lead(lead_id, {}, "closer")
    assert sales_stub.calls == []


def test_a_merged_lead_is_refused_naming_the_survivor(leads, sales_stub, db):
    survivor = qualified(leads)
    duplicate = qualified(leads)
    leads.merge_leads(survivor["id"], duplicate["id"], "manager")
    before = state(leads, db, duplicate["id"])

    with pytest.raises(Conflict) as raised:
        leads.convert_lead(duplicate["id"], {}, "closer")

    assert raised.value.extra["merged_into"] == survivor["id"]
    assert f"convert lead {survivor['id']} instead" in raised.value.detail
    assert sales_stub.calls == []
    assert state(leads, db, duplicate["id"]) == before


@pytest.mark.parametrize(("options", "field"), [
    ({"colour": "red"}, "colour"),
    ({"account_id": "not-a-uuid"}, "account_id"),
    ({"account_id": 12}, "account_id"),
    ({"create_opportunity": "perhaps"}, "create_opportunity"),
    ({"owner": "x" * 101}, "owner"),
    ({"opportunity": "big"}, "opportunity"),
    ({"opportunity": {"amount": "-5"}}, "opportunity"),
    ({"opportunity": {"amount": "1.005"}}, "opportunity"),
    ({"opportunity": {"currency": "euro"}}, "opportunity"),
    ({"opportunity": {"expected_close_date": "next week"}}, "opportunity"),
    ({"opportunity": {"stage": "Not A Slug"}}, "opportunity"),
    ({"opportunity": {"name": "x" * 201}}, "opportunity"),
    ({"opportunity": {"probability": 50}}, "opportunity"),
    ({"create_opportunity": False, "opportunity": {"amount": "10"}}, "opportunity"),
])
def test_bad_options_are_refused_before_sales_is_asked(leads, sales_stub, db, options, field):
    lead = qualified(leads)
    before = state(leads, db, lead["id"])

    with pytest.raises(ValidationFailed) as raised:
        leads.convert_lead(lead["id"], options, "closer")

    assert raised.value.status == 422
    assert field in raised.value.errors
    assert sales_stub.calls == []
    assert state(leads, db, lead["id"]) == before


@pytest.mark.parametrize("options", [[], "account", 7])
def test_options_that_are_not_an_object_are_refused(leads, sales_stub, options):
    lead = qualified(leads)
    with pytest.raises(ValidationFailed):
        leads.convert_lead(lead["id"], options, "closer")
    assert sales_stub.calls == []


def test_a_refusal_from_sales_reaches_the_caller_and_changes_nothing(leads, sales_stub, db):
    lead = qualified(leads)
    before = state(leads, db, lead["id"])
    sales_stub.error = account_refused()

    with pytest.raises(ValidationFailed) as raised:
        leads.convert_lead(lead["id"], {"account_id": str(uuid.uuid4())}, "closer")

    assert raised.value.errors == {"account_id": ["No such account."]}
    assert state(leads, db, lead["id"]) == before


def test_a_lead_disqualified_while_sales_converts_it_is_not_marked(leads, sales_stub, rpc_proxy, db):
    lead = qualified(leads)
    with sales_stub.held() as arrived:
        pending = spawn(concurrently, rpc_proxy,
                                 [lambda cluster: cluster.leads.convert_lead(lead["id"], {}, "closer")])
        arrived.wait()
        leads.update_lead(lead["id"], {"status": "disqualified", "status_reason": "went quiet"}, "rep")
    [error] = pending.wait()

    assert isinstance(error, IllegalTransition)
    assert "became disqualified" in error.detail and "reused" in error.detail
    assert leads.get_lead(lead["id"])["status"] == "disqualified"
    assert db.outbox_rows([lead["id"]], "lead.converted") == []

    # Requalified, it converts into what sales made the first time.
    leads.update_lead(lead["id"], {"status": "working"}, "rep")
    leads.update_lead(lead["id"], {"status": "qualified"}, "rep")
    result = leads.convert_lead(lead["id"], {}, "closer")
    assert result["account_id"] == sales_stub.records[lead["id"]]["account_id"]


def test_a_lead_merged_away_while_sales_converts_it_is_not_marked(leads, sales_stub, rpc_proxy, db):
    lead = qualified(leads)
    survivor = qualified(leads)
    with sales_stub.held() as arrived:
        pending = spawn(concurrently, rpc_proxy,
                                 [lambda cluster: cluster.leads.convert_lead(lead["id"], {}, "closer")])
        arrived.wait()
        leads.merge_leads(survivor["id"], lead["id"], "manager")
    [error] = pending.wait()

    assert isinstance(error, Conflict) and error.extra["merged_into"] == survivor["id"]
    assert leads.get_lead(lead["id"])["status"] == "qualified"
    assert db.outbox_rows([lead["id"]], "lead.converted") == []


def test_an_edit_while_sales_converts_is_kept(leads, sales_stub, rpc_proxy):
    lead = qualified(leads)
    with sales_stub.held() as arrived:
        pending = spawn(concurrently, rpc_proxy,
                                 [lambda cluster: cluster.leads.convert_lead(lead["id"], {}, "closer")])
        arrived.wait()
        edited = leads.update_lead(lead["id"], {"title": "VP Engineering"}, "rep")
    [result] = pending.wait()

    assert result["lead"]["status"] == "converted"
    assert result["lead"]["title"] == "VP Engineering"
    assert result["lead"]["version"] == edited["version"] + 1


def test_a_converted_lead_cannot_change_status_or_be_merged(leads, sales_stub):
    lead = qualified(leads)
    leads.convert_lead(lead["id"], {}, "closer")
    other = qualified(leads)
    with pytest.raises(IllegalTransition, match="converted lead cannot change status"):
        leads.update_lead(lead["id"], {"status": "working"}, "rep")
    with pytest.raises(Conflict, match="converted"):
        leads.merge_leads(other["id"], lead["id"], "manager")


def test_an_update_to_converted_points_to_the_convert_endpoint_without_offering_it(leads):
    lead = qualified(leads)
    with pytest.raises(IllegalTransition) as raised:
        leads.update_lead(lead["id"], {"status": "converted"}, "rep")
    assert "convert endpoint" in raised.value.detail
    assert raised.value.extra["allowed"] == ["working", "disqualified"]


def test_converted_leads_are_listed_with_their_links(leads, sales_stub):
    lead = qualified(leads)
    result = leads.convert_lead(lead["id"], {}, "closer")
    listed = leads.list_leads({"q": lead["last_name"], "status": ["converted"]})["items"]
    assert listed == [result["lead"]]
    assert leads.count_leads({"q": lead["last_name"]})["by_status"] == {"converted": 1}


# The status rules behind it (plain functions) ---------------------------------------

@pytest.mark.parametrize("current", ["new", "working", "qualified", "disqualified"])
def test_a_manual_refusal_never_offers_converted(current):
    for target in ("converted", "new"):
        with pytest.raises(IllegalTransition) as raised:
            check_manual_transition(current, target)
        assert "converted" not in raised.value.extra["allowed"]
        assert raised.value.extra["allowed"] == list(manual_targets(current))
        assert "to: working, disqualified, converted" not in raised.value.detail


def test_the_conversion_flow_still_may_convert_a_qualified_lead():
    assert check_transition("qualified", "converted") is None
    assert manual_targets("qualified") == ("working", "disqualified")
