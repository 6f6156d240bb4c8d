"""Responses end to end in the real service: recorded once per dedup key,
a known person touched along the funnel, an unknown one kept raw until
leads' lead.created names the lead, tracking tokens (forged ones refused),
bad input refused with nothing written."""

import html as html_lib
import json
import re
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from services.campaigns.responses import commands, tracking
from shared.kit.outbox import envelope
from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.campaigns.conftest import unique, wait_for


def new_campaign(db, name=None, currency="EUR"):
    return str(db.scalar("INSERT INTO campaigns (name, type, currency) VALUES (%s, 'event', %s) RETURNING id",
                         (name or f"Expo {unique()}", currency)))


def new_person(db, kind="contact", email=None, account_id=None):
    email = email or f"{unique()}@example.org"
    return str(db.scalar(
        "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, account_id, source_version)"
        " VALUES (%s, %s, 'Ada', %s, %s, %s, %s, 1) RETURNING id",
        (kind, str(uuid.uuid4()), f"Lovelace {unique()}", email, email.lower(), account_id)))


def member(db, campaign_id, person_id):
    return db.one("SELECT * FROM campaign_members WHERE campaign_id = %s AND person_id = %s",
                  (campaign_id, person_id))


def counts(db):
    return db.one("SELECT (SELECT count(*) FROM responses) AS responses, (SELECT count(*) FROM touches) AS touches,"
                  " (SELECT count(*) FROM outbox WHERE event_type = 'campaign.response_recorded') AS events")


def test_attendance_of_a_known_person_is_recorded_once_and_moves_the_funnel(campaigns, db, events):
    campaign, person = new_campaign(db), new_person(db)

    first = campaigns.record_response(campaign, {"kind": "attended", "person_id": person,
                                                 "data": {"session": "keynote"}}, "kim")
    again = campaigns.record_response(campaign, {"kind": "attended", "person_id": person,
                                                 "data": {"session": "keynote"}}, "kim")

    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["id"] == first["id"]
    assert first["person"]["id"] == person and first["person"]["kind"] == "contact"
    assert first["recorded_by"] == "kim" and first["source"] == "staff"
    row = member(db, campaign, person)
    assert row["source"] == "response" and row["responded_at"] is not None and row["sent_at"] is None
    recorded = events.wait_for("campaign.response_recorded", first["id"])
    events.settle(db, [first["id"]])
    assert len(events.of("campaign.response_recorded", first["id"])) == 1
    assert recorded[0].data["response"]["data"] == {"session": "keynote"}
    funnel = campaigns.campaign_funnel(campaign)
    assert {stage["stage"]: stage["count"] for stage in funnel["stages"]} == {
        "targeted": 1, "sent": 0, "opened": 0, "clicked": 0, "responded": 1, "converted": 0}
    assert funnel["responses"]["attended"] == 1


def test_a_response_by_address_finds_the_person_with_it(campaigns, db):
    campaign = new_campaign(db)
    email = f"{unique()}@Example.org"
    person = new_person(db, "lead", email=email)

    found = campaigns.record_response(campaign, {"kind": "reply", "email": email.upper()})

    assert found["person"]["id"] == person


def publish(amqp_uri, exchange, body):
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=Exchange(exchange, type="topic", durable=True))
        producer.publish(json.dumps(body), routing_key=body["type"], delivery_mode=2,
                         content_type="application/json", content_encoding="utf-8", message_id=body["id"])


def lead_of(campaign, email, **fields):
    return {"id": str(uuid.uuid4()), "first_name": "Grace", "last_name": "Hopper", "email": email,
            "company": "Navy", "source": "campaign", "campaign_id": campaign, "status": "new", "score": 10,
            "country": None, **fields}


def test_an_unknown_address_is_kept_raw_until_leads_names_the_lead(campaigns, db, amqp_uri):
    campaign = new_campaign(db)
    email = f"{unique()}@example.org"
    response = campaigns.record_response(campaign, {"kind": "form", "email": email, "first_name": "Grace",
                                                    "last_name": "Hopper", "company": "Navy"})
    assert response["person"] is None and response["email"] == email
    lead = lead_of(campaign, email.upper())
    body = envelope("lead.created", {"lead": lead})

    publish(amqp_uri, "leads.events", body)
    publish(amqp_uri, "leads.events", body)  # redelivered

    linked = wait_for(lambda: db.one("SELECT * FROM responses WHERE id = %s AND person_id IS NOT NULL",
                                     (response["id"],)), message="the response was not linked to the lead")
    person = db.one("SELECT * FROM people WHERE kind = 'lead' AND source_id = %s", (lead["id"],))
    assert str(linked["person_id"]) == str(person["id"]) and str(linked["lead_id"]) == lead["id"]
    row = member(db, campaign, str(person["id"]))
    assert row["responded_at"] is not None and row["converted_at"] is not None
    assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = %s AND consumer = %s",
                     (body["id"], "campaigns.on_response_lead_created")) == 1
    assert db.scalar("SELECT count(*) FROM touches WHERE campaign_id = %s", (campaign,)) == 2


