"""Updating accounts: PATCH semantics, versions, dedup, parents without
cycles (also under concurrency), events and bad input."""

import uuid

import pytest

from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.sales.conftest import account_data, concurrently, unique


def test_patch_changes_only_the_given_fields(sales, db, events):
    account = sales.create_account(account_data(owner="sam", size=10, attributes={"tier": "gold"}))

    updated = sales.update_account(account["id"], {"industry": "Retail", "size": None, "type": "customer",
                                                   "domain": f"https://www.{unique()}.example.com/"}, "editor")

    assert updated["industry"] == "Retail"
    assert updated["size"] is None
    assert updated["type"] == "customer"
    assert updated["domain"].endswith(".example.com") and "www" not in updated["domain"]
    assert (updated["owner"], updated["attributes"], updated["name"]) == ("sam", {"tier": "gold"}, account["name"])
    assert updated["version"] == 2
    assert updated["updated_at"] > account["updated_at"]
    assert sales.get_account(account["id"]) == updated

    events.settle(db, [account["id"]])
    received = events.of("account.updated", account["id"])
    assert len(received) == 1
    assert received[0].data == {"account": updated, "changed": ["domain", "industry", "size", "type"]}


def test_an_update_that_changes_nothing_keeps_the_version_and_publishes_nothing(sales, db, events):
    account = sales.create_account(account_data(owner="sam"))

    same = sales.update_account(account["id"], {"owner": "sam", "name": f"  {account['name']} ",
                                                "domain": account["domain"].upper()})

    assert same == account
    events.settle(db, [account["id"]])
    assert [event.type for event in events.of(subject_id=account["id"])] == ["account.created"]


def test_renaming_updates_the_match_key(sales, db):
    account = sales.create_account(account_data())
    tag = unique()
    sales.update_account(account["id"], {"name": f"{tag} Holdings Ltd."})
    assert db.scalar("SELECT name_norm FROM accounts WHERE id = %s", (account["id"],)) == f"{tag} holdings"


def test_attributes_and_addresses_are_replaced_as_a_whole(sales):
    account = sales.create_account(account_data(attributes={"a": 1, "b": 2}, addresses=[{"city": "Berlin"}]))

    updated = sales.update_account(account["id"], {"attributes": {"c": 3}, "addresses": []})

    assert updated["attributes"] == {"c": 3}
    assert updated["addresses"] == []


def test_a_stale_expected_version_is_a_precondition_failure(sales):
    account = sales.create_account(account_data())
    sales.update_account(account["id"], {"industry": "Retail"}, "a", expected_version=1)

    with pytest.raises(PreconditionFailed) as raised:
        sales.update_account(account["id"], {"industry": "Games"}, "b", expected_version=1)

    assert raised.value.status == 412
    assert raised.value.extra == {"current_version": 2}
    assert sales.get_account(account["id"])["industry"] == "Retail"
    assert sales.update_account(account["id"], {"industry": "Games"}, "b", expected_version="2")["version"] == 3


@pytest.mark.parametrize("version", [0, -1, "two", 1.5, True, [1]])
def test_a_malformed_expected_version_is_refused(sales, version):
    account = sales.create_account(account_data())
    with pytest.raises(ValidationFailed) as raised:
        sales.update_account(account["id"], {"industry": "Retail"}, "a", expected_version=version)
    assert list(raised.value.errors) == ["expected_version"]


def test_concurrent_updates_with_the_same_version_let_one_win(sales, rpc_proxy):
    account = sales.create_account(account_data())
    calls = [lambda cluster, n=n: cluster.sales.update_account(account["id"], {"owner": f"rep{n}"}, None, 1)
             for n in range(5)]

    results = concurrently(rpc_proxy, calls)

    assert sum(isinstance(result, dict) for result in results) == 1
    assert sum(isinstance(result, PreconditionFailed) for result in results) == 4
    assert sales.get_account(account["id"])["version"] == 2


def test_taking_another_accounts_domain_or_name_is_a_duplicate(sales):
    other = sales.create_account(account_data(country="ES"))
    account = sales.create_account(account_data(country="ES"))

    with pytest.raises(DuplicateFound) as raised:
        sales.update_account(account["id"], {"domain": f"www.{other['domain']}"})
    assert raised.value.extra["existing_id"] == other["id"]
    assert list(raised.value.errors) == ["domain"]

    with pytest.raises(DuplicateFound) as raised:
        sales.update_account(account["id"], {"name": f"{other['name']} S.L."})
    assert list(raised.value.errors) == ["name"]

    moved = sales.update_account(account["id"], {"name": f"{other['name']} S.L.", "country": "PT"})
    assert moved["country"] == "PT"
    with pytest.raises(DuplicateFound):
        sales.update_account(account["id"], {"country": "ES"})
    assert sales.get_account(account["id"]) == moved


def test_concurrent_renames_to_the_same_name_leave_one_account_with_it(sales, db, rpc_proxy):
    tag = unique()
    accounts = [sales.create_account(account_data()) for _ in range(4)]
    calls = [lambda cluster, account=account: cluster.sales.update_account(account["id"], {"name": f"{tag} AG"})
             for account in accounts]

    results = concurrently(rpc_proxy, calls)

    assert sum(isinstance(result, dict) for result in results) == 1, results
    assert all(isinstance(result, DuplicateFound) for result in results if not isinstance(result, dict))
    assert db.scalar("SELECT count(*) FROM accounts WHERE name_norm = %s", (tag,)) == 1


