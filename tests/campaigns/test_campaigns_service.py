"""Campaigns over the real broker and database: the record (money rounded
to the currency, parent without loops, stale versions), the status moves
and their events (two launches at once: one wins), cost entries, and members
(by id, from a segment or a static list; one event per new member however
often they are added)."""

import uuid

import pytest

from shared.schemas.campaigns import campaigns as contract
from shared.schemas.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from tests.campaigns.conftest import concurrently, unique


def person_row(db, first_name="Ada", email=None, account=None, kind="contact", **values):
    """A person of the projection (as the people area writes them); returns its id."""
    email = email or f"{unique('p')}@example.org"
    row = db.one("INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, account_id, company,"
                 " title, country) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                 (kind, str(uuid.uuid4()), first_name, values.get("last_name"), email, email.lower(), account,
                  values.get("company"), values.get("title"), values.get("country")))
    return str(row["id"])


def account_row(db, name="Acme", industry="Retail"):
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, industry) VALUES (%s, %s, %s)", (account_id, name, industry))
    return account_id


def new_campaign(campaigns, **values):
    return campaigns.create_campaign({"name": unique("Campaign "), "type": "email", **values}, "ann")


# The record ------------------------------------------------------------------------------

def test_create_get_and_the_created_event(campaigns, events):
    parent = new_campaign(campaigns, type="event")
    campaign = campaigns.create_campaign({
        "name": "  Spring webinar  ", "type": "webinar", "description": "Three sessions", "starts_on": "2026-04-01",
        "ends_on": "2026-04-30", "owner": "ann", "currency": "jpy", "budget": "1249.5",
        "expected_revenue": 20000, "parent_id": parent["id"]}, "bob")
    assert campaign["name"] == "Spring webinar" and campaign["status"] == "planned" and campaign["version"] == 1
    assert (campaign["currency"], campaign["budget"], campaign["expected_revenue"]) == ("JPY", "1250", "20000")
    assert campaign["cost_total"] == "0" and campaign["created_by"] == "bob"
    assert campaign["funnel"] == {"targeted": 0, "sent": 0, "opened": 0, "clicked": 0, "responded": 0,
                                  "converted": 0}
    assert campaign["actions"] == ["launch", "abort"] and campaign["parent_name"] == parent["name"]
    assert campaigns.get_campaign(parent["id"])["children"] == 1
    assert campaigns.get_campaign(campaign["id"]) == campaign
    [event] = events.wait_for("campaign.created", campaign["id"])
    assert event.data["campaign"]["budget"] == "1250" and event.data["campaign"]["status"] == "planned"


@pytest.mark.parametrize(("data", "field"), [
    ({}, "name"),
    ({"name": "x"}, "type"),
    ({"name": "   ", "type": "email"}, "name"),
    ({"name": "x", "type": "newsletter"}, "type"),
    ({"name": "x" * 201, "type": "email"}, "name"),
    ({"name": "x", "type": "email", "currency": "XXX"}, "currency"),
    ({"name": "x", "type": "email", "currency": "EURO"}, "currency"),
    ({"name": "x", "type": "email", "budget": "-1"}, "budget"),
    ({"name": "x", "type": "email", "budget": "12.5.0"}, "budget"),
    ({"name": "x", "type": "email", "budget": "1e400"}, "budget"),
    ({"name": "x", "type": "email", "budget": "100000000000000"}, "budget"),
    ({"name": "x", "type": "email", "starts_on": "2026-05-02", "ends_on": "2026-05-01"}, "ends_on"),
    ({"name": "x", "type": "email", "starts_on": "2026-02-30"}, "starts_on"),
    ({"name": "x", "type": "email", "status": "active"}, "status"),
    ({"name": "x", "type": "email", "parent_id": "nope"}, "parent_id"),
])
def test_bad_campaigns_are_refused_and_nothing_is_written(campaigns, db, data, field):
    before = db.scalar("SELECT count(*) FROM campaigns")
    with pytest.raises(ValidationFailed) as caught:
        campaigns.create_campaign(data, "ann")
    assert field in caught.value.errors
    assert db.scalar("SELECT count(*) FROM campaigns") == before


def test_an_unknown_parent_is_422_on_parent_id(campaigns):
    with pytest.raises(ValidationFailed) as caught:
        new_campaign(campaigns, parent_id=str(uuid.uuid4()))
    assert caught.value.errors["parent_id"][0].startswith("No such campaign")