def test_linking_a_lead_twice_has_one_effect_and_other_leads_are_left_alone(db):
    campaign = new_campaign(db)
    email = f"{unique()}@example.org"
    db.conn.execute("INSERT INTO responses (campaign_id, kind, email, email_norm, at, source, dedup_key)"
                    " VALUES (%s, 'reply', %s, %s, now(), 'staff', %s)", (campaign, email, email, unique()))
    lead = lead_of(campaign, email)
    with db.conn.transaction():
        assert commands.lead_created(db.conn, lead, campaign) == 1
    with db.conn.transaction():
        assert commands.lead_created(db.conn, lead, campaign) == 0
        assert commands.lead_created(db.conn, lead_of(campaign, f"{unique()}@example.org"), campaign) == 0
        assert commands.lead_created(db.conn, lead_of(str(uuid.uuid4()), email), str(uuid.uuid4())) == 0
    assert db.scalar("SELECT count(*) FROM touches WHERE campaign_id = %s", (campaign,)) == 2


def test_the_web_form_response_twice_is_one(campaigns, db):
    campaign = new_campaign(db)
    form = {"campaign_id": campaign, "last_name": "Hopper", "email": f"{unique()}@example.org",
            "phone": "+44 20 7946 0958", "message": "Call me"}

    first = campaigns.record_web_form_response(form)
    second = campaigns.record_web_form_response(form)

    assert second["id"] == first["id"] and second["duplicate"]
    assert first["source"] == "web_form" and first["data"] == {"phone": "+44 20 7946 0958", "message": "Call me"}


def test_a_dedup_key_of_another_campaign_is_a_conflict(campaigns, db):
    person, key = new_person(db), unique("reg-")
    campaigns.record_response(new_campaign(db), {"kind": "attended", "person_id": person, "dedup_key": key})
    before = counts(db)

    with pytest.raises(Conflict):
        campaigns.record_response(new_campaign(db), {"kind": "attended", "person_id": person, "dedup_key": key})

    assert counts(db) == before


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "visit", "person_id": None, "email": "a@example.org"}, "kind"),
    ({"kind": "reply"}, "email"),
    ({"kind": "reply", "email": "not an address"}, "email"),
    ({"kind": "reply", "email": "a@example.org", "surprise": 1}, "surprise"),
    ({"kind": "reply", "email": "a@example.org", "first_name": "x" * 101}, "first_name"),
    ({"kind": "reply", "email": "a@example.org", "at": "2999-01-01T00:00:00+00:00"}, "at"),
    ({"kind": "reply", "email": "a@example.org", "at": "2026-01-01T00:00:00"}, "at"),
    ({"kind": "reply", "email": "a@example.org", "data": []}, "data"),
    ({"kind": "reply", "email": "a@example.org", "dedup_key": "k" * 201}, "dedup_key"),
    ({"kind": "reply", "person_id": "00000000-0000-0000-0000-000000000000"}, "person_id"),
])
def test_bad_input_is_refused_and_nothing_is_written(campaigns, db, data, field):
    campaign = new_campaign(db)
    before = counts(db)

    with pytest.raises(ValidationFailed) as refused:
        campaigns.record_response(campaign, data)

    assert field in refused.value.errors
    assert counts(db) == before