def test_a_merged_account_cannot_be_updated(sales):
    survivor = sales.create_account(account_data())
    duplicate = sales.create_account(account_data())
    sales.merge_accounts(survivor["id"], duplicate["id"])

    with pytest.raises(Conflict) as raised:
        sales.update_account(duplicate["id"], {"industry": "Retail"})

    assert raised.value.extra["merged_into"] == survivor["id"]
    assert survivor["id"] in raised.value.detail


# Parents ----------------------------------------------------------------------

def test_setting_and_clearing_the_parent(sales, db, events):
    parent = sales.create_account(account_data())
    account = sales.create_account(account_data())

    child = sales.update_account(account["id"], {"parent_id": parent["id"]})
    assert child["parent_id"] == parent["id"]
    orphan = sales.update_account(account["id"], {"parent_id": None})
    assert orphan["parent_id"] is None

    events.settle(db, [account["id"]])
    assert [event.data["changed"] for event in events.of("account.updated", account["id"])] == [["parent_id"]] * 2


def test_the_parent_must_exist_be_live_and_not_the_account(sales):
    account = sales.create_account(account_data())
    survivor = sales.create_account(account_data())
    merged = sales.create_account(account_data())
    sales.merge_accounts(survivor["id"], merged["id"])

    for parent_id, message in ((str(uuid.uuid4()), "No such account."),
                               (merged["id"], f"Merged into account {survivor['id']}."),
                               (account["id"], "The account itself.")):
        with pytest.raises(ValidationFailed) as raised:
            sales.update_account(account["id"], {"parent_id": parent_id})
        assert raised.value.errors == {"parent_id": [message]}
    assert sales.get_account(account["id"]) == account


def test_a_descendant_cannot_become_the_parent(sales):
    root = sales.create_account(account_data())
    middle = sales.create_account(account_data(parent_id=root["id"]))
    leaf = sales.create_account(account_data(parent_id=middle["id"]))

    for descendant in (middle, leaf):
        with pytest.raises(ValidationFailed) as raised:
            sales.update_account(root["id"], {"parent_id": descendant["id"]})
        assert raised.value.errors == {"parent_id": ["A descendant of this account (cycle)."]}
    assert sales.get_account(root["id"])["parent_id"] is None


def test_concurrent_parent_changes_never_make_a_cycle(sales, db, rpc_proxy):
    first = sales.create_account(account_data())
    second = sales.create_account(account_data())
    calls = [lambda cluster: cluster.sales.update_account(first["id"], {"parent_id": second["id"]}),
             lambda cluster: cluster.sales.update_account(second["id"], {"parent_id": first["id"]})] * 2

    results = concurrently(rpc_proxy, calls)

    refused = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, ValidationFailed) for error in refused), refused
    parents = {row["id"]: row["parent_id"] for row in db.all(
        "SELECT id::text, parent_id::text FROM accounts WHERE id = ANY(%s::uuid[])", ([first["id"], second["id"]],))}
    assert list(parents.values()).count(None) == 1, parents


def test_the_hierarchy_depth_is_bounded(sales):
    top = sales.create_account(account_data())
    chain = [top]
    for _ in range(49):
        chain.append(sales.create_account(account_data(parent_id=chain[-1]["id"])))

    with pytest.raises(ValidationFailed) as raised:
        sales.create_account(account_data(parent_id=chain[-1]["id"]))
    assert raised.value.errors == {"parent_id": ["At most 50 levels."]}

    other = sales.create_account(account_data())
    with pytest.raises(ValidationFailed):
        sales.update_account(top["id"], {"parent_id": other["id"]})
    assert len(sales.account_hierarchy(chain[-1]["id"])["ancestors"]) == 49


# Bad input ------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"name": None}, "name"),
    ({"name": "  "}, "name"),
    ({"name": ""}, "name"),
    ({"type": None}, "type"),
    ({"type": "friend"}, "type"),
    ({"domain": "nope"}, "domain"),
    ({"country": "XYZ"}, "country"),
    ({"size": 1.5}, "size"),
    ({"addresses": None}, "addresses"),
    ({"attributes": None}, "attributes"),
    ({"parent_id": 12}, "parent_id"),
    ({"merged_into": None}, "merged_into"),
    ({"id": str(uuid.uuid4())}, "id"),
    ({"version": 9}, "version"),
])
def test_bad_changes_are_refused_and_nothing_changes(sales, changes, field):
    account = sales.create_account(account_data())
    with pytest.raises(ValidationFailed) as raised:
        sales.update_account(account["id"], changes)
    assert field in raised.value.errors
    assert sales.get_account(account["id"]) == account


@pytest.mark.parametrize("changes", [None, ["name"], "name"])
def test_changes_that_are_no_object_are_refused(sales, changes):
    account = sales.create_account(account_data())
    with pytest.raises(ValidationFailed):
        sales.update_account(account["id"], changes)


def test_updating_an_unknown_or_malformed_id_is_not_found(sales):
    for bad in (str(uuid.uuid4()), "nope", None, 7):
        with pytest.raises(NotFound):
            sales.update_account(bad, {"industry": "Retail"})