def test_a_campaign_cannot_be_its_own_ancestor(campaigns):
    top = new_campaign(campaigns)
    middle = new_campaign(campaigns, parent_id=top["id"])
    bottom = new_campaign(campaigns, parent_id=middle["id"])
    for parent in (top["id"], bottom["id"]):
        with pytest.raises(Conflict) as caught:
            campaigns.update_campaign(top["id"], {"parent_id": parent if parent != top["id"] else top["id"]}, "ann")
        assert "parent_id" in caught.value.errors
    assert campaigns.get_campaign(top["id"])["parent_id"] is None
    moved = campaigns.update_campaign(bottom["id"], {"parent_id": None}, "ann")
    assert moved["parent_id"] is None and moved["version"] == 2


def test_update_with_versions(campaigns):
    campaign = new_campaign(campaigns, starts_on="2026-03-01", budget="10")
    changed = campaigns.update_campaign(campaign["id"], {"name": "Renamed", "budget": "12.345"}, "ann", 1)
    assert (changed["name"], changed["budget"], changed["version"]) == ("Renamed", "12.35", 2)
    with pytest.raises(PreconditionFailed) as caught:
        campaigns.update_campaign(campaign["id"], {"name": "Stale"}, "bob", 1)
    assert caught.value.extra["current_version"] == 2
    with pytest.raises(ValidationFailed) as caught:  # checked against the stored start
        campaigns.update_campaign(campaign["id"], {"ends_on": "2026-02-01"}, "ann")
    assert "ends_on" in caught.value.errors
    with pytest.raises(ValidationFailed):
        campaigns.update_campaign(campaign["id"], {}, "ann")
    with pytest.raises(ValidationFailed):
        campaigns.update_campaign(campaign["id"], {"name": "x"}, "ann", "two")
    with pytest.raises(NotFound):
        campaigns.update_campaign(str(uuid.uuid4()), {"name": "x"}, "ann")
    with pytest.raises(NotFound):
        campaigns.get_campaign("not-an-id")
    assert campaigns.get_campaign(campaign["id"])["name"] == "Renamed"


def test_list_filters_sorts_and_pages(campaigns):
    tag = unique("zq")
    parent = new_campaign(campaigns, name=f"{tag} parent", type="event", owner="kim")
    made = [new_campaign(campaigns, name=f"{tag} child {n}", parent_id=parent["id"], starts_on=f"2026-0{n}-01")
            for n in (3, 1, 2)]
    campaigns.launch_campaign(made[0]["id"], "ann")
    page = campaigns.list_campaigns({"q": tag, "sort": "name", "limit": 2})
    assert [item["name"] for item in page["items"]] == [f"{tag} child 1", f"{tag} child 2"]
    rest = campaigns.list_campaigns({"q": tag, "sort": "name", "limit": 2, "cursor": page["next_cursor"]})
    assert [item["name"] for item in rest["items"]] == [f"{tag} child 3", f"{tag} parent"]
    assert rest["next_cursor"] is None
    by_start = campaigns.list_campaigns({"q": tag, "sort": "starts_on"})
    assert [item["name"] for item in by_start["items"]][-1] == f"{tag} parent"  # no start date: last
    assert [item["id"] for item in campaigns.list_campaigns({"q": tag, "status": ["active"]})["items"]] == \
        [made[0]["id"]]
    assert [item["id"] for item in campaigns.list_campaigns({"q": tag, "type": ["event"], "owner": "kim"})[
        "items"]] == [parent["id"]]
    assert len(campaigns.list_campaigns({"parent_id": parent["id"]})["items"]) == 3
    with pytest.raises(ValidationFailed) as caught:
        campaigns.list_campaigns({"q": tag, "sort": "-name", "cursor": page["next_cursor"]})
    assert "cursor" in caught.value.errors
    with pytest.raises(ValidationFailed):
        campaigns.list_campaigns({"status": ["running"]})


# Status moves ------------------------------------------------------------------------------

def test_moves_and_their_events(campaigns, events):
    campaign = new_campaign(campaigns)
    launched = campaigns.launch_campaign(campaign["id"], "ann", 1)
    assert (launched["status"], launched["actions"]) == ("active", ["complete", "abort"])
    assert launched["launched_at"] is not None
    with pytest.raises(IllegalTransition) as caught:
        campaigns.launch_campaign(campaign["id"], "ann")
    assert caught.value.extra["current"] == "active"
    assert caught.value.extra["allowed"] == ["complete", "abort"]
    with pytest.raises(PreconditionFailed):
        campaigns.complete_campaign(campaign["id"], "ann", 1)
    completed = campaigns.complete_campaign(campaign["id"], "ann", 2)
    assert completed["status"] == "completed" and completed["ended_at"] and completed["actions"] == []
    for move in (campaigns.abort_campaign, campaigns.launch_campaign, campaigns.complete_campaign):
        with pytest.raises(IllegalTransition):
            move(campaign["id"], "ann")
    aborted = campaigns.abort_campaign(new_campaign(campaigns)["id"], "ann")
    [launch] = events.wait_for("campaign.launched", campaign["id"])
    [done] = events.wait_for("campaign.completed", campaign["id"])
    [abort] = events.wait_for("campaign.completed", aborted["id"])
    assert launch.data["campaign"]["status"] == "active"
    assert (done.data["status"], done.data["campaign"]["status"]) == ("completed", "completed")
    assert (abort.data["status"], abort.data["campaign"]["status"]) == ("aborted", "aborted")


