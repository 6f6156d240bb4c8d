"""The account timeline: its own activities and its contacts' and
opportunities', newest first by (occurred_at, id), in keyset pages; a merged
account points to its survivor."""

import uuid

import pytest

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from tests.sales.activities_support import at, call, make_account, make_contact, make_opportunity, merge_account


def ids(page):
    return [item["id"] for item in page["items"]]


def test_the_timeline_has_the_accounts_contacts_and_opportunities_activities_newest_first(sales, db):
    account_id, other_id = make_account(db), make_account(db)
    contact_id, opportunity_id = make_contact(db, account_id), make_opportunity(db, account_id)
    log = sales.log_activity
    oldest = log(call(kind="note", account_id=account_id, occurred_at=at(-300)))
    by_contact = log(call(kind="meeting", contact_id=contact_id, occurred_at=at(-200)))
    by_opportunity = log(call(opportunity_id=opportunity_id, occurred_at=at(-100)))
    planned = log(call(kind="task", account_id=account_id, due_at=at(100)))
    log(call(account_id=other_id, occurred_at=at(-150)))  # another account's
    log(call(lead_id=str(uuid.uuid4()), occurred_at=at(-150)))  # a lead's

    page = sales.account_timeline(account_id, {})

    assert ids(page) == [planned["id"], by_opportunity["id"], by_contact["id"], oldest["id"]]
    assert page["items"][1] == by_opportunity
    assert page["next_cursor"] is None


def test_the_timeline_filters_by_kind(sales, db):
    account_id = make_account(db)
    note = sales.log_activity(call(kind="note", account_id=account_id, occurred_at=at(-2)))
    meeting = sales.log_activity(call(kind="meeting", account_id=account_id, occurred_at=at(-1)))
    sales.log_activity(call(account_id=account_id))

    assert ids(sales.account_timeline(account_id, {"kind": ["note", "meeting"]})) == [meeting["id"], note["id"]]
    assert ids(sales.account_timeline(account_id, {"kind": ["task"]})) == []


def test_the_timeline_pages_through_ties_without_gaps_or_repeats(sales, db):
    account_id = make_account(db)
    logged = [sales.log_activity(call(account_id=account_id, occurred_at=at(minute % 3)))
              for minute in range(7)]
    expected = [item["id"] for item in sorted(logged, key=lambda item: (item["occurred_at"], item["id"]),
                                              reverse=True)]

    seen, cursor, pages = [], None, 0
    while True:
        page = sales.account_timeline(account_id, {"limit": 3, "cursor": cursor})
        seen += ids(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == expected
    assert pages == 3


def test_an_account_without_activities_has_an_empty_timeline(sales, db):
    assert sales.account_timeline(make_account(db)) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("account_id", ["nope", "", pytest.param(str(uuid.uuid4()), id="unknown-uuid")])
def test_the_timeline_of_no_account_is_not_found(sales, account_id):
    with pytest.raises(NotFound):
        sales.account_timeline(account_id, {})


def test_a_merged_accounts_timeline_points_to_the_survivor_which_has_its_activities(sales, db):
    survivor_id, duplicate_id = make_account(db), make_account(db)
    contact_id = make_contact(db, duplicate_id)
    theirs = sales.log_activity(call(contact_id=contact_id, occurred_at=at(-10)))
    ours = sales.log_activity(call(account_id=survivor_id, occurred_at=at(-20)))

    merge_account(db, duplicate_id, survivor_id)

    with pytest.raises(Conflict) as refused:
        sales.account_timeline(duplicate_id, {})
    assert refused.value.status == 409 and refused.value.extra["merged_into"] == survivor_id
    assert survivor_id in refused.value.detail
    assert ids(sales.account_timeline(survivor_id, {})) == [theirs["id"], ours["id"]]


@pytest.mark.parametrize(("query", "field"), [
    ({"kind": ["email"]}, "kind"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"cursor": "%%%"}, "cursor"),
    ({"owner": "alice"}, "owner"),  # not a timeline filter
])
def test_a_bad_timeline_query_is_a_field_error(sales, db, query, field):
    with pytest.raises(ValidationFailed) as refused:
        sales.account_timeline(make_account(db), query)

    assert field in refused.value.errors


@pytest.mark.parametrize("query", [["kind"], [], "kind=call", 0])
def test_a_timeline_query_that_is_not_an_object_is_refused(sales, db, query):
    with pytest.raises(ValidationFailed):
        sales.account_timeline(make_account(db), query)
