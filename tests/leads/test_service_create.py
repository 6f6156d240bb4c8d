"""Creating a lead over RPC: the result, its one lead.created event, and bad
input that is refused with per-field errors and writes nothing."""

import uuid

import pytest

from services.leads.scoring.rules import DEFAULT_SCORING_RULES, score_lead
from shared.schemas.envelope import EnvelopeSchema
from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.leads import LeadSchema
from tests.leads.conftest import person, unique


def test_create_returns_the_new_lead_scored_and_assigned(leads, assignment_rules):
    owners = [unique("anna-"), unique("ben-")]
    assignment_rules([
        {"id": "dach", "name": "DACH", "priority": 10, "kind": "territory", "countries": ["DE", "AT"],
         "owners": owners},
        {"id": "rest", "name": "Everyone else", "priority": 500, "kind": "round_robin", "owners": [unique("zoe-")]},
    ])
    data = person(phone="+49 30 1234567", title="VP Engineering", industry="Software", company_size=250,
                  country="de", source="referral", attributes={"newsletter": "yes"})

    lead = leads.create_lead(data, "tester")

    LeadSchema().load(lead)
    uuid.UUID(lead["id"])
    assert lead["status"] == "new"
    assert lead["version"] == 1
    assert lead["owner"] == owners[0]
    assert lead["country"] == "DE"
    assert lead["email"] == data["email"]
    assert lead["attributes"] == {"newsletter": "yes"}
    assert lead["merged_into"] is None and lead["engagement"] == 0
    # referral 20 + senior title 15 + target industry 10 + size 200-999 10
    # + email, phone, company and title given 4 x 5
    assert lead["score"] == 75 == score_lead(lead, DEFAULT_SCORING_RULES)
    assert sum(item["points"] for item in leads.explain_score(lead["id"])["contributions"]) == 75
    assert leads.get_lead(lead["id"]) == lead


def test_create_without_rules_leaves_the_owner_empty_and_keeps_a_given_owner(leads, assignment_rules):
    assignment_rules([])
    assert leads.create_lead(person(), "tester")["owner"] is None
    assert leads.create_lead(person(owner="olga"), "tester")["owner"] == "olga"


def test_create_publishes_exactly_one_lead_created(rpc_proxy, service, events, db):
    correlation_id = unique("corr-")
    with rpc_proxy(context_data={"correlation_id": correlation_id}) as cluster:
        lead = cluster.leads.create_lead(person(title="Head of Sales"), "tester")

    received = events.wait_for("lead.created", lead["id"])
    events.settle(db, [lead["id"]])
    assert len(events.of(subject_id=lead["id"])) == 1
    event = received[0]
    envelope = EnvelopeSchema().load(event.envelope)
    spec = contract("lead.created")
    assert envelope["type"] == event.routing_key == "lead.created"
    assert envelope["version"] == spec.version
    assert envelope["producer"] == spec.producer == "leads"
    assert envelope["correlation_id"] == correlation_id
    assert str(envelope["id"]) == event.message_id
    data = spec.schema().load(event.data)
    assert str(data["lead"]["id"]) == lead["id"]
    assert event.data["lead"] == lead
    assert "nameko.traceparent" in event.headers


BAD_INPUTS = {
    "no identifying field": ({"title": "CEO", "country": "DE"}, "_schema"),
    "only blank identifying fields": ({"first_name": "  ", "email": " "}, "_schema"),
    "wrong type": ({"company_size": "many"}, "company_size"),
    "negative size": ({"company_size": -1}, "company_size"),
    "attributes not an object": ({"attributes": ["a"]}, "attributes"),
    "unknown field": ({"favourite_colour": "blue"}, "favourite_colour"),
    "too long": ({"first_name": "x" * 101}, "first_name"),
    "bad email": ({"email": "ada-at-example.com"}, "email"),
    "bad country": ({"country": "Germany"}, "country"),
    "bad source": ({"source": "carrier-pigeon"}, "source"),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_per_field_and_writes_nothing(leads, db, case):
    changes, field = case
    data = {**person(), **changes} if field != "_schema" else changes
    db.wait_idle()
    before = db.row_counts()

    with pytest.raises(ValidationFailed) as raised:
        leads.create_lead(data, "tester")

    error = raised.value
    assert error.status == 422
    assert field in error.errors, error.errors
    assert all(isinstance(message, str) and message for message in error.errors[field])
    assert error.detail
    assert db.row_counts() == before


def test_input_that_is_not_an_object_is_refused(leads, db):
    before = db.row_counts()
    with pytest.raises(ValidationFailed) as raised:
        leads.create_lead(["ada@example.com"], "tester")
    assert "_schema" in raised.value.errors
    assert db.row_counts() == before


def test_several_bad_fields_are_reported_together(leads):
    with pytest.raises(ValidationFailed) as raised:
        leads.create_lead(person(email="nope", country="Germany", company_size="many", extra=1), "tester")
    assert {"email", "country", "company_size", "extra"} <= set(raised.value.errors)


@pytest.mark.parametrize("lead_id", [pytest.param(str(uuid.uuid4()), id="unknown-uuid"), "not-an-id", ""])
def test_get_of_an_unknown_lead_is_not_found(leads, lead_id):
    with pytest.raises(NotFound):
        leads.get_lead(lead_id)
