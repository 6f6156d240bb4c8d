"""Creating and reading accounts: defaults, normalisation, dedup on domain
and normalised name (also under concurrency), events and bad input."""

import uuid

import pytest

from shared.schemas.errors import DuplicateFound, NotFound, ValidationFailed
from tests.sales.conftest import account_data, concurrently, unique


def count_accounts(db, **where):
    clauses = " AND ".join(f"{column} = %s" for column in where) or "true"
    return db.scalar(f"SELECT count(*) FROM accounts WHERE {clauses}", tuple(where.values()))


def test_create_returns_the_account_with_defaults(sales, db):
    data = account_data(size=120, owner="sam", attributes={"tier": "gold"},
                        addresses=[{"kind": "billing", "street": "Main St 1", "city": "Berlin", "country": "de"},
                                   {"city": "Munich"}])

    account = sales.create_account(data, "tester")

    assert uuid.UUID(account["id"])
    assert account["name"] == data["name"]
    assert account["domain"] == data["domain"]
    assert account["type"] == "prospect"
    assert account["size"] == 120
    assert account["owner"] == "sam"
    assert account["attributes"] == {"tier": "gold"}
    assert account["addresses"] == [
        {"kind": "billing", "street": "Main St 1", "city": "Berlin", "region": None, "postal_code": None,
         "country": "DE"},
        {"kind": "office", "street": None, "city": "Munich", "region": None, "postal_code": None, "country": None},
    ]
    assert account["merged_into"] is None and account["parent_id"] is None
    assert account["version"] == 1
    assert account["created_by"] == "tester"
    assert account["created_at"] == account["updated_at"]
    assert sales.get_account(account["id"]) == account


def test_the_domain_is_stored_normalised_and_the_name_as_typed(sales, db):
    tag = unique()
    account = sales.create_account({"name": f"  {tag} Rockets, Inc. ", "domain": f"https://WWW.{tag}.Example.com/x",
                                    "country": "fr", "type": "customer"})

    assert account["name"] == f"{tag} Rockets, Inc."
    assert account["domain"] == f"{tag}.example.com"
    assert account["country"] == "FR"
    assert account["type"] == "customer"
    assert db.scalar("SELECT name_norm FROM accounts WHERE id = %s", (account["id"],)) == f"{tag} rockets"


def test_create_publishes_one_account_created_event(sales, db, events):
    account = sales.create_account(account_data(), "tester")

    events.settle(db, [account["id"]])

    received = events.of(subject_id=account["id"])
    assert [event.type for event in received] == ["account.created"]
    assert received[0].data == {"account": account}
    assert received[0].envelope["producer"] == "sales"


# Dedup ----------------------------------------------------------------------

def test_the_same_domain_in_another_form_is_a_duplicate(sales, db, events):
    first = sales.create_account(account_data(), "tester")

    with pytest.raises(DuplicateFound) as raised:
        sales.create_account(account_data(domain=f"http://www.{first['domain'].upper()}/contact"), "tester")

    error = raised.value
    assert error.status == 409
    assert error.extra == {"existing_id": first["id"]}
    assert first["id"] in error.detail
    assert list(error.errors) == ["domain"]
    assert count_accounts(db, domain=first["domain"]) == 1
    events.settle(db, [first["id"]])
    assert len(events.of("account.created")) == 1


@pytest.mark.parametrize("variant", ["{tag} GmbH", "{TAG}, Inc.", "  {tag}   ltd. ", "{tag} S.A."])
def test_the_same_normalised_name_in_the_same_country_is_a_duplicate(sales, db, variant):
    tag = unique()
    first = sales.create_account({"name": f"{tag} AG", "country": "DE"})

    with pytest.raises(DuplicateFound) as raised:
        sales.create_account({"name": variant.format(tag=tag, TAG=tag.upper()), "country": "de"})

    assert raised.value.extra["existing_id"] == first["id"]
    assert list(raised.value.errors) == ["name"]
    assert "in DE" in raised.value.errors["name"][0]
    assert db.scalar("SELECT count(*) FROM accounts WHERE name_norm = %s", (tag,)) == 1


def test_the_same_name_in_another_country_or_without_one_is_not_a_duplicate(sales):
    tag = unique()
    german = sales.create_account({"name": f"{tag} GmbH", "country": "DE"})
    french = sales.create_account({"name": f"{tag} SA", "country": "FR"})
    nowhere = sales.create_account({"name": tag})

    assert len({german["id"], french["id"], nowhere["id"]}) == 3
    with pytest.raises(DuplicateFound) as raised:
        sales.create_account({"name": f"{tag} Inc."})
    assert raised.value.extra["existing_id"] == nowhere["id"]


def test_both_keys_taken_name_both_fields(sales):
    by_domain = sales.create_account(account_data())
    by_name = sales.create_account(account_data(domain=None, country="IT"))

    with pytest.raises(DuplicateFound) as raised:
        sales.create_account({"name": by_name["name"], "country": "IT", "domain": by_domain["domain"]})

    assert raised.value.extra["existing_id"] == by_domain["id"]
    assert by_domain["id"] in raised.value.errors["domain"][0]
    assert by_name["id"] in raised.value.errors["name"][0]


def test_a_merged_accounts_domain_and_name_can_be_used_again(sales):
    survivor = sales.create_account(account_data())
    duplicate = sales.create_account(account_data(country="AT"))
    sales.merge_accounts(survivor["id"], duplicate["id"], "tester")

    again = sales.create_account({"name": duplicate["name"], "country": "AT", "domain": duplicate["domain"]})

    assert again["id"] not in (survivor["id"], duplicate["id"])


