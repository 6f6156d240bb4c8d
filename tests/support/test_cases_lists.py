"""The cases list: filters, sorts (``due``: the least business time left on
a running SLA clock first, paused last), cursor pages, status counts."""

import pytest

from shared.schemas.errors import ValidationFailed
from tests.support.conftest import known_account, unique


@pytest.fixture
def tag():
    return f"t{unique()}".lower()


def ids(page):
    return [item["id"] for item in page["items"]]


def test_sort_due_puts_the_least_time_left_first_and_paused_last(support, tag):
    low = support.create_case({"subject": "Low", "priority": "low", "tags": [tag]})
    paused = support.create_case({"subject": "Paused", "priority": "urgent", "tags": [tag]})
    support.change_case_status(paused["id"], "pending", "ann")
    urgent = support.create_case({"subject": "Urgent", "priority": "urgent", "tags": [tag]})
    normal = support.create_case({"subject": "Normal", "priority": "normal", "tags": [tag]})
    page = support.list_cases({"tag": tag, "sort": "due"})
    assert ids(page) == [urgent["id"], normal["id"], low["id"], paused["id"]]
    # page by page, the same order
    seen, cursor = [], None
    while True:
        page = support.list_cases({"tag": tag, "sort": "due", "limit": 1, **({"cursor": cursor} if cursor else {})})
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [urgent["id"], normal["id"], low["id"], paused["id"]]
    assert ids(support.list_cases({"tag": tag, "sla": "paused"})) == [paused["id"]]
    assert all(item["sla"] for item in support.list_cases({"tag": tag})["items"])


def test_filters_and_counts(support, db, tag):
    account = known_account(db)
    first = support.create_case({"subject": f"Alpha {tag}", "account_id": account, "tags": [tag],
                                 "channel": "email", "priority": "high"})
    second = support.create_case({"subject": "Beta", "tags": [tag], "type": "problem"})
    support.change_case_status(second["id"], "open", "ann")
    assert ids(support.list_cases({"tag": tag})) == [second["id"], first["id"]]
    assert ids(support.list_cases({"tag": tag, "sort": "created_at"})) == [first["id"], second["id"]]
    assert ids(support.list_cases({"tag": tag, "sort": "-number"})) == [second["id"], first["id"]]
    assert ids(support.list_cases({"account_id": account})) == [first["id"]]
    assert ids(support.list_cases({"tag": tag, "status": ["open"]})) == [second["id"]]
    assert ids(support.list_cases({"tag": tag, "priority": ["high", "urgent"]})) == [first["id"]]
    assert ids(support.list_cases({"tag": tag, "channel": ["email"]})) == [first["id"]]
    assert ids(support.list_cases({"tag": tag, "type": ["problem"]})) == [second["id"]]
    assert ids(support.list_cases({"q": f"alpha {tag}"})) == [first["id"]]
    assert ids(support.list_cases({"q": first["number"]})) == [first["id"]]
    assert ids(support.list_cases({"tag": tag, "unassigned": True})) == [second["id"], first["id"]]
    counts = support.count_cases({"tag": tag})
    assert counts == {"by_status": {"new": 1, "open": 1, "pending": 0, "on_hold": 0, "resolved": 0, "closed": 0},
                      "total": 2}


@pytest.mark.parametrize(("query", "field"), [
    ({"status": ["lost"]}, "status"), ({"sort": "price"}, "sort"), ({"limit": 0}, "limit"),
    ({"cursor": "%%"}, "cursor"), ({"colour": "red"}, "colour"), ({"sla": "late"}, "sla"),
    ({"account_id": "nope"}, "account_id"), ({"owner_id": "ann"}, "owner_id"),
])
def test_bad_queries_are_refused(support, query, field):
    with pytest.raises(ValidationFailed) as raised:
        support.list_cases(query)
    assert field in raised.value.errors


def test_a_cursor_of_another_sort_is_refused(support, tag):
    for _ in range(2):
        support.create_case({"subject": "Paged", "tags": [tag]})
    cursor = support.list_cases({"tag": tag, "limit": 1})["next_cursor"]
    with pytest.raises(ValidationFailed):
        support.list_cases({"tag": tag, "limit": 1, "sort": "due", "cursor": cursor})


def test_counts_refuse_paging_and_status(support):
    for query in ({"status": ["new"]}, {"limit": 5}, {"sort": "due"}):
        with pytest.raises(ValidationFailed):
            support.count_cases(query)
