"""Contacts: create, read, list (filters, search, pagination), update,
dedup on the primary email (also under concurrency), events, bad input."""

import uuid

import pytest

from shared.schemas.errors import DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.sales.conftest import account_data, concurrently, contact_data, unique


def ids(page):
    return [item["id"] for item in page["items"]]


def test_create_returns_the_contact_with_defaults(sales):
    account = sales.create_account(account_data())
    data = contact_data(account_id=account["id"], title="CTO", role="decision_maker", phones=["+49 30 1234567"],
                        owner="sam", attributes={"linkedin": "grace"}, do_not_call=True)

    contact = sales.create_contact(data, "tester")

    assert uuid.UUID(contact["id"])
    assert {key: contact[key] for key in data} == {**data, "phones": ["+49301234567"]}  # E.164
    assert contact["phones_text"] == ["+49 30 1234567"]  # as given
    assert contact["do_not_email"] is False
    assert contact["version"] == 1
    assert contact["created_by"] == "tester"
    assert sales.get_contact(contact["id"]) == contact


def test_emails_keep_their_spelling_and_order_each_once(sales, db):
    tag = unique()
    contact = sales.create_contact({"last_name": "Lovelace", "emails": [f" Ada.{tag}@Example.com ", "ada@home.org",
                                                                       f"ADA.{tag}@example.com"]})

    assert contact["emails"] == [f"Ada.{tag}@Example.com", "ada@home.org"]
    assert db.scalar("SELECT email_norm FROM contacts WHERE id = %s", (contact["id"],)) == f"ada.{tag}@example.com"


def test_a_contact_without_email_or_account(sales):
    contact = sales.create_contact({"first_name": "Ada"})
    assert (contact["emails"], contact["phones"], contact["account_id"]) == ([], [], None)


def test_create_publishes_one_contact_created_event(sales, db, events):
    contact = sales.create_contact(contact_data(), "tester")
    events.settle(db, [contact["id"]])
    assert [event.data for event in events.of(subject_id=contact["id"])] == [{"contact": contact}]
    assert events.of("contact.created", contact["id"])[0].envelope["producer"] == "sales"


def test_the_account_must_exist_and_be_live(sales, db):
    with pytest.raises(ValidationFailed) as raised:
        sales.create_contact(contact_data(account_id=str(uuid.uuid4())))
    assert raised.value.errors == {"account_id": ["No such account."]}

    survivor, merged = (sales.create_account(account_data()) for _ in range(2))
    sales.merge_accounts(survivor["id"], merged["id"])
    data = contact_data(account_id=merged["id"])
    with pytest.raises(ValidationFailed) as raised:
        sales.create_contact(data)
    assert raised.value.extra == {"merged_into": survivor["id"]}
    assert db.scalar("SELECT count(*) FROM contacts WHERE email_norm = %s", (data["emails"][0],)) == 0


# Dedup ----------------------------------------------------------------------

def test_the_same_primary_email_is_a_duplicate(sales, db, events):
    first = sales.create_contact(contact_data())

    with pytest.raises(DuplicateFound) as raised:
        sales.create_contact(contact_data(emails=[f"  {first['emails'][0].upper()} "]))

    assert raised.value.status == 409
    assert raised.value.extra == {"existing_id": first["id"]}
    assert list(raised.value.errors) == ["emails"]
    assert db.scalar("SELECT count(*) FROM contacts WHERE email_norm = %s", (first["emails"][0],)) == 1
    events.settle(db, [first["id"]])
    assert len(events.of("contact.created")) == 1


def test_an_email_that_is_only_another_contacts_second_one_is_no_duplicate(sales):
    first = sales.create_contact(contact_data(emails=[f"a.{unique()}@example.com", f"b.{unique()}@example.com"]))
    second = sales.create_contact(contact_data(emails=[first["emails"][1]]))
    assert second["id"] != first["id"]


def test_concurrent_creates_with_the_same_email_make_one_contact(sales, db, rpc_proxy):
    email = f"race.{unique()}@example.com"
    spellings = [email, email.upper(), f" {email} ", email.title(), email]
    calls = [lambda cluster, spelling=spelling: cluster.sales.create_contact(contact_data(emails=[spelling]))
             for spelling in spellings]

    results = concurrently(rpc_proxy, calls)

    created = [result for result in results if isinstance(result, dict)]
    assert len(created) == 1, results
    assert {result.extra["existing_id"] for result in results if not isinstance(result, dict)} == {created[0]["id"]}
    assert db.scalar("SELECT count(*) FROM contacts WHERE email_norm = %s", (email,)) == 1


# Update ---------------------------------------------------------------------

