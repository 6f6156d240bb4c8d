"""The domain functions other areas of the sales service call (conversion,
opportunities, activities), on a connection of their own, and the contracts
the snapshots and events follow."""

import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from services.sales.accounts.commands import (
    account_snapshot,
    create_account,
    find_duplicate,
    get_live_account,
    merge_accounts,
)
from services.sales.contacts.commands import contact_snapshot, create_contact, find_by_email
from shared.schemas.errors import Conflict, DuplicateFound, NotFound
from shared.schemas.events import contract
from shared.schemas.sales.accounts import AccountCreateSchema, AccountSchema
from shared.schemas.sales.contacts import ContactCreateSchema, ContactSchema
from tests.sales.conftest import account_data, contact_data, unique


@pytest.fixture
def conn(sales_database_url, sales_migrated):
    """A connection in a transaction, committed after the test."""
    with psycopg.connect(sales_database_url, row_factory=dict_row, options="-c search_path=sales,public") as conn:
        yield conn


def new_account(conn, **fields):
    return create_account(conn, AccountCreateSchema().load(account_data(**fields)), "domain-test")


def test_create_account_returns_the_row_and_queues_its_event(conn):
    row = new_account(conn)
    assert isinstance(row["id"], uuid.UUID)
    assert row["created_by"] == "domain-test"
    body = conn.execute("SELECT body::jsonb AS body FROM outbox WHERE body::jsonb #>> '{data,account,id}' = %s",
                        (str(row["id"]),)).fetchone()["body"]
    assert body["type"] == "account.created"
    assert body["data"] == {"account": account_snapshot(row)}


def test_find_duplicate_by_domain_in_any_form_or_by_name_in_the_country(conn):
    tag = unique()
    by_domain = new_account(conn, domain=f"{tag}.example.com", name=f"{tag} Web")
    by_name = new_account(conn, domain=None, name=f"{tag} Holding GmbH", country="DE")
    nameless_country = new_account(conn, domain=None, name=f"{tag} Holding", country=None)

    assert find_duplicate(conn, domain=f"https://www.{tag.upper()}.example.com/path")["id"] == by_domain["id"]
    assert find_duplicate(conn, name=f"{tag.upper()} HOLDING AG", country="de")["id"] == by_name["id"]
    assert find_duplicate(conn, name=f"{tag} Holding Ltd")["id"] == nameless_country["id"]
    assert find_duplicate(conn, name=f"{tag} Holding", country="FR") is None
    # the domain wins over the name
    assert find_duplicate(conn, name=f"{tag} Holding", country="DE",
                          domain=f"{tag}.example.com")["id"] == by_domain["id"]
    assert find_duplicate(conn) is None
    assert find_duplicate(conn, domain="not a domain", name="   ") is None


def test_find_duplicate_skips_merged_accounts(conn):
    survivor, duplicate = new_account(conn), new_account(conn)
    merge_accounts(conn, survivor["id"], duplicate["id"], "domain-test")
    assert find_duplicate(conn, domain=duplicate["domain"]) is None


def test_get_live_account(conn):
    survivor, duplicate = new_account(conn), new_account(conn)
    assert get_live_account(conn, str(survivor["id"]))["id"] == survivor["id"]
    assert get_live_account(conn, survivor["id"])["id"] == survivor["id"]
    for missing in (uuid.uuid4(), "nope", None):
        with pytest.raises(NotFound):
            get_live_account(conn, missing)
    merge_accounts(conn, survivor["id"], duplicate["id"], "domain-test")
    with pytest.raises(Conflict) as raised:
        get_live_account(conn, duplicate["id"])
    assert raised.value.extra["merged_into"] == str(survivor["id"])
    assert str(survivor["id"]) in raised.value.detail


def test_create_contact_and_find_by_email(conn):
    account = new_account(conn)
    data = ContactCreateSchema().load(contact_data(account_id=str(account["id"])))
    row = create_contact(conn, data, "domain-test")

    assert find_by_email(conn, f"  {data['emails'][0].upper()} ")["id"] == row["id"]
    assert find_by_email(conn, f"other.{unique()}@example.com") is None
    assert find_by_email(conn, None) is None
    assert find_by_email(conn, "") is None
    with pytest.raises(DuplicateFound) as raised:
        create_contact(conn, ContactCreateSchema().load(contact_data(emails=data["emails"])), None)
    assert raised.value.extra["existing_id"] == str(row["id"])


def test_snapshots_follow_the_contracts(conn):
    parent = new_account(conn)
    account = new_account(conn, parent_id=str(parent["id"]), size=3, addresses=[{"city": "Oslo", "country": "no"}],
                          attributes={"x": [1, 2]}, owner="sam")
    contact = create_contact(conn, ContactCreateSchema().load(contact_data(account_id=str(account["id"]),
                                                                           phones=["+47 12345678"])), None)
    account_json, contact_json = account_snapshot(account), contact_snapshot(contact)

    assert AccountSchema().load(account_json)["id"] == account["id"]
    assert set(account_json) == set(AccountSchema().fields)
    assert ContactSchema().load(contact_json)["id"] == contact["id"]
    assert set(contact_json) == set(ContactSchema().fields)


def test_every_event_matches_its_registered_schema(conn):
    survivor, duplicate = new_account(conn, domain=None), new_account(conn)
    child = new_account(conn, parent_id=str(duplicate["id"]))
    create_contact(conn, ContactCreateSchema().load(contact_data(account_id=str(duplicate["id"]))), None)
    merge_accounts(conn, survivor["id"], duplicate["id"], None)
    ids = [str(row["id"]) for row in (survivor, duplicate, child)]
    bodies = [row["body"] for row in conn.execute(
        "SELECT body::jsonb AS body FROM outbox WHERE body::jsonb #>> '{data,account,id}' = ANY(%s)"
        " OR body::jsonb #>> '{data,contact,account_id}' = ANY(%s) ORDER BY id", (ids, ids))]

    types = sorted(body["type"] for body in bodies)
    assert types == sorted(["account.created"] * 3 + ["contact.created", "account.merged", "account.updated",
                                                      "account.updated", "contact.updated"])
    for body in bodies:
        contract(body["type"]).schema().load(body["data"])
