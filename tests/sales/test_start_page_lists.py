"""The lists a start page shows: someone's open tasks (and meetings) soonest
due first, in a due window; someone's opportunities most recently changed
first or closing in a period; keyset pages that keep those orders."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.activities import ActivityQuerySchema
from shared.schemas.sales.opportunities import OpportunityQuerySchema
from tests.sales.activities_support import call, make_account
from tests.sales.opportunity_helpers import new_account, opportunity_data
from tests.services import unique

NOW = datetime.now(UTC).replace(microsecond=0)


def due(minutes):
    return (NOW + timedelta(minutes=minutes)).isoformat()


def every_page(list_page, query, limit):
    """The ids of every page of a list, ``limit`` at a time."""
    ids, cursor = [], None
    while True:
        page = list_page({**query, "limit": limit, **({"cursor": cursor} if cursor else {})})
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


@pytest.fixture(scope="module")
def agenda(sales, db):
    """Someone's tasks and meetings, and a task of someone else's."""
    account_id, me = make_account(db), unique("me")

    def log(kind, minutes, **fields):
        data = call(kind=kind, account_id=account_id, **{"owner": me, "status": "open", **fields})
        if minutes is not None:
            data["due_at"] = due(minutes)
        return sales.log_activity(data)["id"]

    made = {
        "later": log("task", 120), "overdue": log("task", -60), "soon": log("task", 30), "undated": log("task", None),
        "done": log("task", 10, status="done"), "meeting": log("meeting", 45),
        "theirs": log("task", 5, owner=unique("you")),
    }
    return {"me": me, **made}


def named(agenda, ids):
    by_id = {value: key for key, value in agenda.items()}
    return [by_id.get(item_id, item_id) for item_id in ids]


def test_my_open_tasks_soonest_due_first_undated_last(sales, agenda):
    query = {"owner": agenda["me"], "kind": ["task"], "status": ["open"], "sort": "due_at"}

    page = sales.list_activities(query)

    assert named(agenda, [item["id"] for item in page["items"]]) == ["overdue", "soon", "later", "undated"]
    assert every_page(sales.list_activities, query, 1) == [item["id"] for item in page["items"]]
    assert every_page(sales.list_activities, query, 3) == [item["id"] for item in page["items"]]


def test_due_windows(sales, agenda):
    mine = {"owner": agenda["me"], "status": ["open"], "sort": "due_at"}

    def window(**query):
        return named(agenda, [item["id"] for item in sales.list_activities({**mine, **query})["items"]])

    assert window(kind=["task"], due_before=due(0)) == ["overdue"]
    assert window(kind=["task"], due_after=due(0), due_before=due(90)) == ["soon"]
    assert window(kind=["task"], due_after=due(0)) == ["soon", "later"]
    assert window(kind=["meeting"], due_after=due(0), due_before=due(24 * 60)) == ["meeting"]
    assert window(kind=["task", "meeting"], due_after=due(30), due_before=due(45)) == ["soon"]


def test_a_completed_task_leaves_the_list(sales, db):
    me = unique("me")
    task = sales.log_activity(call(kind="task", account_id=make_account(db), owner=me, due_at=due(15)))
    query = {"owner": me, "kind": ["task"], "status": ["open"], "sort": "due_at"}
    assert [item["id"] for item in sales.list_activities(query)["items"]] == [task["id"]]

    sales.update_activity(task["id"], {"status": "done"}, "me")

    assert sales.list_activities(query)["items"] == []


@pytest.mark.parametrize(("query", "field"), [
    ({"due_after": due(60), "due_before": due(0)}, "due_after"),
    ({"due_after": "2026-12-01T10:00:00"}, "due_after"),
    ({"sort": "-due_at"}, "sort"),
])
def test_bad_task_queries_are_refused(sales, query, field):
    with pytest.raises(ValidationFailed) as refused:
        sales.list_activities(query)
    assert field in refused.value.errors


def test_a_cursor_of_one_sort_is_refused_by_the_other(sales, agenda):
    newest_first = sales.list_activities({"owner": agenda["me"], "limit": 1})
    with pytest.raises(ValidationFailed) as refused:
        sales.list_activities({"owner": agenda["me"], "sort": "due_at", "cursor": newest_first["next_cursor"]})
    assert "cursor" in refused.value.errors


def test_the_query_contracts_document_the_defaults():
    assert ActivityQuerySchema().load({})["sort"] == "-occurred_at"
    assert OpportunityQuerySchema().load({})["sort"] == "-created_at"


# Opportunities -----------------------------------------------------------------

def test_my_opportunities_most_recently_changed_first(sales, db):
    account_id, me = new_account(db), unique("me")
    first, second, third = (sales.create_opportunity(opportunity_data(account_id, owner=me)) for _ in range(3))
    sales.create_opportunity(opportunity_data(account_id, owner=unique("you")))
    sales.update_opportunity(first["id"], {"next_step": "Send the offer"}, me)

    query = {"owner": me, "sort": "-updated_at"}
    page = sales.list_opportunities(query)

    assert [item["id"] for item in page["items"]] == [first["id"], third["id"], second["id"]]
    assert every_page(sales.list_opportunities, query, 1) == [first["id"], third["id"], second["id"]]
    assert {(item["amount"], item["currency"]) for item in page["items"]} == {("1000.00", "EUR")}
    assert [item["id"] for item in sales.list_opportunities({"owner": me})["items"]] == [
        third["id"], second["id"], first["id"]]


def test_my_open_opportunities_closing_in_a_quarter(sales, db):
    account_id, me = new_account(db), unique("me")

    def make(close, **fields):
        return sales.create_opportunity(opportunity_data(account_id, owner=me, expected_close_date=close,
                                                         **fields))["id"]

    inside, edge = make("2026-11-15"), make("2026-12-31")
    make("2027-01-01")
    make("2026-11-20", stage="closed_won")

    page = sales.list_opportunities({"owner": me, "category": ["open"], "close_from": "2026-10-01",
                                     "close_to": "2026-12-31", "sort": "-updated_at"})

    assert [item["id"] for item in page["items"]] == [edge, inside]


def test_an_unknown_opportunity_sort_is_refused(sales):
    with pytest.raises(ValidationFailed) as refused:
        sales.list_opportunities({"sort": "amount"})
    assert "sort" in refused.value.errors
