"""The timeline through the other areas' own RPCs: activities of an account's
contacts and opportunities, and an account merge that moves them all to the
survivor (the accounts area moves them; the timeline must then agree)."""

import pytest

from shared.schemas.errors import Conflict, ValidationFailed
from tests.sales.activities_support import at, call
from tests.sales.conftest import account_data, contact_data


def ids(page):
    return [item["id"] for item in page["items"]]


def test_a_merge_moves_the_duplicates_activities_onto_the_survivors_timeline(sales):
    survivor = sales.create_account(account_data(), "alice")
    duplicate = sales.create_account(account_data(), "alice")
    contact = sales.create_contact(contact_data(account_id=duplicate["id"]), "alice")
    opportunity = sales.create_opportunity({"account_id": duplicate["id"], "name": "Renewal", "currency": "EUR",
                                            "expected_close_date": "2026-12-31"}, "alice")
    log = sales.log_activity
    on_survivor = log(call(account_id=survivor["id"], occurred_at=at(-40)))
    on_duplicate = log(call(kind="note", account_id=duplicate["id"], occurred_at=at(-30)))
    by_contact = log(call(kind="meeting", contact_id=contact["id"], occurred_at=at(-20)))
    by_opportunity = log(call(kind="task", opportunity_id=opportunity["id"], due_at=at(-10)))
    assert ids(sales.account_timeline(duplicate["id"], {})) == [by_opportunity["id"], by_contact["id"],
                                                                 on_duplicate["id"]]

    merged = sales.merge_accounts(survivor["id"], duplicate["id"], "alice")

    assert merged["moved"]["activities"] == 3
    assert ids(sales.account_timeline(survivor["id"], {})) == [by_opportunity["id"], by_contact["id"],
                                                                on_duplicate["id"], on_survivor["id"]]
    with pytest.raises(Conflict) as refused:
        sales.account_timeline(duplicate["id"], {})
    assert refused.value.extra["merged_into"] == survivor["id"]
    moved = sales.get_activity(by_contact["id"])
    assert moved["account_id"] == survivor["id"] and moved["contact_id"] == contact["id"]
    # after the merge the contact's new activities land on the survivor; the merged id is refused
    assert log(call(contact_id=contact["id"]))["account_id"] == survivor["id"]
    with pytest.raises(ValidationFailed) as refused:
        log(call(account_id=duplicate["id"]))
    assert survivor["id"] in str(refused.value.errors["account_id"])
