"""Merging accounts: everything that pointed at the duplicate moves to the
survivor in one transaction, the survivor fills its gaps, the duplicate
stays readable with merged_into, what happened is published once; refused
merges change nothing."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.sales.conftest import account_data, concurrently, contact_data, unique

REFERENCES = {
    "contacts": "SELECT count(*) FROM contacts WHERE account_id = %s",
    "opportunities": "SELECT count(*) FROM opportunities WHERE account_id = %s",
    "activities": "SELECT count(*) FROM activities WHERE account_id = %s",
    "children": "SELECT count(*) FROM accounts WHERE parent_id = %s AND merged_into IS NULL",
    "lead_conversions": "SELECT count(*) FROM lead_conversions WHERE account_id = %s",
}


def references(db, account_id):
    return {name: db.scalar(sql, (account_id,)) for name, sql in REFERENCES.items()}


def add_opportunity(db, account_id, contact_id=None):
    opportunity_id = str(uuid.uuid4())
    db.one("INSERT INTO opportunities (id, account_id, primary_contact_id, name, amount, currency, pipeline_id, stage,"
           " category, probability, expected_close_date) VALUES (%s, %s, %s, %s, 1000, 'EUR', 'default',"
           " 'prospecting', 'open', 10, current_date + 30) RETURNING id",
           (opportunity_id, account_id, contact_id, f"Deal {unique()}"))
    return opportunity_id


def add_activity(db, account_id=None, contact_id=None, opportunity_id=None):
    activity_id = str(uuid.uuid4())
    db.one("INSERT INTO activities (id, kind, subject, account_id, contact_id, opportunity_id, occurred_at)"
           " VALUES (%s, 'call', 'Intro call', %s, %s, %s, now()) RETURNING id",
           (activity_id, account_id, contact_id, opportunity_id))
    return activity_id


def add_conversion(db, account_id, contact_id):
    lead_id = str(uuid.uuid4())
    db.one("INSERT INTO lead_conversions (lead_id, account_id, contact_id, account_created, contact_created)"
           " VALUES (%s, %s, %s, true, true) RETURNING lead_id", (lead_id, account_id, contact_id))
    return lead_id


@pytest.fixture
def pair(sales, db):
    """A survivor and a duplicate with contacts, opportunities, activities,
    a child account and a lead conversion on the duplicate."""
    survivor = sales.create_account(account_data(domain=None, industry=None, attributes={"tier": "gold"},
                                                 owner=None, country="DE"))
    duplicate = sales.create_account(account_data(industry="Aerospace", size=250, owner="sam", country="DE",
                                                  attributes={"tier": "silver", "vat": "DE1"},
                                                  addresses=[{"kind": "billing", "city": "Bremen"}]))
    kept_contact = sales.create_contact(contact_data(account_id=survivor["id"]))
    contacts = [sales.create_contact(contact_data(account_id=duplicate["id"])) for _ in range(2)]
    child = sales.create_account(account_data(parent_id=duplicate["id"]))
    opportunities = [add_opportunity(db, duplicate["id"], contacts[0]["id"]), add_opportunity(db, duplicate["id"])]
    activities = [add_activity(db, duplicate["id"], contacts[0]["id"]),
                  add_activity(db, duplicate["id"], opportunity_id=opportunities[1]),
                  add_activity(db, survivor["id"])]
    lead_id = add_conversion(db, duplicate["id"], contacts[1]["id"])
    return {"survivor": survivor, "duplicate": duplicate, "contacts": contacts, "kept_contact": kept_contact,
            "child": child, "opportunities": opportunities, "activities": activities, "lead_id": lead_id}


def test_a_merge_leaves_nothing_on_the_duplicate(sales, db, pair):
    survivor, duplicate = pair["survivor"], pair["duplicate"]
    assert references(db, duplicate["id"]) == {"contacts": 2, "opportunities": 2, "activities": 2, "children": 1,
                                               "lead_conversions": 1}

    result = sales.merge_accounts(survivor["id"], duplicate["id"], "merger")

    assert result["moved"] == {"contacts": 2, "opportunities": 2, "activities": 2, "children": 1}
    assert references(db, duplicate["id"]) == dict.fromkeys(REFERENCES, 0)
    assert references(db, survivor["id"]) == {"contacts": 3, "opportunities": 2, "activities": 3, "children": 1,
                                              "lead_conversions": 1}
    for contact in pair["contacts"]:
        moved = sales.get_contact(contact["id"])
        assert moved["account_id"] == survivor["id"]
        assert moved["version"] == contact["version"] + 1
    assert sales.get_account(pair["child"]["id"])["parent_id"] == survivor["id"]
    assert db.scalar("SELECT account_id::text FROM lead_conversions WHERE lead_id = %s",
                     (pair["lead_id"],)) == survivor["id"]
    assert db.scalar("SELECT min(version) FROM opportunities WHERE id = ANY(%s::uuid[])",
                     (pair["opportunities"],)) == 2


def test_the_survivor_fills_its_gaps_and_the_duplicate_points_to_it(sales, pair):
    survivor, duplicate = pair["survivor"], pair["duplicate"]

    result = sales.merge_accounts(survivor["id"], duplicate["id"], "merger")

    account = result["account"]
    assert account["id"] == survivor["id"]
    assert account["name"] == survivor["name"]
    assert account["domain"] == duplicate["domain"]  # the duplicate's, freed by the merge
    assert account["industry"] == "Aerospace"
    assert account["size"] == 250
    assert account["owner"] == "sam"
    assert account["addresses"] == duplicate["addresses"]
    assert account["attributes"] == {"tier": "gold", "vat": "DE1"}
    assert account["version"] == survivor["version"] + 1
    assert sales.get_account(survivor["id"]) == account
    merged = sales.get_account(duplicate["id"])
    assert merged["merged_into"] == survivor["id"]
    assert {key: merged[key] for key in ("name", "domain", "industry")} == {
        key: duplicate[key] for key in ("name", "domain", "industry")}


def changes(events, subject_id):
    """The types of the events about an entity, but for its creation."""
    return [event.type for event in events.of(subject_id=subject_id) if not event.type.endswith(".created")]


def test_a_merge_publishes_what_happened_once(sales, db, events, pair):
    survivor, duplicate = pair["survivor"], pair["duplicate"]

    result = sales.merge_accounts(survivor["id"], duplicate["id"], "merger")

    ids = [survivor["id"], duplicate["id"], pair["child"]["id"], *[contact["id"] for contact in pair["contacts"]]]
    events.settle(db, ids)
    merged = events.of("account.merged")
    assert [event.data for event in merged if event.data["merged_id"] == duplicate["id"]] == [
        {"account": result["account"], "merged_id": duplicate["id"], "moved": result["moved"]}]
    updated = events.of("account.updated", survivor["id"])
    assert [event.data for event in updated] == [
        {"account": result["account"], "changed": ["domain", "industry", "size", "addresses", "owner", "attributes"]}]
    child_events = events.of("account.updated", pair["child"]["id"])
    assert [event.data["changed"] for event in child_events] == [["parent_id"]]
    assert child_events[0].data["account"]["parent_id"] == survivor["id"]
    for contact in pair["contacts"]:
        contact_events = events.of("contact.updated", contact["id"])
        assert [event.data["changed"] for event in contact_events] == [["account_id"]]
        assert contact_events[0].data["contact"]["account_id"] == survivor["id"]
    assert changes(events, pair["kept_contact"]["id"]) == []
    assert changes(events, duplicate["id"]) == []  # nothing about the duplicate itself


def test_a_merge_with_nothing_to_fill_publishes_only_the_merge(sales, db, events):
    survivor = sales.create_account(account_data(owner="sam", size=5, addresses=[{"city": "Kiel"}]))
    duplicate = sales.create_account(account_data(domain=None))

    result = sales.merge_accounts(survivor["id"], duplicate["id"])

    assert result["moved"] == {"contacts": 0, "opportunities": 0, "activities": 0, "children": 0}
    events.settle(db, [survivor["id"]])
    assert changes(events, survivor["id"]) == ["account.merged"]


def test_a_parent_that_would_make_a_cycle_is_not_taken(sales):
    survivor = sales.create_account(account_data())
    middle = sales.create_account(account_data(parent_id=survivor["id"]))
    duplicate = sales.create_account(account_data(parent_id=middle["id"]))

    result = sales.merge_accounts(survivor["id"], duplicate["id"])

    assert result["account"]["parent_id"] is None
    assert sales.account_hierarchy(survivor["id"])["children"] == [sales.get_account(middle["id"])]


def test_a_parent_of_the_duplicate_is_taken_when_safe(sales):
    parent = sales.create_account(account_data())
    survivor = sales.create_account(account_data())
    duplicate = sales.create_account(account_data(parent_id=parent["id"]))

    result = sales.merge_accounts(survivor["id"], duplicate["id"])

    assert result["account"]["parent_id"] == parent["id"]
    assert [row["id"] for row in sales.account_hierarchy(parent["id"])["children"]] == [survivor["id"]]


def test_a_country_that_would_collide_with_a_third_account_is_not_taken(sales):
    tag = unique()
    sales.create_account({"name": f"{tag} AG", "country": "CH"})
    survivor = sales.create_account({"name": f"{tag} Inc"})
    duplicate = sales.create_account({"name": f"Other {tag}", "country": "CH"})

    result = sales.merge_accounts(survivor["id"], duplicate["id"])

    assert result["account"]["country"] is None


def test_a_child_can_be_merged_into_its_parent(sales):
    parent = sales.create_account(account_data())
    child = sales.create_account(account_data(parent_id=parent["id"]))
    grandchild = sales.create_account(account_data(parent_id=child["id"]))

    result = sales.merge_accounts(parent["id"], child["id"])

    assert result["moved"]["children"] == 1
    assert sales.get_account(grandchild["id"])["parent_id"] == parent["id"]
    assert result["account"]["parent_id"] is None


def test_merged_into_always_names_the_live_survivor(sales):
    first, second, third = (sales.create_account(account_data()) for _ in range(3))
    sales.merge_accounts(second["id"], first["id"])
    sales.merge_accounts(third["id"], second["id"])

    assert sales.get_account(first["id"])["merged_into"] == third["id"]
    assert sales.get_account(second["id"])["merged_into"] == third["id"]


# Refused merges -----------------------------------------------------------------

def assert_unchanged(sales, *accounts):
    for account in accounts:
        assert sales.get_account(account["id"]) == account


def test_an_account_cannot_be_merged_into_itself(sales):
    account = sales.create_account(account_data())
    with pytest.raises(Conflict) as raised:
        sales.merge_accounts(account["id"], account["id"].upper())
    assert raised.value.status == 409
    assert "itself" in raised.value.detail
    assert_unchanged(sales, account)


def test_an_account_cannot_be_merged_into_its_descendant(sales, db, pair):
    duplicate, child = pair["duplicate"], pair["child"]
    grandchild = sales.create_account(account_data(parent_id=child["id"]))
    before = references(db, duplicate["id"])

    for descendant in (child, grandchild):
        with pytest.raises(Conflict) as raised:
            sales.merge_accounts(descendant["id"], duplicate["id"])
        assert "descendant" in raised.value.detail
        assert duplicate["id"] in raised.value.detail

    assert references(db, duplicate["id"]) == before
    assert_unchanged(sales, duplicate, sales.get_account(child["id"]), grandchild)


def test_merged_accounts_cannot_be_merged_again(sales):
    survivor, duplicate, other = (sales.create_account(account_data()) for _ in range(3))
    sales.merge_accounts(survivor["id"], duplicate["id"])
    survivor, duplicate = sales.get_account(survivor["id"]), sales.get_account(duplicate["id"])

    for pair_ids, role in (((other["id"], duplicate["id"]), "duplicate"), ((duplicate["id"], other["id"]), "survivor")):
        with pytest.raises(Conflict) as raised:
            sales.merge_accounts(*pair_ids)
        assert raised.value.extra == {"account_id": duplicate["id"], "role": role, "merged_into": survivor["id"]}
        assert f"merge with account {survivor['id']} instead" in raised.value.detail
    assert_unchanged(sales, survivor, duplicate, other)


def test_unknown_or_malformed_ids(sales):
    account = sales.create_account(account_data())
    with pytest.raises(NotFound):
        sales.merge_accounts(account["id"], str(uuid.uuid4()))
    with pytest.raises(NotFound):
        sales.merge_accounts(str(uuid.uuid4()), account["id"])
    with pytest.raises(NotFound):
        sales.merge_accounts("nope", account["id"])
    for bad in ("nope", None, 42, {"id": account["id"]}):
        with pytest.raises(ValidationFailed) as raised:
            sales.merge_accounts(account["id"], bad)
        assert list(raised.value.errors) == ["duplicate_id"]
    assert_unchanged(sales, account)


# Races --------------------------------------------------------------------------

def test_opposite_merges_at_the_same_time_merge_once(sales, rpc_proxy):
    first, second = (sales.create_account(account_data()) for _ in range(2))
    calls = [lambda cluster: cluster.sales.merge_accounts(first["id"], second["id"]),
             lambda cluster: cluster.sales.merge_accounts(second["id"], first["id"])] * 2

    results = concurrently(rpc_proxy, calls)

    assert sum(isinstance(result, dict) for result in results) == 1, results
    assert all(isinstance(result, Conflict) for result in results if not isinstance(result, dict))
    merged = [sales.get_account(account["id"])["merged_into"] for account in (first, second)]
    assert merged.count(None) == 1


def test_contacts_added_while_merging_never_stay_on_the_duplicate(sales, db, rpc_proxy):
    survivor, duplicate = (sales.create_account(account_data()) for _ in range(2))
    for _ in range(3):
        sales.create_contact(contact_data(account_id=duplicate["id"]))
    calls = [lambda cluster: cluster.sales.create_contact(contact_data(account_id=duplicate["id"]))] * 6
    calls.insert(3, lambda cluster: cluster.sales.merge_accounts(survivor["id"], duplicate["id"]))

    results = concurrently(rpc_proxy, calls)

    assert isinstance(results[3], dict), results[3]
    late = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, ValidationFailed) and error.extra["merged_into"] == survivor["id"]
               for error in late), late
    assert references(db, duplicate["id"])["contacts"] == 0
    assert references(db, survivor["id"])["contacts"] == 3 + 6 - len(late)
