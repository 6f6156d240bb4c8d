"""Listing activities: each filter, newest first with ties broken by id,
keyset pages, and bad queries refused."""

import base64
import uuid
from datetime import datetime

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.activities import ActivityPageSchema
from tests.sales.activities_support import at, call, make_account, make_contact, make_opportunity
from tests.services import unique


@pytest.fixture(scope="module")
def world(sales, db):
    """One account with a contact and an opportunity, and activities on each
    and on a lead, by two owners of this module's own."""
    account_id = make_account(db)
    contact_id, opportunity_id = make_contact(db, account_id), make_opportunity(db, account_id)
    lead_id, me, you = str(uuid.uuid4()), unique("owner"), unique("owner")
    log = sales.log_activity
    made = {
        "call": log(call(account_id=account_id, occurred_at=at(-10), status="open", owner=me)),
        "meeting": log(call(kind="meeting", contact_id=contact_id, occurred_at=at(-20), status="done", owner=me)),
        "task": log(call(kind="task", opportunity_id=opportunity_id, due_at=at(60), owner=you)),
        "note": log(call(kind="note", lead_id=lead_id, occurred_at=at(-5), owner=me)),
        "overdue": log(call(kind="task", account_id=account_id, due_at=at(-30), status="cancelled", owner=me)),
    }
    return {"account_id": account_id, "contact_id": contact_id, "opportunity_id": opportunity_id,
            "lead_id": lead_id, "me": me, "you": you, **made}


def names(world, page):
    by_id = {value["id"]: key for key, value in world.items() if isinstance(value, dict)}
    return [by_id.get(item["id"], item["id"]) for item in page["items"]]


@pytest.mark.parametrize(("query", "expected"), [
    ({"account_id": "account_id"}, ["task", "call", "meeting", "overdue"]),
    ({"contact_id": "contact_id"}, ["meeting"]),
    ({"opportunity_id": "opportunity_id"}, ["task"]),
    ({"lead_id": "lead_id"}, ["note"]),
    ({"owner": "me"}, ["note", "call", "meeting", "overdue"]),
    ({"owner": "you"}, ["task"]),
    ({"account_id": "account_id", "kind": ["task"]}, ["task", "overdue"]),
    ({"owner": "me", "kind": ["note", "meeting"]}, ["note", "meeting"]),
    ({"account_id": "account_id", "status": ["open"]}, ["task", "call"]),
    ({"account_id": "account_id", "status": ["done", "cancelled"]}, ["meeting", "overdue"]),
    ({"account_id": "account_id", "due_before": at(0)}, ["overdue"]),
    ({"account_id": "account_id", "due_before": at(61)}, ["task", "overdue"]),
    ({"owner": "you", "status": ["done"]}, []),
])
def test_each_filter_newest_first(sales, world, query, expected):
    query = {key: world[value] if isinstance(value, str) and value in world else value
             for key, value in query.items()}

    page = sales.list_activities(query)

    assert names(world, page) == expected
    ActivityPageSchema().load(page)
    assert page["next_cursor"] is None


def test_pages_follow_each_other_without_gaps_or_repeats(sales, world):
    seen, cursor = [], None
    while True:
        page = sales.list_activities({"account_id": world["account_id"], "limit": 1, "cursor": cursor})
        seen += names(world, page)
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ["task", "call", "meeting", "overdue"]


def test_activities_at_the_same_moment_are_ordered_by_id_across_pages(sales, db):
    account_id = make_account(db)
    ids = [sales.log_activity(call(account_id=account_id, occurred_at=at(1)))["id"] for _ in range(5)]

    first = sales.list_activities({"account_id": account_id, "limit": 2})
    second = sales.list_activities({"account_id": account_id, "limit": 2, "cursor": first["next_cursor"]})
    third = sales.list_activities({"account_id": account_id, "limit": 2, "cursor": second["next_cursor"]})

    listed = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert listed == sorted(ids, reverse=True)
    assert third["next_cursor"] is None


def test_no_query_lists_everything_newest_first(sales, world):
    page = sales.list_activities()

    keys = [(datetime.fromisoformat(item["occurred_at"]), item["id"]) for item in page["items"]]
    assert keys and keys == sorted(keys, reverse=True)
    assert len(keys) <= 50


@pytest.mark.parametrize("query", [[], "kind=call", 0])
def test_a_query_that_is_not_an_object_is_refused(sales, query):
    with pytest.raises(ValidationFailed):
        sales.list_activities(query)


def cursor_of(*parts):
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode()


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"cursor": "garbage!"}, "cursor"),
    ({"cursor": cursor_of("only-one-part")}, "cursor"),
    ({"cursor": cursor_of("yesterday", "1e4ba1f6-5b1c-4a7e-9d3b-1234567890ab")}, "cursor"),
    ({"cursor": cursor_of("2026-01-01T00:00:00", "1e4ba1f6-5b1c-4a7e-9d3b-1234567890ab")}, "cursor"),
    ({"cursor": cursor_of("2026-01-01T00:00:00+00:00", "not-a-uuid")}, "cursor"),
    ({"kind": ["email"]}, "kind"),
    ({"kind": "call"}, "kind"),
    ({"status": ["finished"]}, "status"),
    ({"account_id": "not-a-uuid"}, "account_id"),
    ({"due_before": "2026-01-01T00:00:00"}, "due_before"),
    ({"owner": "x" * 101}, "owner"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_query_is_a_field_error(sales, query, field):
    with pytest.raises(ValidationFailed) as refused:
        sales.list_activities(query)

    assert field in refused.value.errors
