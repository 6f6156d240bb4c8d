"""campaign.response_recorded in the real leads service (events published on
campaigns.events as the campaigns relay does): an unknown person becomes one
lead (source campaign, the campaign's id) however often the event arrives,
a known lead is credited once, an open lead with the address is credited
instead of duplicated, a contact is left alone."""

import json
import uuid
from datetime import UTC, datetime

from kombu import Connection, Exchange, Producer

from shared.kit.outbox import envelope
from tests.leads.conftest import person, unique, wait_for

CONSUMER = "leads.on_campaign_response_recorded"


def publish(amqp_uri, *bodies):
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=Exchange("campaigns.events", type="topic", durable=True))
        for body in bodies:
            producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8", message_id=body["id"])


def handled(db, *bodies):
    wait_for(lambda: db.scalar("SELECT count(*) FROM inbox WHERE consumer = %s AND event_id = ANY(%s)",
                               (CONSUMER, [body["id"] for body in bodies])) == len(bodies), timeout=20,
             message="leads did not handle the responses")


def response_event(email=None, person_ref=None, kind="form", data=None, campaign_id=None):
    now = datetime.now(UTC).isoformat()
    return envelope("campaign.response_recorded", {"response": {
        "id": str(uuid.uuid4()), "campaign_id": campaign_id or str(uuid.uuid4()), "kind": kind,
        "person": person_ref, "email": email, "first_name": "Grace", "last_name": f"Hopper {unique()}",
        "company": "Navy", "data": data or {}, "at": now, "source": "web_form", "recorded_by": None,
        "lead_id": None, "created_at": now}})


def leads_with(db, email):
    return db.all("SELECT * FROM leads WHERE email_norm = %s", (email.lower(),))


def test_a_response_delivered_twice_makes_one_lead(leads, db, amqp_uri):
    email = f"{unique()}@Example.org"
    body = response_event(email, data={"phone": "+44 20 7946 0958", "message": "Call me", "country": "GB"})
    marker = response_event(f"{unique()}@example.org")

    publish(amqp_uri, body, body)
    publish(amqp_uri, marker)
    handled(db, body, marker)

    found = leads_with(db, email)
    assert len(found) == 1
    lead = found[0]
    assert lead["source"] == "campaign" and lead["campaign_id"] == body["data"]["response"]["campaign_id"]
    assert lead["phone"] == "+442079460958" and lead["notes"] == "Call me" and lead["country"] == "GB"
    assert db.scalar("SELECT count(*) FROM outbox WHERE event_type = 'lead.created' AND body::jsonb"
                     " -> 'data' -> 'lead' ->> 'id' = %s", (str(lead["id"]),)) == 1


def test_two_responses_of_one_unknown_person_make_one_lead_and_one_engagement(leads, db, amqp_uri):
    email = f"{unique()}@example.org"
    first, second = response_event(email), response_event(email, kind="reply")

    publish(amqp_uri, first, second)
    handled(db, first, second)

    found = leads_with(db, email)
    assert len(found) == 1 and found[0]["engagement"] == 1


def test_a_known_lead_is_credited_once(leads, db, amqp_uri):
    lead = leads.create_lead(person())
    body = response_event(lead["email"], {"id": str(uuid.uuid4()), "kind": "lead", "source_id": lead["id"]},
                          kind="click")

    publish(amqp_uri, body, body)
    handled(db, body)
    publish(amqp_uri, body)
    wait_for(lambda: leads.get_lead(lead["id"])["engagement"] >= 1)

    assert leads.get_lead(lead["id"])["engagement"] == 1
    assert db.scalar("SELECT changes ->> 'kind' FROM lead_history WHERE lead_id = %s AND action = 'engagement'",
                     (lead["id"],)) == "campaign_click"


def test_a_contact_or_an_unreadable_response_is_left_alone(leads, db, amqp_uri):
    contact = response_event(f"{unique()}@example.org",
                             {"id": str(uuid.uuid4()), "kind": "contact", "source_id": str(uuid.uuid4())})
    nonsense = envelope("campaign.response_recorded", {"response": "nope"})
    unknown_lead = response_event(None, {"id": str(uuid.uuid4()), "kind": "lead", "source_id": str(uuid.uuid4())})
    marker = response_event(f"{unique()}@example.org")

    publish(amqp_uri, contact, nonsense, unknown_lead, marker)
    handled(db, unknown_lead, marker)

    assert leads_with(db, contact["data"]["response"]["email"]) == []
    assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = ANY(%s)", ([contact["id"], nonsense["id"]],)) == 0