def test_of_two_launches_at_once_one_wins(campaigns, rpc_proxy, db, events):
    campaign = new_campaign(campaigns)
    results = concurrently(rpc_proxy, [lambda cluster: cluster.campaigns.launch_campaign(campaign["id"], "ann")] * 4)
    won = [result for result in results if isinstance(result, dict)]
    lost = [result for result in results if not isinstance(result, dict)]
    assert len(won) == 1 and all(isinstance(error, IllegalTransition) for error in lost), results
    assert campaigns.get_campaign(campaign["id"])["version"] == 2
    events.settle(db, [campaign["id"]])
    assert len(events.of("campaign.launched", campaign["id"])) == 1


# Costs -------------------------------------------------------------------------------------

def test_costs_in_the_campaigns_currency(campaigns):
    campaign = new_campaign(campaigns, currency="KWD")
    first = campaigns.add_campaign_cost(campaign["id"], {"incurred_on": "2026-03-02", "amount": "10.0005",
                                                         "category": "media", "note": "Banner"}, "ann")
    assert (first["amount"], first["currency"], first["created_by"]) == ("10.001", "KWD", "ann")
    campaigns.add_campaign_cost(campaign["id"], {"incurred_on": "2026-03-01", "amount": 2, "category": "venue"}, "ann")
    costs = campaigns.list_campaign_costs(campaign["id"])
    assert [item["amount"] for item in costs["items"]] == ["2.000", "10.001"]  # by day
    assert (costs["total"], costs["currency"]) == ("12.001", "KWD")
    assert campaigns.get_campaign(campaign["id"])["cost_total"] == "12.001"
    with pytest.raises(Conflict) as caught:  # costs are in KWD
        campaigns.update_campaign(campaign["id"], {"currency": "EUR"}, "ann")
    assert "currency" in caught.value.errors
    campaigns.delete_campaign_cost(campaign["id"], first["id"], "ann")
    with pytest.raises(NotFound):
        campaigns.delete_campaign_cost(campaign["id"], first["id"], "ann")
    other = new_campaign(campaigns)
    with pytest.raises(NotFound):  # an entry of another campaign
        campaigns.delete_campaign_cost(other["id"], costs["items"][0]["id"], "ann")
    assert campaigns.list_campaign_costs(campaign["id"])["total"] == "2.000"


@pytest.mark.parametrize(("data", "field"), [
    ({"amount": "1", "category": "media"}, "incurred_on"),
    ({"incurred_on": "2026-01-01", "category": "media"}, "amount"),
    ({"incurred_on": "2026-01-01", "amount": "-5", "category": "media"}, "amount"),
    ({"incurred_on": "2026-01-01", "amount": "1", "category": "coffee"}, "category"),
    ({"incurred_on": "yesterday", "amount": "1", "category": "media"}, "incurred_on"),
    ({"incurred_on": "2026-01-01", "amount": "1", "category": "media", "note": "n" * 1001}, "note"),
])
def test_bad_costs_are_refused(campaigns, db, data, field):
    campaign = new_campaign(campaigns)
    with pytest.raises(ValidationFailed) as caught:
        campaigns.add_campaign_cost(campaign["id"], data, "ann")
    assert field in caught.value.errors
    assert db.scalar("SELECT count(*) FROM campaign_costs WHERE campaign_id = %s", (campaign["id"],)) == 0


