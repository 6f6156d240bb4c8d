"""Merging a duplicate into a surviving lead."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.events import contract
from tests.leads.conftest import person, unique


@pytest.fixture
def pair(leads):
    """A survivor and a duplicate of the same person, each with its own history."""
    tag = unique()
    survivor = leads.create_lead(
        {"first_name": "Grace", "last_name": f"Hopper-{tag}", "email": f"grace.{tag}@navy.example",
         "title": "Rear Admiral", "notes": "Met at the conference.", "attributes": {"tier": "gold", "lang": "en"},
         "source": "event"}, "rep-1")
    duplicate = leads.create_lead(
        {"first_name": "G.", "last_name": f"Hopper-{tag}", "phone": "+1 202 555 0100", "company": f"Navy {tag}",
         "title": "Admiral", "country": "us", "notes": "Called about pricing.",
         "attributes": {"tier": "silver", "fleet": "7"}, "source": "web_form"}, "rep-2")
    leads.update_lead(duplicate["id"], {"industry": "Government"}, "rep-2")
    leads.record_engagement(duplicate["id"], "web_visit", "marketing")
    leads.record_engagement(survivor["id"], "email_open", "marketing")
    return leads.get_lead(survivor["id"]), leads.get_lead(duplicate["id"])


def test_merge_keeps_the_survivors_values_and_fills_its_empty_ones(leads, pair, events, db):
    survivor, duplicate = pair
    history_before = leads.lead_history(duplicate["id"])["items"]

    merged = leads.merge_leads(survivor["id"], duplicate["id"], "manager")

    assert merged["id"] == survivor["id"]
    for kept in ("first_name", "last_name", "email", "title", "source", "status", "owner", "created_at"):
        assert merged[kept] == survivor[kept], kept
    assert merged["phone"] == duplicate["phone"]
    assert merged["company"] == duplicate["company"]
    assert merged["country"] == "US"
    assert merged["industry"] == "Government"
    assert merged["attributes"] == {"tier": "gold", "lang": "en", "fleet": "7"}
    assert merged["notes"].startswith("Met at the conference.")
    assert merged["notes"].endswith("Called about pricing.") and duplicate["id"] in merged["notes"]
    assert merged["engagement"] == 2
    assert merged["score"] > survivor["score"]  # phone and company now given, one more engagement
    assert merged["version"] == survivor["version"] + 1
    assert merged["merged_into"] is None

    gone = leads.get_lead(duplicate["id"])
    assert gone["merged_into"] == survivor["id"]
    assert leads.lead_history(duplicate["id"])["items"] == []
    history = leads.lead_history(survivor["id"])["items"]
    assert history[0]["action"] == "merged" and history[0]["actor"] == "manager"
    assert history[0]["changes"]["merged_id"] == duplicate["id"]
    assert all(entry in history for entry in history_before)

    received = events.wait_for("lead.merged", survivor["id"])
    events.settle(db, [survivor["id"], duplicate["id"]])
    assert len(events.of("lead.merged", survivor["id"])) == 1
    data = contract("lead.merged").schema().load(received[0].data)
    assert str(data["merged_id"]) == duplicate["id"]
    assert received[0].data["lead"] == merged
    assert {"phone", "company", "country", "industry", "attributes", "notes", "engagement"} <= set(data["filled"])
    assert not {"email", "title", "first_name"} & set(data["filled"])


def test_a_merged_lead_is_left_out_of_lists_unless_asked_for(leads, pair):
    survivor, duplicate = pair
    leads.merge_leads(survivor["id"], duplicate["id"], "manager")
    query = {"q": survivor["last_name"]}

    assert [lead["id"] for lead in leads.list_leads(query)["items"]] == [survivor["id"]]
    assert leads.count_leads(query)["total"] == 1
    listed = {lead["id"] for lead in leads.list_leads({**query, "include_merged": True})["items"]}
    assert listed == {survivor["id"], duplicate["id"]}


def test_the_merged_duplicates_email_and_phone_are_free_for_the_survivor(leads, pair):
    survivor, duplicate = pair
    leads.merge_leads(survivor["id"], duplicate["id"], "manager")
    # the survivor took the phone at that company; a third lead with it is a duplicate of the survivor
    with pytest.raises(Conflict) as raised:
        leads.create_lead(person(email=None, phone=duplicate["phone"], company=duplicate["company"]), "tester")
    assert raised.value.extra["existing_id"] == survivor["id"]


def test_merging_a_lead_with_itself_is_refused(leads, pair, db):
    survivor, _ = pair
    with pytest.raises(Conflict) as raised:  # a valid request the lead's state refuses, as for accounts
        leads.merge_leads(survivor["id"], survivor["id"], "manager")
    assert "duplicate_id" in raised.value.errors
    assert leads.get_lead(survivor["id"]) == survivor


def test_merging_with_a_merged_lead_is_refused_either_way(leads, pair):
    survivor, duplicate = pair
    leads.merge_leads(survivor["id"], duplicate["id"], "manager")
    third = leads.create_lead(person(), "tester")
    survivor = leads.get_lead(survivor["id"])

    with pytest.raises(Conflict) as raised:
        leads.merge_leads(third["id"], duplicate["id"], "manager")
    assert survivor["id"] in raised.value.detail
    with pytest.raises(Conflict):
        leads.merge_leads(duplicate["id"], third["id"], "manager")
    assert leads.get_lead(third["id"]) == third
    assert leads.get_lead(survivor["id"]) == survivor


def test_merging_with_a_missing_lead_is_not_found(leads, pair):
    survivor, _ = pair
    with pytest.raises(NotFound):
        leads.merge_leads(survivor["id"], str(uuid.uuid4()), "manager")
    with pytest.raises(ValidationFailed) as raised:
        leads.merge_leads(survivor["id"], "not-an-id", "manager")
    assert "duplicate_id" in raised.value.errors
    assert leads.get_lead(survivor["id"]) == survivor


def test_changing_a_merged_lead_is_refused(leads, pair):
    survivor, duplicate = pair
    leads.merge_leads(survivor["id"], duplicate["id"], "manager")
    for change in (lambda: leads.update_lead(duplicate["id"], {"title": "CEO"}, "tester"),
                   lambda: leads.assign_lead(duplicate["id"], "pete", "tester"),
                   lambda: leads.record_engagement(duplicate["id"], "call", "tester")):
        with pytest.raises(Conflict) as raised:
            change()
        assert raised.value.extra["merged_into"] == survivor["id"]
