"""The people RPCs: the list with its filters and keyset pages, one person
with their account's signals, the lookup by source record, the field
catalogue (every field's SQL runs over the projection), and bad input."""

import uuid

import pytest

from services.campaigns.people.fields import CHOICES, FIELDS, OPERATORS, TYPES
from shared.schemas.errors import NotFound, ValidationFailed
from tests.campaigns.conftest import unique


def known_account(db, name=None, country="FR", open_cases=0):
    account_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO accounts (id, name, type, country, open_cases, lifetime_revenue, source_version)"
                    " VALUES (%s, %s, 'customer', %s, %s, 12.5, 1)",
                    (account_id, name or f"Initech {unique()}", country, open_cases))
    return account_id


def known_person(db, kind="contact", account_id=None, first_name="Ada", last_name=None, email=None, country=None,
                 lead_status=None, active=True):
    source_id = str(uuid.uuid4())
    email = email or f"{unique()}@example.org"
    return str(db.scalar(
        "INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm, account_id, country,"
        " lead_status, active, source_version) VALUES (%s, %s, %s, %s, %s, lower(%s), %s, %s, %s, %s, 1) RETURNING id",
        (kind, source_id, first_name, last_name or unique("L"), email, email, account_id, country, lead_status,
         active))), source_id


@pytest.fixture
def tag():
    return unique("tag")


def ids(page):
    return [item["id"] for item in page["items"]]


def test_list_filters_by_kind_account_country_status_and_words(campaigns, db, tag):
    account_id = known_account(db, country="FR")
    contact, _ = known_person(db, account_id=account_id, last_name=f"Curie{tag}")
    lead, _ = known_person(db, kind="lead", country="PL", last_name=f"Sklodowska{tag}", lead_status="working")
    gone, _ = known_person(db, kind="lead", country="PL", last_name=f"Gone{tag}", lead_status="converted",
                           active=False)

    assert set(ids(campaigns.list_people({"q": tag}))) == {contact, lead}
    assert set(ids(campaigns.list_people({"q": tag, "include_inactive": True}))) == {contact, lead, gone}
    assert ids(campaigns.list_people({"q": tag, "kind": "contact"})) == [contact]
    assert ids(campaigns.list_people({"account_id": account_id})) == [contact]
    assert ids(campaigns.list_people({"q": tag, "country": "fr"})) == [contact]  # the account's country
    assert ids(campaigns.list_people({"q": tag, "country": "PL"})) == [lead]
    assert ids(campaigns.list_people({"q": tag, "lead_status": "working"})) == [lead]
    assert ids(campaigns.list_people({"q": f"ada curie{tag}"})) == [contact]  # every word, any letter case
    assert ids(campaigns.list_people({"q": f"grace curie{tag}"})) == []
    item = campaigns.list_people({"account_id": account_id})["items"][0]
    assert item["company"] == db.scalar("SELECT name FROM accounts WHERE id = %s", (account_id,))
    assert "account" not in item


def test_pages_follow_the_sort_without_gaps_or_repeats(campaigns, db, tag):
    made = [known_person(db, last_name=f"Page{tag}")[0] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = campaigns.list_people({"q": tag, "limit": 2, "sort": "created_at",
                                      **({"cursor": cursor} if cursor else {})})
        seen += ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == made
    assert ids(campaigns.list_people({"q": tag}))[0] == made[-1]  # newest first by default


@pytest.mark.parametrize("query, field", [
    ({"kind": "customer"}, "kind"),
    ({"account_id": "not-a-uuid"}, "account_id"),
    ({"country": "Narnia"}, "country"),
    ({"lead_status": "hot"}, "lead_status"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"q": "x" * 201}, "q"),
    ({"sort": "name"}, "sort"),
    ({"cursor": "!!"}, "cursor"),
    ({"cursor": "AAAA"}, "cursor"),
    ({"unknown": 1}, "unknown"),
])
def test_bad_list_queries_are_refused_with_the_field(campaigns, query, field):
    with pytest.raises(ValidationFailed) as raised:
        campaigns.list_people(query)
    assert field in raised.value.errors


def test_a_person_with_their_account_signals_and_by_source(campaigns, db):
    account_id = known_account(db, open_cases=2)
    person_id, source_id = known_person(db, account_id=account_id)
    shown = campaigns.get_person(person_id)
    assert shown["account"]["id"] == account_id
    assert (shown["account"]["open_cases"], shown["account"]["lifetime_revenue"]) == (2, "12.50")
    assert campaigns.person_by_source("contact", source_id) == shown
    lead_id, lead_source = known_person(db, kind="lead")
    assert campaigns.person_by_source("lead", lead_source)["account"] is None

    with pytest.raises(NotFound):
        campaigns.person_by_source("lead", source_id)  # a contact's id is no lead's
    with pytest.raises(NotFound):
        campaigns.get_person(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        campaigns.get_person("not-an-id")
    with pytest.raises(NotFound):
        campaigns.person_by_source("contact", "42")
    with pytest.raises(ValidationFailed) as raised:
        campaigns.person_by_source("customer", source_id)
    assert "kind" in raised.value.errors


def test_the_field_catalogue_is_complete_and_every_field_runs(campaigns, db):
    known_person(db, account_id=known_account(db))
    catalogue = {item["name"]: item for item in campaigns.people_fields()["items"]}
    assert set(catalogue) == set(FIELDS)
    for name, (sql, type_) in FIELDS.items():
        assert type_ in TYPES
        assert catalogue[name]["type"] == type_ and catalogue[name]["operators"] == list(OPERATORS[type_])
        assert catalogue[name]["values"] == list(CHOICES.get(name, ()))
        assert (type_ == "choice") == (name in CHOICES)
        # the expression is valid SQL over the projection (the segments compile rules with it)
        db.scalar(f"SELECT count({sql}) FROM people p LEFT JOIN accounts a ON a.id = p.account_id")
    assert catalogue["lead_status"]["values"] == ["new", "working", "qualified", "disqualified", "converted"]