def test_concurrent_creates_of_the_same_domain_make_one_account(sales, db, rpc_proxy):
    tag = unique()
    calls = [lambda cluster, n=n: cluster.sales.create_account({"name": f"Racer {tag} {n}",
                                                                "domain": f"{tag}.example.org"}, "racer")
             for n in range(6)]

    results = concurrently(rpc_proxy, calls)

    created = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(created) == 1, results
    assert all(isinstance(error, DuplicateFound) for error in refused), refused
    assert {error.extra["existing_id"] for error in refused} == {created[0]["id"]}
    assert count_accounts(db, domain=f"{tag}.example.org") == 1


def test_concurrent_creates_of_the_same_name_make_one_account(sales, db, rpc_proxy):
    tag = unique()
    spellings = [f"{tag} GmbH", f"{tag.upper()} Ltd", f"{tag}", f"{tag}, Inc.", f"{tag} LLC"]
    calls = [lambda cluster, name=name: cluster.sales.create_account({"name": name, "country": "NL"})
             for name in spellings]

    results = concurrently(rpc_proxy, calls)

    created = [result for result in results if isinstance(result, dict)]
    assert len(created) == 1, results
    assert all(isinstance(result, DuplicateFound) for result in results if result not in created)
    assert db.scalar("SELECT count(*) FROM accounts WHERE name_norm = %s", (tag,)) == 1


# Parents --------------------------------------------------------------------

def test_create_with_a_parent(sales):
    parent = sales.create_account(account_data())
    child = sales.create_account(account_data(parent_id=parent["id"]))
    assert child["parent_id"] == parent["id"]


def test_the_parent_must_exist_and_be_live(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.create_account(account_data(parent_id=str(uuid.uuid4())))
    assert raised.value.errors == {"parent_id": ["No such account."]}

    survivor = sales.create_account(account_data())
    merged = sales.create_account(account_data())
    sales.merge_accounts(survivor["id"], merged["id"])
    with pytest.raises(ValidationFailed) as raised:
        sales.create_account(account_data(parent_id=merged["id"]))
    assert raised.value.extra["merged_into"] == survivor["id"]
    assert survivor["id"] in raised.value.errors["parent_id"][0]


# Reading --------------------------------------------------------------------

def test_get_of_an_unknown_or_malformed_id_is_not_found(sales):
    with pytest.raises(NotFound):
        sales.get_account(str(uuid.uuid4()))
    for bad in ("nope", "", None, 42, "12345678-1234-1234-1234-12345678901z"):
        with pytest.raises(NotFound):
            sales.get_account(bad)


def test_a_merged_account_is_returned_with_its_survivor(sales):
    survivor = sales.create_account(account_data())
    duplicate = sales.create_account(account_data())
    sales.merge_accounts(survivor["id"], duplicate["id"])

    merged = sales.get_account(duplicate["id"])

    assert merged["merged_into"] == survivor["id"]
    assert merged["version"] == duplicate["version"] + 1


# Bad input ------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    ({}, "name"),
    ({"name": "   "}, "name"),
    ({"name": None}, "name"),
    ({"name": 42}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Acme", "domain": "not a domain"}, "domain"),
    ({"name": "Acme", "domain": "https://"}, "domain"),
    ({"name": "Acme", "domain": "x" * 256}, "domain"),
    ({"name": "Acme", "country": "Germany"}, "country"),
    ({"name": "Acme", "country": "D1"}, "country"),
    ({"name": "Acme", "size": -1}, "size"),
    ({"name": "Acme", "size": "many"}, "size"),
    ({"name": "Acme", "type": "friend"}, "type"),
    ({"name": "Acme", "type": None}, "type"),
    ({"name": "Acme", "parent_id": "nope"}, "parent_id"),
    ({"name": "Acme", "owner": "x" * 101}, "owner"),
    ({"name": "Acme", "attributes": ["a"]}, "attributes"),
    ({"name": "Acme", "attributes": {str(n): n for n in range(101)}}, "attributes"),
    ({"name": "Acme", "addresses": {"city": "Berlin"}}, "addresses"),
    ({"name": "Acme", "addresses": [{"kind": "home"}]}, "addresses"),
    ({"name": "Acme", "addresses": [{"city": "Berlin", "planet": "Earth"}]}, "addresses"),
    ({"name": "Acme", "addresses": [{"city": "Berlin"}] * 21}, "addresses"),
    ({"name": "Acme", "merged_into": str(uuid.uuid4())}, "merged_into"),
    ({"name": "Acme", "version": 3}, "version"),
    ({"name": "Acme", "nmae": "typo"}, "nmae"),
])
def test_bad_input_is_refused_with_field_errors(sales, db, data, field):
    before = db.scalar("SELECT count(*) FROM accounts")
    with pytest.raises(ValidationFailed) as raised:
        sales.create_account(data, "tester")
    assert raised.value.status == 422
    assert field in raised.value.errors, raised.value.errors
    assert db.scalar("SELECT count(*) FROM accounts") == before


@pytest.mark.parametrize("data", [None, [], "Acme", 42])
def test_a_body_that_is_no_object_is_refused(sales, data):
    with pytest.raises(ValidationFailed) as raised:
        sales.create_account(data)
    assert raised.value.errors == {"_schema": ["Expected a JSON object."]}

