"""The pure rules of an account merge: what the survivor takes, and which
merges are refused."""

import uuid

import pytest

from services.sales.accounts.merge import check_mergeable, merge_fields
from shared.schemas.errors import Conflict


def account(**fields):
    row = {"id": uuid.uuid4(), "name": "Acme", "domain": None, "industry": None, "size": None, "country": None,
           "addresses": [], "type": "prospect", "parent_id": None, "owner": None, "attributes": {},
           "merged_into": None}
    row.update(fields)
    return row


def test_the_survivor_fills_its_empty_fields_from_the_duplicate():
    parent = uuid.uuid4()
    address = {"kind": "billing", "city": "Berlin"}
    survivor = account(industry="Software", size=None, owner="  ")
    duplicate = account(domain="acme.com", industry="Retail", size=0, country="DE", addresses=[address],
                        parent_id=parent, owner="sam", type="customer")

    values, filled = merge_fields(survivor, duplicate)

    assert values == {"domain": "acme.com", "size": 0, "country": "DE", "addresses": [address],
                      "parent_id": str(parent), "owner": "sam", "type": "customer"}
    assert filled == ["domain", "size", "country", "addresses", "parent_id", "owner", "type"]


def test_the_survivor_keeps_its_own_values_name_and_type():
    survivor = account(name="Acme", domain="acme.com", industry="Software", type="partner")
    duplicate = account(name="ACME Inc", domain="acme.de", industry="Retail", type="customer")
    assert merge_fields(survivor, duplicate) == ({}, [])


def test_a_prospect_survivor_takes_the_duplicates_type():
    survivor = account(name="Acme", type="prospect")
    assert merge_fields(survivor, account(type="customer")) == ({"type": "customer"}, ["type"])
    assert merge_fields(survivor, account(type="prospect")) == ({}, [])


def test_attributes_are_united_and_the_survivor_wins_a_shared_key():
    survivor = account(attributes={"tier": "gold", "region": "north"})
    duplicate = account(attributes={"tier": "silver", "vat": "DE123"})

    values, filled = merge_fields(survivor, duplicate)

    assert values == {"attributes": {"tier": "gold", "region": "north", "vat": "DE123"}}
    assert filled == ["attributes"]


def test_nothing_to_take_changes_nothing():
    assert merge_fields(account(attributes={"a": 1}), account(attributes={"a": 2})) == ({}, [])


def test_merging_an_account_into_itself_is_refused():
    same = account()
    with pytest.raises(Conflict) as raised:
        check_mergeable(same, dict(same))
    assert "itself" in raised.value.detail
    assert raised.value.errors == {"duplicate_id": ["Must differ from the surviving account's id."]}


@pytest.mark.parametrize("role", ["survivor", "duplicate"])
def test_an_already_merged_account_cannot_be_merged(role):
    elsewhere = uuid.uuid4()
    rows = {"survivor": account(), "duplicate": account()}
    rows[role]["merged_into"] = elsewhere

    with pytest.raises(Conflict) as raised:
        check_mergeable(rows["survivor"], rows["duplicate"])

    assert raised.value.extra == {"account_id": str(rows[role]["id"]), "role": role, "merged_into": str(elsewhere)}
    assert f"merge with account {elsewhere} instead" in raised.value.detail


def test_an_account_cannot_be_merged_into_its_own_descendant():
    parent, child = account(), account()
    with pytest.raises(Conflict) as raised:
        check_mergeable(child, parent, [uuid.uuid4(), parent["id"]])
    assert "descendant" in raised.value.detail
    assert list(raised.value.errors) == ["duplicate_id"]


def test_a_child_can_be_merged_into_its_parent():
    parent, child = account(), account(parent_id=None)
    check_mergeable(parent, child, [])