def test_unknown_campaigns_are_not_found(campaigns, db):
    with pytest.raises(NotFound):
        campaigns.record_response(str(uuid.uuid4()), {"kind": "reply", "email": "a@example.org"})
    with pytest.raises(NotFound):
        campaigns.record_response("nope", {"kind": "reply", "email": "a@example.org"})
    with pytest.raises(NotFound):
        campaigns.list_responses(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        campaigns.campaign_funnel(str(uuid.uuid4()))


def test_list_pages_newest_first_and_filters_by_kind(campaigns, db):
    campaign, person = new_campaign(db), new_person(db)
    for index, kind in enumerate(("reply", "attended", "reply")):
        campaigns.record_response(campaign, {"kind": kind, "person_id": person, "dedup_key": unique(),
                                             "at": f"2026-01-0{index + 1}T10:00:00+00:00"})

    page = campaigns.list_responses(campaign, {"limit": 2})
    rest = campaigns.list_responses(campaign, {"limit": 2, "cursor": page["next_cursor"]})
    replies = campaigns.list_responses(campaign, {"kind": ["reply"]})

    assert [item["at"][:10] for item in page["items"] + rest["items"]] == ["2026-01-03", "2026-01-02", "2026-01-01"]
    assert rest["next_cursor"] is None
    assert len(replies["items"]) == 2


# Tracking --------------------------------------------------------------------------------

def test_an_open_and_a_click_are_recorded_once_per_email(campaigns, db, campaigns_config):
    campaign, person, email_id = new_campaign(db), new_person(db), str(uuid.uuid4())
    pixel = tracking.open_url(campaigns_config, campaign, person, email_id)
    link = tracking.click_url(campaigns_config, campaign, person, "https://example.org/offer?a=1", email_id)
    open_token = pixel.rsplit("/", 1)[1].removesuffix(".gif")
    click_token = link.rsplit("/", 1)[1]

    for _ in range(2):
        assert campaigns.track_open(open_token)["person_id"] == person
        assert campaigns.track_click(click_token)["url"] == "https://example.org/offer?a=1"

    kinds = [row["kind"] for row in db.all("SELECT kind FROM responses WHERE campaign_id = %s ORDER BY kind",
                                           (campaign,))]
    assert kinds == ["click", "open"]
    row = member(db, campaign, person)
    assert row["opened_at"] is not None and row["clicked_at"] is not None


def test_forged_and_altered_tokens_are_not_found(campaigns, db, campaigns_config):
    campaign, person = new_campaign(db), new_person(db)
    token = tracking.click_token(campaigns_config, campaign, person, "https://example.org/")
    forged = tracking.click_token({"CAMPAIGNS_SECRET": "another"}, campaign, person, "https://evil.example/")
    payload = json.dumps([campaign, person, None, "https://evil.example/"])
    before = counts(db)

    for bad in (forged, token[:-2] + "xx", payload, "", "a" * 3001, token.replace(".", "/")):
        with pytest.raises(NotFound):
            campaigns.track_click(bad)
    with pytest.raises(NotFound):
        campaigns.track_open(token)  # a click token is no open token

    assert counts(db) == before


def test_a_click_not_counted_still_gives_its_address_and_records_nothing(campaigns, db, campaigns_config):
    campaign, person = new_campaign(db), new_person(db)
    token = tracking.click_token(campaigns_config, campaign, person, "https://example.org/later")
    before = counts(db)
    assert campaigns.track_click(token, False)["url"] == "https://example.org/later"
    assert counts(db) == before
    forged = tracking.click_token({"CAMPAIGNS_SECRET": "another"}, campaign, person, "https://evil.example/")
    with pytest.raises(NotFound):
        campaigns.track_click(forged, False)


def test_an_emails_html_gets_click_links_and_an_open_pixel(campaigns_config):
    campaign, person, email_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    unsubscribe = "https://crm.example/u/abc"
    html = ('<p><a href="https://example.org/offer?a=1&amp;b=2">Offer</a> <a href="mailto:x@example.org">Mail</a>'
            f' <a href="{unsubscribe}">Unsubscribe</a></p>')
    done = tracking.instrument(campaigns_config, html, campaign, person, email_id, keep=(unsubscribe,))
    links = re.findall(r'href="([^"]*)"', done)
    assert links[1:] == ["mailto:x@example.org", unsubscribe]
    click = tracking.read_click(campaigns_config, html_lib.unescape(links[0]).rsplit("/", 1)[1])
    assert click == {"campaign_id": str(campaign), "person_id": str(person), "email_id": str(email_id),
                     "url": "https://example.org/offer?a=1&b=2"}
    pixel = re.search(r'<img src="([^"]*)"', done).group(1)
    assert tracking.read_open(campaigns_config, html_lib.unescape(pixel).rsplit("/", 1)[1].removesuffix(".gif")) == \
        {"campaign_id": str(campaign), "person_id": str(person), "email_id": str(email_id)}
    assert tracking.instrument(campaigns_config, None, campaign, person) is None


def test_links_that_cannot_be_tracked_stay_as_they_are(campaigns_config):
    assert tracking.click_url(campaigns_config, uuid.uuid4(), uuid.uuid4(), "mailto:a@example.org") == \
        "mailto:a@example.org"
    assert tracking.click_url(campaigns_config, uuid.uuid4(), uuid.uuid4(), "/relative") == "/relative"


def test_a_token_of_an_erased_person_still_redirects_and_records_nothing(campaigns, db, campaigns_config):
    campaign = new_campaign(db)
    token = tracking.click_token(campaigns_config, campaign, str(uuid.uuid4()), "https://example.org/")

    assert campaigns.track_click(token)["url"] == "https://example.org/"
    assert db.scalar("SELECT count(*) FROM responses WHERE campaign_id = %s", (campaign,)) == 0


def test_concurrent_duplicates_make_one_response(rpc_proxy, db):
    from tests.campaigns.conftest import concurrently

    campaign, person = new_campaign(db), new_person(db)
    data = {"kind": "attended", "person_id": person}

    results = concurrently(rpc_proxy, [lambda cluster: cluster.campaigns.record_response(campaign, data)] * 4)

    assert len({result["id"] for result in results}) == 1, results
    assert sum(not result["duplicate"] for result in results) == 1