def test_patch_changes_only_the_given_fields(sales, db, events):
    account = sales.create_account(account_data())
    contact = sales.create_contact(contact_data(title="Engineer", owner="sam"))

    updated = sales.update_contact(contact["id"], {"title": "CTO", "account_id": account["id"], "role": "evaluator",
                                                   "do_not_email": True}, "editor", 1)

    assert (updated["title"], updated["account_id"], updated["role"], updated["do_not_email"]) == (
        "CTO", account["id"], "evaluator", True)
    assert (updated["owner"], updated["emails"], updated["last_name"]) == (
        "sam", contact["emails"], contact["last_name"])
    assert updated["version"] == 2
    assert sales.get_contact(contact["id"]) == updated
    events.settle(db, [contact["id"]])
    assert [event.data for event in events.of("contact.updated", contact["id"])] == [
        {"contact": updated, "changed": ["account_id", "do_not_email", "role", "title"]}]


def test_an_update_that_changes_nothing_publishes_nothing(sales, db, events):
    contact = sales.create_contact(contact_data(title="CTO"))
    assert sales.update_contact(contact["id"], {"title": " CTO ", "emails": contact["emails"]}) == contact
    events.settle(db, [contact["id"]])
    assert events.of("contact.updated", contact["id"]) == []


def test_a_stale_version_is_a_precondition_failure(sales):
    contact = sales.create_contact(contact_data())
    sales.update_contact(contact["id"], {"title": "CTO"}, None, 1)
    with pytest.raises(PreconditionFailed) as raised:
        sales.update_contact(contact["id"], {"title": "CEO"}, None, 1)
    assert raised.value.extra == {"current_version": 2}
    with pytest.raises(ValidationFailed):
        sales.update_contact(contact["id"], {"title": "CEO"}, None, "latest")


def test_changing_the_primary_email(sales, db):
    other = sales.create_contact(contact_data())
    contact = sales.create_contact(contact_data())
    new_email = f"new.{unique()}@example.com"

    with pytest.raises(DuplicateFound) as raised:
        sales.update_contact(contact["id"], {"emails": [other["emails"][0].upper(), new_email]})
    assert raised.value.extra["existing_id"] == other["id"]

    updated = sales.update_contact(contact["id"], {"emails": [new_email, contact["emails"][0]]})
    assert updated["emails"] == [new_email, contact["emails"][0]]
    assert db.scalar("SELECT email_norm FROM contacts WHERE id = %s", (contact["id"],)) == new_email
    # the old primary address is free for another contact now
    assert sales.create_contact(contact_data(emails=[contact["emails"][0]]))["id"] != contact["id"]
    cleared = sales.update_contact(contact["id"], {"emails": []})
    assert cleared["emails"] == []
    assert db.scalar("SELECT email_norm FROM contacts WHERE id = %s", (contact["id"],)) is None


def test_a_contact_keeps_a_name(sales):
    contact = sales.create_contact(contact_data())
    assert sales.update_contact(contact["id"], {"first_name": None})["first_name"] is None
    with pytest.raises(ValidationFailed) as raised:
        sales.update_contact(contact["id"], {"last_name": None})
    assert list(raised.value.errors) == ["last_name"]
    assert sales.get_contact(contact["id"])["last_name"] == contact["last_name"]


def test_moving_to_a_merged_account_is_refused(sales):
    survivor, merged = (sales.create_account(account_data()) for _ in range(2))
    sales.merge_accounts(survivor["id"], merged["id"])
    contact = sales.create_contact(contact_data())
    with pytest.raises(ValidationFailed) as raised:
        sales.update_contact(contact["id"], {"account_id": merged["id"]})
    assert raised.value.extra["merged_into"] == survivor["id"]
    assert sales.update_contact(contact["id"], {"account_id": survivor["id"]})["account_id"] == survivor["id"]
    assert sales.update_contact(contact["id"], {"account_id": None})["account_id"] is None


# Lists ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def people(sales):
    account = sales.create_account(account_data())
    tag = unique()
    owner = unique("owner")
    specs = {
        "ada": {"first_name": "Ada", "last_name": f"Lovelace {tag}", "role": "decision_maker",
                "emails": [f"ada.{tag}@engines.example", f"countess.{tag}@home.example"]},
        "grace": {"first_name": "Grace", "last_name": f"Hopper {tag}", "role": "evaluator",
                  "emails": [f"grace.{tag}@navy.example"]},
        "alan": {"first_name": "Alan", "last_name": f"Turing {tag}", "role": "evaluator"},
    }
    contacts = {key: sales.create_contact({**spec, "account_id": account["id"], "owner": owner})
                for key, spec in specs.items()}
    return {"account": account, "tag": tag, "owner": owner, **contacts}