def test_costs_close_when_the_campaign_completes_and_currency_follows_without_costs(campaigns):
    campaign = new_campaign(campaigns, budget="100.50")
    assert campaigns.update_campaign(campaign["id"], {"currency": "JPY"}, "ann")["budget"] == "101"
    cost = campaigns.add_campaign_cost(campaign["id"], {"incurred_on": "2026-01-01", "amount": "99.5",
                                                        "category": "agency"}, "ann")
    assert cost["amount"] == "100"
    campaigns.launch_campaign(campaign["id"], "ann")
    campaigns.complete_campaign(campaign["id"], "ann")
    with pytest.raises(IllegalTransition):
        campaigns.add_campaign_cost(campaign["id"], {"incurred_on": "2026-01-02", "amount": "1",
                                                     "category": "media"}, "ann")
    with pytest.raises(IllegalTransition):
        campaigns.delete_campaign_cost(campaign["id"], cost["id"], "ann")
    aborted = new_campaign(campaigns)
    campaigns.abort_campaign(aborted["id"], "ann")  # a cancellation fee may still come in
    assert campaigns.add_campaign_cost(aborted["id"], {"incurred_on": "2026-01-01", "amount": "5",
                                                       "category": "venue"}, "ann")["amount"] == "5.00"
    with pytest.raises(NotFound):
        campaigns.list_campaign_costs(str(uuid.uuid4()))


# Members -----------------------------------------------------------------------------------

def test_members_by_id_once_each_with_one_event_per_new_member(campaigns, db, events):
    campaign = new_campaign(campaigns)
    people = [person_row(db, f"P{n}") for n in range(3)]
    assert campaigns.add_campaign_members(campaign["id"], {"person_ids": people[:2]}, "ann") == \
        {"added": 2, "already": 0, "members": 2}
    again = campaigns.add_campaign_members(campaign["id"], {"person_ids": people + [people[0]]}, "ann")
    assert again == {"added": 1, "already": 2, "members": 3}
    events.settle(db, [campaign["id"]])
    added = events.of("campaign.member_added", campaign["id"])
    assert sorted(event.data["person"]["id"] for event in added) == sorted(people)
    assert all(event.data["source"] == "manual" and event.data["campaign"]["name"] == campaign["name"]
               for event in added)
    assert campaigns.get_campaign(campaign["id"])["funnel"]["targeted"] == 3


def test_members_added_at_once_by_many_callers_get_one_event_each(campaigns, rpc_proxy, db, events):
    campaign = new_campaign(campaigns)
    people = [person_row(db) for _ in range(5)]
    results = concurrently(rpc_proxy, [
        lambda cluster: cluster.campaigns.add_campaign_members(campaign["id"], {"person_ids": people}, "ann")] * 4)
    assert sum(result["added"] for result in results) == 5, results
    events.settle(db, [campaign["id"]])
    assert sorted(event.data["person"]["id"] for event in events.of("campaign.member_added", campaign["id"])) == \
        sorted(people)


def test_unknown_people_are_refused_and_nothing_is_added(campaigns, db):
    campaign = new_campaign(campaigns)
    known, unknown = person_row(db), str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as caught:
        campaigns.add_campaign_members(campaign["id"], {"person_ids": [known, unknown]}, "ann")
    assert caught.value.errors["person_ids"] == [f"No such person with id {unknown}."]
    assert db.scalar("SELECT count(*) FROM campaign_members WHERE campaign_id = %s", (campaign["id"],)) == 0


@pytest.mark.parametrize("data", [
    {}, {"person_ids": []}, {"person_ids": ["x"]}, {"person_ids": [str(uuid.uuid4())], "list_id": str(uuid.uuid4())},
    {"segment_id": None}, {"everyone": True},
])
def test_bad_member_requests_are_refused(campaigns, data):
    campaign = new_campaign(campaigns)
    with pytest.raises(ValidationFailed):
        campaigns.add_campaign_members(campaign["id"], data, "ann")


def test_members_from_a_segment_and_a_list(campaigns, db, events):
    campaign = new_campaign(campaigns)
    people = [person_row(db) for _ in range(4)]
    # Members written by hand; the (valid) rule matters only when one of these people changes, which none does.
    segment_id = db.scalar("""INSERT INTO segments (name, rule) VALUES (%s, '{"field": "country", "op": "eq",
                              "value": "ZZ"}') RETURNING id""", (unique("seg"),))
    list_id = db.scalar("INSERT INTO lists (name) VALUES (%s) RETURNING id", (unique("list"),))
    for person in people[:3]:
        db.conn.execute("INSERT INTO segment_members (segment_id, person_id) VALUES (%s, %s)", (segment_id, person))
    for person in people[2:]:
        db.conn.execute("INSERT INTO list_members (list_id, person_id) VALUES (%s, %s)", (list_id, person))
    assert campaigns.add_campaign_members(campaign["id"], {"segment_id": str(segment_id)}, "ann")["added"] == 3
    assert campaigns.add_campaign_members(campaign["id"], {"list_id": str(list_id)}, "ann") == \
        {"added": 1, "already": 1, "members": 4}
    members = campaigns.list_campaign_members(campaign["id"], {"sort": "added_at"})["items"]
    assert {member["person_id"]: member["source"] for member in members} == {
        people[0]: "segment", people[1]: "segment", people[2]: "segment", people[3]: "list"}
    for field, value in (("segment_id", str(uuid.uuid4())), ("list_id", str(uuid.uuid4()))):
        with pytest.raises(ValidationFailed) as caught:
            campaigns.add_campaign_members(campaign["id"], {field: value}, "ann")
        assert caught.value.errors[field][0].startswith("No such")
    events.settle(db, [campaign["id"]])
    assert len(events.of("campaign.member_added", campaign["id"])) == 4


