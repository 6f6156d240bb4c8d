"""Lead conversion end to end: the leads and sales services both running
(in-process containers over the real broker and database), and the gateway
in front of them: ``POST /api/v1/leads/{id}/convert`` -> leads ->
sales -> the lead marked converted, with every record and event once."""

import uuid

import pytest

from shared.schemas.errors import IllegalTransition, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.sales.conversion import ConversionResultSchema
from tests.sales import conversion_stack
from tests.sales.conftest import account_data, concurrently, unique
from tests.sales.conversion_stack import qualified_lead, sales_rows
from tests.services import gateway_client

leads_env = conversion_stack.leads_env
leads_config = conversion_stack.leads_config
leads_db = conversion_stack.leads_db
leads_service = conversion_stack.leads_service
lead_events = conversion_stack.lead_events


@pytest.fixture(scope="module")
def cluster(service, leads_service, rpc_proxy):
    """A proxy cluster reaching both services."""
    with rpc_proxy() as proxies:
        yield proxies


def test_a_qualified_lead_is_converted_across_both_services(cluster, db, leads_db, events, lead_events):
    lead = qualified_lead(cluster)

    result = cluster.leads.convert_lead(lead["id"], {"opportunity": {"amount": "5000"}}, "closer")

    ConversionResultSchema().load(result)
    assert result["account_created"] is True and result["contact_created"] is True
    converted = cluster.leads.get_lead(lead["id"])
    assert converted == result["lead"]
    assert converted["status"] == "converted"
    assert (converted["converted_account_id"], converted["converted_contact_id"],
            converted["converted_opportunity_id"]) == (result["account_id"], result["contact_id"],
                                                       result["opportunity_id"])
    account = cluster.sales.get_account(result["account_id"])
    assert account["name"] == lead["company"] and account["owner"] == "closer"  # the converting user
    contact = cluster.sales.get_contact(result["contact_id"])
    assert contact["account_id"] == account["id"] and contact["emails"] == [lead["email"]]
    opportunity = cluster.sales.get_opportunity(result["opportunity_id"])
    assert (opportunity["lead_id"], opportunity["amount"], opportunity["source"], opportunity["campaign_id"]) == (
        lead["id"], "5000.00", "event", lead["campaign_id"])
    assert sales_rows(db, lead) == (1, 1, 1, 1)

    lead_events.wait_for("lead.converted", lead["id"])
    lead_events.settle(leads_db, [lead["id"]])
    [event] = lead_events.of("lead.converted", lead["id"])
    contract("lead.converted").schema().load(event.data)
    assert event.data == {"lead": converted, "account_id": account["id"], "contact_id": contact["id"],
                          "opportunity_id": opportunity["id"]}
    ids = [account["id"], contact["id"], opportunity["id"]]
    events.wait_for("opportunity.created", opportunity["id"])
    events.settle(db, ids)
    assert [len(events.of(kind, subject)) for kind, subject in
            zip(("account.created", "contact.created", "opportunity.created"), ids, strict=True)] == [1, 1, 1]


def test_converting_twice_gives_one_of_everything(cluster, db, leads_db, events, lead_events):
    lead = qualified_lead(cluster)

    first = cluster.leads.convert_lead(lead["id"], {}, "closer")
    second = cluster.leads.convert_lead(lead["id"], {}, "closer")

    assert second == first
    assert sales_rows(db, lead) == (1, 1, 1, 1)
    ids = [first["account_id"], first["contact_id"], first["opportunity_id"]]
    lead_events.settle(leads_db, [lead["id"]])
    events.settle(db, ids)
    assert len(lead_events.of("lead.converted", lead["id"])) == 1
    assert [len(events.of(kind, subject)) for kind, subject in
            zip(("account.created", "contact.created", "opportunity.created"), ids, strict=True)] == [1, 1, 1]


def test_concurrent_conversions_give_one_of_everything(cluster, db, leads_db, rpc_proxy, events, lead_events):
    lead = qualified_lead(cluster)

    results = concurrently(rpc_proxy, [lambda c: c.leads.convert_lead(lead["id"], {}, "closer")] * 8)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert all(result == results[0] for result in results)
    assert sales_rows(db, lead) == (1, 1, 1, 1)
    assert leads_db.scalar("SELECT count(*) FROM lead_history WHERE lead_id = %s AND action = 'converted'",
                           (lead["id"],)) == 1
    ids = [results[0]["account_id"], results[0]["contact_id"], results[0]["opportunity_id"]]
    lead_events.settle(leads_db, [lead["id"]])
    events.settle(db, ids)
    assert len(lead_events.of("lead.converted", lead["id"])) == 1
    assert [len(events.of(kind, subject)) for kind, subject in
            zip(("account.created", "contact.created", "opportunity.created"), ids, strict=True)] == [1, 1, 1]


