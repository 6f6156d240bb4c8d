"""Listing opportunities: keyset pages in a stable order, every filter, and
bad queries."""

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.opportunities import OpportunityPageSchema
from tests.sales.conftest import unique
from tests.sales.opportunity_helpers import new_account, opportunity_data, pipeline_data


@pytest.fixture(scope="module")
def book(service, rpc_proxy, db):
    """Opportunities of one account with an owner of their own."""
    account_id, owner, other_account = new_account(db), unique("owner"), new_account(db)
    with rpc_proxy() as cluster:
        sales = cluster.sales
        pipeline = sales.create_pipeline(pipeline_data())
        made = [
            sales.create_opportunity(opportunity_data(account_id, name="Alpha 100% deal", owner=owner,
                                                      expected_close_date="2026-01-10")),
            sales.create_opportunity(opportunity_data(account_id, name="Beta renewal", owner=owner,
                                                      stage="proposal", expected_close_date="2026-02-10")),
            sales.create_opportunity(opportunity_data(account_id, name="Gamma upsell", owner=owner,
                                                      stage="closed_won", expected_close_date="2026-03-10")),
            sales.create_opportunity(opportunity_data(account_id, name="Delta_expansion", owner=owner,
                                                      stage="closed_lost", loss_reason="price",
                                                      expected_close_date="2026-04-10")),
            sales.create_opportunity(opportunity_data(account_id, name="Epsilon pilot", owner=owner,
                                                      pipeline_id=pipeline["id"], expected_close_date="2026-05-10")),
            sales.create_opportunity(opportunity_data(other_account, name="Zeta elsewhere", owner=owner,
                                                      expected_close_date="2026-06-10")),
        ]
    return {"account_id": account_id, "owner": owner, "pipeline_id": pipeline["id"], "made": made}


def names(page):
    return [item["name"] for item in page["items"]]


def everything(sales, query):
    """Every item over all pages (and the number of pages)."""
    items, cursor, pages = [], None, 0
    while True:
        page = sales.list_opportunities({**query, "cursor": cursor})
        OpportunityPageSchema().load(page)
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


def test_pages_are_newest_first_and_stable(sales, book):
    items, pages = everything(sales, {"owner": book["owner"], "limit": 4})
    assert pages == 2
    assert [item["id"] for item in items] == [item["id"] for item in reversed(book["made"])]
    one_page = sales.list_opportunities({"owner": book["owner"], "limit": 6})
    assert one_page["next_cursor"] is None and one_page["items"] == items


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["Zeta elsewhere", "Epsilon pilot", "Delta_expansion", "Gamma upsell", "Beta renewal", "Alpha 100% deal"]),
    ({"account_id": "ACCOUNT"}, ["Epsilon pilot", "Delta_expansion", "Gamma upsell", "Beta renewal",
                                 "Alpha 100% deal"]),
    ({"pipeline_id": "PIPELINE"}, ["Epsilon pilot"]),
    ({"stage": ["proposal", "closed_won"]}, ["Gamma upsell", "Beta renewal"]),
    ({"category": ["won", "lost"]}, ["Delta_expansion", "Gamma upsell"]),
    ({"category": ["open"], "pipeline_id": "default"}, ["Zeta elsewhere", "Beta renewal", "Alpha 100% deal"]),
    ({"close_from": "2026-02-10", "close_to": "2026-04-10"}, ["Delta_expansion", "Gamma upsell", "Beta renewal"]),
    ({"close_from": "2026-05-11"}, ["Zeta elsewhere"]),
    ({"close_to": "2026-01-10"}, ["Alpha 100% deal"]),
    ({"q": "upsell"}, ["Gamma upsell"]),
    ({"q": "100%"}, ["Alpha 100% deal"]),
    ({"q": "a_e"}, ["Delta_expansion"]),
    ({"q": "nothing like this"}, []),
])
def test_filters(sales, book, query, expected):
    query = {key: {"ACCOUNT": book["account_id"], "PIPELINE": book["pipeline_id"]}.get(value, value)
             if isinstance(value, str) else value for key, value in query.items()}
    assert names(sales.list_opportunities({**query, "owner": book["owner"]})) == expected


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"category": ["pending"]}, "category"),
    ({"category": "open"}, "category"),
    ({"stage": ["Not A Stage"]}, "stage"),
    ({"account_id": "nope"}, "account_id"),
    ({"close_from": "yesterday"}, "close_from"),
    ({"close_from": "2026-05-01", "close_to": "2026-04-01"}, "close_to"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "bm90fGF8dGltZQ=="}, "cursor"),
    ({"cursor": "bm90IGEgdGltZXxub3QgYSB1dWlk"}, "cursor"),
    ({"q": "x" * 201}, "q"),
    ({"sort": "amount"}, "sort"),
])
def test_bad_queries_are_refused_naming_the_field(sales, query, field):
    with pytest.raises(ValidationFailed) as caught:
        sales.list_opportunities(query)
    assert field in caught.value.errors


@pytest.mark.parametrize("query", ["owner=me", ["owner"], 5])
def test_a_query_must_be_an_object(sales, query):
    with pytest.raises(ValidationFailed):
        sales.list_opportunities(query)
