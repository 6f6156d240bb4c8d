"""Listing accounts (filters, search, keyset pagination by name) and the
account hierarchy."""

import uuid

import pytest

from shared.schemas.errors import NotFound, ValidationFailed
from tests.sales.conftest import account_data, unique


def ids(page):
    return [item["id"] for item in page["items"]]


@pytest.fixture(scope="module")
def book(sales):
    """Accounts of one owner of their own: {key: account}."""
    owner = unique("owner")
    tag = unique()
    specs = {
        "zeta": {"name": f"Zeta {tag}", "type": "customer", "industry": "Retail", "country": "DE"},
        "alpha": {"name": f"Alpha {tag} GmbH", "type": "prospect", "industry": "Software", "country": "DE",
                  "domain": f"alpha-{tag}.example.net"},
        "beta": {"name": f"beta {tag}", "type": "partner", "industry": "Software", "country": "FR"},
        "gamma": {"name": f"Gamma {tag}", "type": "customer", "industry": "Software", "country": "FR"},
        "delta": {"name": f"Delta {tag}", "type": "competitor"},
    }
    accounts = {key: sales.create_account({**spec, "owner": owner}, "tester") for key, spec in specs.items()}
    merged_survivor = sales.create_account({"name": f"Epsilon {tag}", "owner": owner})
    merged = sales.create_account({"name": f"Eta {tag}", "owner": owner})
    sales.merge_accounts(merged_survivor["id"], merged["id"])
    accounts["epsilon"], accounts["eta"] = sales.get_account(merged_survivor["id"]), sales.get_account(merged["id"])
    return {"owner": owner, "tag": tag, **accounts}


def test_accounts_are_listed_by_normalised_name(sales, book):
    page = sales.list_accounts({"owner": book["owner"]})
    assert ids(page) == [book[key]["id"] for key in ("alpha", "beta", "delta", "epsilon", "gamma", "zeta")]
    assert page["next_cursor"] is None
    assert page["items"][0] == book["alpha"]


def test_merged_accounts_are_left_out_unless_asked_for(sales, book):
    everything = sales.list_accounts({"owner": book["owner"], "include_merged": True})
    assert book["eta"]["id"] in ids(everything)
    assert len(everything["items"]) == 7


@pytest.mark.parametrize(("query", "expected"), [
    ({"type": ["customer"]}, ["gamma", "zeta"]),
    ({"type": ["customer", "partner"]}, ["beta", "gamma", "zeta"]),
    ({"industry": "Software"}, ["alpha", "beta", "gamma"]),
    ({"country": "fr"}, ["beta", "gamma"]),
    ({"country": "DE", "industry": "Software"}, ["alpha"]),
    ({"type": ["reseller"]}, []),
])
def test_filters(sales, book, query, expected):
    page = sales.list_accounts({"owner": book["owner"], **query})
    assert ids(page) == [book[key]["id"] for key in expected]


def test_search_over_name_and_domain(sales, book):
    tag = book["tag"]
    assert ids(sales.list_accounts({"q": f"gamma {tag}"})) == [book["gamma"]["id"]]
    assert ids(sales.list_accounts({"q": f"{tag.upper()} GAM"})) == [book["gamma"]["id"]]
    assert ids(sales.list_accounts({"q": f"alpha-{tag}.example"})) == [book["alpha"]["id"]]
    assert ids(sales.list_accounts({"q": f"example.net {tag}"})) == [book["alpha"]["id"]]
    assert ids(sales.list_accounts({"q": f"{tag} nothing-like-it"})) == []
    assert len(ids(sales.list_accounts({"q": tag}))) == 6


def test_search_text_is_not_a_pattern(sales, book):
    assert ids(sales.list_accounts({"q": f"%{book['tag']}"})) == []
    assert ids(sales.list_accounts({"q": "_" * 30})) == []


def test_pages_follow_each_other_without_gaps_or_repeats(sales, book):
    seen, cursor = [], None
    for _ in range(10):
        page = sales.list_accounts({"owner": book["owner"], "limit": 2, "cursor": cursor})
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids(sales.list_accounts({"owner": book["owner"]}))


def test_pages_stay_stable_when_an_account_is_added_before_the_cursor(sales, book):
    first = sales.list_accounts({"owner": book["owner"], "limit": 3})
    sales.create_account({"name": f"Aardvark {book['tag']}", "owner": book["owner"]})

    rest = sales.list_accounts({"owner": book["owner"], "limit": 10, "cursor": first["next_cursor"]})

    assert ids(rest) == [book[key]["id"] for key in ("epsilon", "gamma", "zeta")]


def test_children_by_parent_id(sales):
    parent = sales.create_account(account_data())
    kids = [sales.create_account(account_data(name=f"{name} {unique()}", parent_id=parent["id"]))
            for name in ("Kid B", "Kid A")]
    assert ids(sales.list_accounts({"parent_id": parent["id"]})) == [kids[1]["id"], kids[0]["id"]]


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"type": "customer"}, "type"),
    ({"type": ["friend"]}, "type"),
    ({"country": "Germany"}, "country"),
    ({"parent_id": "nope"}, "parent_id"),
    ({"include_merged": "perhaps"}, "include_merged"),
    ({"q": "x" * 201}, "q"),
    ({"sort": "domain"}, "sort"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "fA=="}, "cursor"),
    ({"cursor": "Zm9vfGJhcg=="}, "cursor"),  # "foo|bar": two parts, but no name and id
])
def test_bad_queries_are_refused(sales, query, field):
    with pytest.raises(ValidationFailed) as raised:
        sales.list_accounts(query)
    assert field in raised.value.errors


def test_no_query_is_the_first_page(sales, book):
    page = sales.list_accounts()
    assert 1 <= len(page["items"]) <= 50


# Hierarchy -------------------------------------------------------------------

def test_hierarchy_lists_the_ancestors_up_to_the_root_and_the_live_children(sales):
    root = sales.create_account(account_data(name=f"Root {unique()}"))
    middle = sales.create_account(account_data(name=f"Middle {unique()}", parent_id=root["id"]))
    account = sales.create_account(account_data(name=f"Leaf {unique()}", parent_id=middle["id"]))
    child_b = sales.create_account(account_data(name=f"Child B {unique()}", parent_id=account["id"]))
    child_a = sales.create_account(account_data(name=f"Child A {unique()}", parent_id=account["id"]))
    grandchild = sales.create_account(account_data(parent_id=child_a["id"]))
    gone = sales.create_account(account_data(name=f"Child C {unique()}", parent_id=account["id"]))
    sales.merge_accounts(child_b["id"], gone["id"])

    tree = sales.account_hierarchy(account["id"])

    assert tree["account"] == sales.get_account(account["id"])
    assert [row["id"] for row in tree["ancestors"]] == [middle["id"], root["id"]]
    assert [row["id"] for row in tree["children"]] == [child_a["id"], child_b["id"]]
    assert grandchild["id"] not in [row["id"] for row in tree["children"]]
    assert sales.account_hierarchy(root["id"])["ancestors"] == []


def test_hierarchy_of_an_unknown_or_malformed_id_is_not_found(sales):
    for bad in (str(uuid.uuid4()), "nope", None):
        with pytest.raises(NotFound):
            sales.account_hierarchy(bad)