def test_a_lead_is_converted_into_the_account_it_names_or_dedup_finds(cluster, db):
    chosen = cluster.sales.create_account(account_data())
    lead = qualified_lead(cluster)
    result = cluster.leads.convert_lead(lead["id"], {"account_id": chosen["id"], "create_opportunity": False},
                                        "closer")
    assert (result["account_id"], result["account_created"], result["opportunity_id"]) == (chosen["id"], False,
                                                                                           None)

    first = qualified_lead(cluster)
    made = cluster.leads.convert_lead(first["id"], {}, "closer")
    # A colleague from the same company (by email domain), even without a company given.
    colleague = qualified_lead(cluster, first_name="Bob", email=f"bob@{first['email'].split('@')[1]}", company=None)
    again = cluster.leads.convert_lead(colleague["id"], {}, "closer")
    assert again["account_id"] == made["account_id"]
    assert again["account_created"] is False and again["contact_created"] is True


def test_refusals_from_sales_leave_the_lead_qualified(cluster, db, leads_db):
    lead = qualified_lead(cluster)
    with pytest.raises(ValidationFailed) as raised:
        cluster.leads.convert_lead(lead["id"], {"account_id": str(uuid.uuid4())}, "closer")
    assert raised.value.errors == {"account_id": ["No such account."]}
    with pytest.raises(ValidationFailed) as raised:
        cluster.leads.convert_lead(lead["id"], {"opportunity": {"pipeline_id": "nope"}}, "closer")
    assert "pipeline_id" in raised.value.errors["opportunity"]
    assert cluster.leads.get_lead(lead["id"]) == lead
    assert sales_rows(db, lead) == (0, 0, 0, 0)
    assert cluster.leads.convert_lead(lead["id"], {}, "closer")["lead"]["status"] == "converted"


def test_a_lead_that_is_not_qualified_is_refused_before_sales(cluster, db):
    tag = unique()
    lead = cluster.leads.create_lead({"last_name": f"New-{tag}", "email": f"new@{tag}.example.com",
                                      "company": f"New {tag}"}, "tester")
    with pytest.raises(IllegalTransition, match="Qualify the lead first"):
        cluster.leads.convert_lead(lead["id"], {}, "closer")
    assert sales_rows(db, lead) == (0, 0, 0, 0)


# Through the gateway ----------------------------------------------------------------

@pytest.fixture(scope="module")
def api(component_config, cluster):
    with gateway_client(component_config) as client_and_headers:
        yield client_and_headers


def test_the_convert_route_converts_once(api, cluster, db):
    client, headers = api
    lead = qualified_lead(cluster)
    path = f"/api/v1/leads/{lead['id']}/convert"

    response = client.post(path, json={"opportunity": {"amount": "100", "currency": "gbp"}}, headers=headers["sales"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    ConversionResultSchema().load(body)
    assert body["lead"]["status"] == "converted"
    assert response.headers["ETag"] == f'"{body["lead"]["version"]}"'
    assert cluster.sales.get_opportunity(body["opportunity_id"])["currency"] == "GBP"
    assert [warning["code"] for warning in body.pop("warnings")] == ["missing_exchange_rate"]  # said once, then

    again = client.post(path, headers=headers["sales"])
    assert again.status_code == 200 and again.get_json() == body
    assert sales_rows(db, lead) == (1, 1, 1, 1)


def test_the_convert_route_refuses_clearly(api, cluster, db):
    client, headers = api
    lead = qualified_lead(cluster)
    path = f"/api/v1/leads/{lead['id']}/convert"

    assert client.post(path, json={}, headers=headers["readonly"]).status_code == 403
    bad = client.post(path, json={"opportunity": {"amount": "-1"}, "colour": "red"}, headers=headers["sales"])
    assert bad.status_code == 422 and {"opportunity", "colour"} <= set(bad.get_json()["errors"])
    assert client.post(f"/api/v1/leads/{uuid.uuid4()}/convert", json={}, headers=headers["sales"]).status_code == 404
    new = cluster.leads.create_lead({"last_name": f"N-{unique()}"}, "tester")
    refused = client.post(f"/api/v1/leads/{new['id']}/convert", json={}, headers=headers["sales"])
    assert refused.status_code == 409 and refused.get_json()["detail"].startswith("Qualify the lead first")
    assert cluster.leads.get_lead(lead["id"]) == lead
    assert sales_rows(db, lead) == (0, 0, 0, 0)