def test_contacts_are_listed_newest_first(sales, people):
    page = sales.list_contacts({"account_id": people["account"]["id"]})
    assert ids(page) == [people[key]["id"] for key in ("alan", "grace", "ada")]
    assert page["next_cursor"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ({"role": "evaluator"}, ["alan", "grace"]),
    ({"role": "decision_maker"}, ["ada"]),
    ({"email": "ADA.{tag}@engines.example"}, ["ada"]),
    ({"email": "countess.{tag}@home.example"}, ["ada"]),
    ({"email": "nobody.{tag}@home.example"}, []),
    ({"q": "grace hopper"}, ["grace"]),
    ({"q": "{tag} lovel"}, ["ada"]),
    ({"q": "navy.example"}, ["grace"]),
    ({"q": "{tag}"}, ["alan", "grace", "ada"]),
    ({"q": "%"}, []),
])
def test_filters_and_search(sales, people, query, expected):
    query = {key: value.format(tag=people["tag"]) for key, value in query.items()}
    page = sales.list_contacts({"owner": people["owner"], **query})
    assert ids(page) == [people[key]["id"] for key in expected]


def test_pages_follow_each_other(sales, people):
    seen, cursor = [], None
    for _ in range(5):
        page = sales.list_contacts({"owner": people["owner"], "limit": 1, "cursor": cursor})
        seen += ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [people[key]["id"] for key in ("alan", "grace", "ada")]


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"account_id": "nope"}, "account_id"),
    ({"role": "boss"}, "role"),
    ({"email": "x" * 255}, "email"),
    ({"q": "x" * 201}, "q"),
    ({"cursor": "nope"}, "cursor"),
    ({"cursor": "bm90LWEtZGF0ZXxub3QtYW4taWQ="}, "cursor"),  # "not-a-date|not-an-id"
    ({"colour": "red"}, "colour"),
])
def test_bad_queries_are_refused(sales, query, field):
    with pytest.raises(ValidationFailed) as raised:
        sales.list_contacts(query)
    assert field in raised.value.errors


# Bad input ------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    ({}, "last_name"),
    ({"first_name": "  ", "last_name": None}, "last_name"),
    ({"first_name": 7}, "first_name"),
    ({"first_name": "x" * 101}, "first_name"),
    ({"last_name": "L", "emails": "ada@example.com"}, "emails"),
    ({"last_name": "L", "emails": ["not an email"]}, "emails"),
    ({"last_name": "L", "emails": [f"a{n}@example.com" for n in range(11)]}, "emails"),
    ({"last_name": "L", "emails": ["a" * 250 + "@example.com"]}, "emails"),
    ({"last_name": "L", "phones": [f"+49 30 {n}" for n in range(11)]}, "phones"),
    ({"last_name": "L", "phones": ["x" * 41]}, "phones"),
    ({"last_name": "L", "phones": [""]}, "phones"),
    ({"last_name": "L", "role": "boss"}, "role"),
    ({"last_name": "L", "do_not_call": "maybe"}, "do_not_call"),
    ({"last_name": "L", "account_id": "nope"}, "account_id"),
    ({"last_name": "L", "attributes": "x"}, "attributes"),
    ({"last_name": "L", "email": "ada@example.com"}, "email"),
    ({"last_name": "L", "version": 2}, "version"),
])
def test_bad_input_is_refused_with_field_errors(sales, db, data, field):
    before = db.scalar("SELECT count(*) FROM contacts")
    with pytest.raises(ValidationFailed) as raised:
        sales.create_contact(data)
    assert field in raised.value.errors, raised.value.errors
    assert db.scalar("SELECT count(*) FROM contacts") == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"emails": None}, "emails"),
    ({"phones": None}, "phones"),
    ({"do_not_email": None}, "do_not_email"),
    ({"role": "boss"}, "role"),
    ({"account_id": "nope"}, "account_id"),
    ({"account_id": str(uuid.uuid4())}, "account_id"),
    ({"id": str(uuid.uuid4())}, "id"),
])
def test_bad_changes_are_refused(sales, changes, field):
    contact = sales.create_contact(contact_data())
    with pytest.raises(ValidationFailed) as raised:
        sales.update_contact(contact["id"], changes)
    assert field in raised.value.errors
    assert sales.get_contact(contact["id"]) == contact


@pytest.mark.parametrize("data", [None, [], "Ada"])
def test_a_body_that_is_no_object_is_refused(sales, data):
    with pytest.raises(ValidationFailed):
        sales.create_contact(data)
    contact = sales.create_contact(contact_data())
    with pytest.raises(ValidationFailed):
        sales.update_contact(contact["id"], data)


def test_unknown_or_malformed_ids_are_not_found(sales):
    for bad in (str(uuid.uuid4()), "nope", None, 3):
        with pytest.raises(NotFound):
            sales.get_contact(bad)
        with pytest.raises(NotFound):
            sales.update_contact(bad, {"title": "CTO"})