def test_members_with_their_funnel_stage(campaigns, db):
    campaign = new_campaign(campaigns)
    people = [person_row(db, f"S{n}") for n in range(4)]
    campaigns.add_campaign_members(campaign["id"], {"person_ids": people}, "ann")
    db.conn.execute("UPDATE campaign_members SET sent_at = now() WHERE campaign_id = %s AND person_id = ANY(%s)",
                    (campaign["id"], people[1:]))
    db.conn.execute("UPDATE campaign_members SET opened_at = now(), clicked_at = now() WHERE campaign_id = %s"
                    " AND person_id = %s", (campaign["id"], people[2]))
    db.conn.execute("UPDATE campaign_members SET responded_at = now() WHERE campaign_id = %s AND person_id = %s",
                    (campaign["id"], people[3]))
    members = campaigns.list_campaign_members(campaign["id"], {"limit": 500})["items"]
    assert {member["person_id"]: member["stage"] for member in members} == {
        people[0]: "targeted", people[1]: "sent", people[2]: "clicked", people[3]: "responded"}
    assert campaigns.get_campaign(campaign["id"])["funnel"] == {
        "targeted": 4, "sent": 3, "opened": 1, "clicked": 1, "responded": 1, "converted": 0}
    clicked = campaigns.list_campaign_members(campaign["id"], {"stage": ["clicked", "sent"]})["items"]
    assert {member["person_id"] for member in clicked} == {people[1], people[2]}
    page = campaigns.list_campaign_members(campaign["id"], {"limit": 3})
    rest = campaigns.list_campaign_members(campaign["id"], {"limit": 3, "cursor": page["next_cursor"]})
    assert len(page["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    with pytest.raises(NotFound):
        campaigns.list_campaign_members(str(uuid.uuid4()))


def test_a_closed_campaign_takes_no_members(campaigns, db):
    campaign = new_campaign(campaigns)
    campaigns.abort_campaign(campaign["id"], "ann")
    with pytest.raises(IllegalTransition):
        campaigns.add_campaign_members(campaign["id"], {"person_ids": [person_row(db)]}, "ann")


# Contracts and keyed calls -----------------------------------------------------------------

def test_a_keyed_create_repeated_creates_once(rpc_proxy, campaigns, db, events):
    key, name, answers = str(uuid.uuid4()), unique("Keyed "), []
    for _ in range(2):
        with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
            answers.append(cluster.campaigns.create_campaign({"name": name, "type": "social"}, "ann"))
    assert answers[0] == answers[1]
    assert db.scalar("SELECT count(*) FROM campaigns WHERE name = %s", (name,)) == 1
    events.settle(db, [answers[0]["id"]])
    assert len(events.of("campaign.created", answers[0]["id"])) == 1


def test_answers_match_the_contracts(campaigns, db):
    parent = new_campaign(campaigns, currency="JPY", budget="100")
    campaign = new_campaign(campaigns, parent_id=parent["id"], budget="1.5", expected_revenue="9",
                            starts_on="2026-01-01", owner="ann", description="d")
    campaigns.add_campaign_members(campaign["id"], {"person_ids": [person_row(db)]}, "ann")
    campaigns.add_campaign_cost(campaign["id"], {"incurred_on": "2026-01-01", "amount": "3", "category": "tools"},
                                "ann")
    checks = [
        (contract.CampaignSchema(), campaigns.get_campaign(campaign["id"])),
        (contract.CampaignSchema(), campaigns.launch_campaign(parent["id"], "ann")),
        (contract.CampaignPageSchema(), campaigns.list_campaigns({"parent_id": parent["id"]})),
        (contract.CostListSchema(), campaigns.list_campaign_costs(campaign["id"])),
        (contract.MemberPageSchema(), campaigns.list_campaign_members(campaign["id"])),
        (contract.MembersAddedSchema(), campaigns.add_campaign_members(campaign["id"], {
            "person_ids": [person_row(db)]}, "ann")),
    ]
    for schema, answer in checks:
        assert schema.validate(answer) == {}, (type(schema).__name__, answer)
