"""Lead conversion, the sales side (``sales.convert_lead``): which account,
contact and opportunity a lead becomes, idempotency (also concurrent), the
events, and bad input refused with nothing written."""

import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from shared.schemas.errors import IllegalTransition, ValidationFailed
from shared.schemas.events import contract
from shared.schemas.sales.conversion import ConversionRecordSchema
from tests.sales.conftest import account_data, concurrently, contact_data, unique


def lead_snapshot(**fields):
    """A qualified lead as the leads service shows it (LeadSchema), with a
    unique company, company email domain and name."""
    tag = unique()
    now = datetime.now(UTC).isoformat()
    lead = {
        "id": str(uuid.uuid4()), "first_name": "Ada", "last_name": f"Lovelace-{tag}",
        "email": f"ada@{tag}.example.com", "phone": "+44 20 7946 0000", "company": f"Engines {tag} Ltd",
        "title": "CTO", "industry": "Machinery", "country": "GB", "company_size": 40, "source": "event",
        "campaign_id": f"camp-{tag}", "notes": None, "attributes": {}, "status": "qualified", "status_reason": None,
        "owner": "rep-1", "score": 70, "engagement": 2, "merged_into": None, "converted_account_id": None,
        "converted_contact_id": None, "converted_opportunity_id": None, "converted_at": None, "version": 3,
        "created_at": now, "updated_at": now,
    }
    lead.update(fields)
    return lead


def written(db, lead):
    """What a conversion of this lead wrote: (accounts, contacts, opportunities, conversion rows)."""
    return (
        db.scalar("SELECT count(*) FROM accounts WHERE name = %s OR domain = %s",
                  (lead["company"] or "", (lead["email"] or "@").split("@")[1])),
        db.scalar("SELECT count(*) FROM contacts WHERE email_norm = lower(%s) OR last_name = %s",
                  (lead["email"], lead["last_name"])),
        db.scalar("SELECT count(*) FROM opportunities WHERE lead_id = %s", (lead["id"],)),
        db.scalar("SELECT count(*) FROM lead_conversions WHERE lead_id = %s", (lead["id"],)),
    )


def totals(db):
    return db.one("SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM contacts) AS contacts,"
                  " (SELECT count(*) FROM opportunities) AS opportunities,"
                  " (SELECT count(*) FROM lead_conversions) AS conversions, (SELECT count(*) FROM outbox) AS outbox")


# A new customer -----------------------------------------------------------------

def test_a_lead_becomes_an_account_a_contact_and_an_opportunity(sales, db, events):
    lead = lead_snapshot()

    result = sales.convert_lead(lead, {}, "closer")

    ConversionRecordSchema().load(result)
    assert result["lead_id"] == lead["id"]
    assert result["account_created"] is True and result["contact_created"] is True
    account = sales.get_account(result["account_id"])
    assert {key: account[key] for key in ("name", "domain", "type", "owner", "industry", "size", "country",
                                          "created_by")} == {
        "name": lead["company"], "domain": lead["email"].split("@")[1], "type": "prospect", "owner": "closer",
        "industry": "Machinery", "size": 40, "country": "GB", "created_by": "closer"}  # the converting user owns it
    contact = sales.get_contact(result["contact_id"])
    assert {key: contact[key] for key in ("account_id", "first_name", "last_name", "title", "emails", "phones",
                                          "phones_text", "owner")} == {
        "account_id": account["id"], "first_name": "Ada", "last_name": lead["last_name"], "title": "CTO",
        "emails": [lead["email"]], "phones": ["+442079460000"], "phones_text": [lead["phone"]], "owner": "closer"}
    opportunity = sales.get_opportunity(result["opportunity_id"])
    assert {key: opportunity[key] for key in ("account_id", "primary_contact_id", "name", "amount", "currency",
                                              "pipeline_id", "stage", "category", "probability", "source",
                                              "campaign_id", "lead_id", "owner", "expected_close_date")} == {
        "account_id": account["id"], "primary_contact_id": contact["id"], "name": f"{lead['company']} - new business",
        "amount": "0.00", "currency": "EUR", "pipeline_id": "default", "stage": "prospecting", "category": "open",
        "probability": 10, "source": "event", "campaign_id": lead["campaign_id"], "lead_id": lead["id"],
        "owner": "closer", "expected_close_date": (date.today() + timedelta(days=90)).isoformat()}
    row = db.one("SELECT * FROM lead_conversions WHERE lead_id = %s", (lead["id"],))
    assert row["converted_by"] == "closer" and row["account_created"] and row["contact_created"]

    ids = [result["account_id"], result["contact_id"], result["opportunity_id"]]
    events.wait_for("opportunity.created", result["opportunity_id"])
    events.settle(db, ids)
    assert [event.type for event in events.of(subject_id=account["id"])] == ["account.created"]
    assert [event.type for event in events.of(subject_id=contact["id"])] == ["contact.created"]
    assert [event.type for event in events.of(subject_id=opportunity["id"])] == ["opportunity.created"]
    for event in events.of():
        if set(event.subject_ids) & set(ids):
            contract(event.type).schema().load(event.data)


def test_the_options_choose_owner_and_opportunity_details(sales, db):
    lead = lead_snapshot()
    result = sales.convert_lead(lead, {
        "owner": "rep-9",
        "opportunity": {"name": "Engines rollout", "amount": "125000.5", "currency": "usd", "stage": "proposal",
                        "expected_close_date": "2027-03-31"},
    }, "closer")

    opportunity = sales.get_opportunity(result["opportunity_id"])
    assert (opportunity["name"], opportunity["amount"], opportunity["currency"], opportunity["stage"],
            opportunity["probability"], opportunity["expected_close_date"], opportunity["owner"]) == (
        "Engines rollout", "125000.50", "USD", "proposal", 60, "2027-03-31", "rep-9")
    assert sales.get_account(result["account_id"])["owner"] == "rep-9"
    assert sales.get_contact(result["contact_id"])["owner"] == "rep-9"


def test_no_opportunity_when_none_is_asked_for(sales, db):
    lead = lead_snapshot()
    result = sales.convert_lead(lead, {"create_opportunity": False}, "closer")
    assert result["opportunity_id"] is None
    assert written(db, lead) == (1, 1, 0, 1)


def test_a_lead_without_a_company_becomes_an_account_named_after_the_person(sales, db):
    lead = lead_snapshot(company=None, email=f"ada.{unique()}@gmail.com")
    result = sales.convert_lead(lead, {}, "closer")
    account = sales.get_account(result["account_id"])
    assert account["name"] == f"Ada {lead['last_name']} ({lead['email']})"
    assert account["domain"] is None
    assert sales.get_opportunity(result["opportunity_id"])["name"] == f"{account['name']} - new business"


def test_two_people_who_share_a_name_get_two_accounts(sales, db):
    name = f"Smith-{unique()}"
    first = sales.convert_lead(lead_snapshot(company=None, last_name=name, email=f"a.{unique()}@gmail.com"), {}, "c")
    second = sales.convert_lead(lead_snapshot(company=None, last_name=name, email=f"b.{unique()}@gmail.com"), {}, "c")
    assert first["account_id"] != second["account_id"]
    assert first["account_created"] and second["account_created"]


def test_a_lead_with_only_an_email_names_account_and_contact_after_it(sales, db):
    email = f"info.{unique()}@gmail.com"
    lead = lead_snapshot(first_name=None, last_name=None, company=None, phone=None, email=email)
    result = sales.convert_lead(lead, {}, "closer")
    assert sales.get_account(result["account_id"])["name"] == email
    contact = sales.get_contact(result["contact_id"])
    assert (contact["first_name"], contact["last_name"], contact["emails"]) == (None, email, [email])


# Dedup -------------------------------------------------------------------------

def test_an_account_with_the_email_domain_is_used(sales, db, events):
    lead = lead_snapshot()
    existing = sales.create_account(account_data(name=f"Other name {unique()}", domain=lead["email"].split("@")[1]))

    result = sales.convert_lead(lead, {}, "closer")

    assert result["account_id"] == existing["id"] and result["account_created"] is False
    assert sales.get_contact(result["contact_id"])["account_id"] == existing["id"]
    assert sales.get_account(existing["id"]) == existing  # found, not touched
    events.settle(db, [existing["id"], result["contact_id"]])
    assert [event.type for event in events.of(subject_id=existing["id"])] == ["account.created"]


def test_an_account_with_the_company_name_in_the_same_country_is_used(sales, db):
    lead = lead_snapshot(email=f"ada.{unique()}@gmail.com")
    existing = sales.create_account(account_data(name=lead["company"].upper().replace(" LTD", " Limited"),
                                                 domain=None, country="GB"))
    elsewhere = lead_snapshot(company=lead["company"], country="FR", email=f"ada.{unique()}@gmail.com")

    result = sales.convert_lead(lead, {}, "closer")
    other = sales.convert_lead(elsewhere, {}, "closer")

    assert result["account_id"] == existing["id"] and result["account_created"] is False
    assert other["account_id"] != existing["id"] and other["account_created"] is True


def test_a_free_mail_domain_is_no_dedup_key(sales, db):
    first = lead_snapshot(email=f"ada.{unique()}@gmail.com")
    second = lead_snapshot(email=f"bob.{unique()}@gmail.com")
    one = sales.convert_lead(first, {}, "closer")
    two = sales.convert_lead(second, {}, "closer")
    assert one["account_id"] != two["account_id"]
    assert sales.get_account(one["account_id"])["domain"] is None


def test_a_contact_with_the_email_is_used(sales, db, events):
    lead = lead_snapshot()
    account = sales.create_account(account_data(domain=lead["email"].split("@")[1]))
    contact = sales.create_contact(contact_data(emails=[lead["email"].upper()], account_id=account["id"]))

    result = sales.convert_lead(lead, {}, "closer")

    assert result["contact_id"] == contact["id"] and result["contact_created"] is False
    assert sales.get_contact(contact["id"]) == contact
    assert sales.get_opportunity(result["opportunity_id"])["primary_contact_id"] == contact["id"]


def test_a_contact_of_no_account_joins_the_converted_account(sales, db, events):
    lead = lead_snapshot()
    contact = sales.create_contact(contact_data(emails=[lead["email"]]))

    result = sales.convert_lead(lead, {}, "closer")

    joined = sales.get_contact(contact["id"])
    assert result["contact_id"] == contact["id"] and result["contact_created"] is False
    assert joined["account_id"] == result["account_id"] and joined["version"] == contact["version"] + 1
    assert sales.get_opportunity(result["opportunity_id"])["primary_contact_id"] == contact["id"]
    [event] = events.wait_for("contact.updated", contact["id"])
    assert event.data["changed"] == ["account_id"]


def test_a_contact_at_another_account_is_used_but_not_made_primary_contact(sales, db):
    lead = lead_snapshot()
    chosen = sales.create_account(account_data())
    elsewhere = sales.create_account(account_data())
    contact = sales.create_contact(contact_data(emails=[lead["email"]], account_id=elsewhere["id"]))

    result = sales.convert_lead(lead, {"account_id": chosen["id"]}, "closer")

    assert result["account_id"] == chosen["id"] and result["contact_id"] == contact["id"]
    opportunity = sales.get_opportunity(result["opportunity_id"])
    assert opportunity["account_id"] == chosen["id"] and opportunity["primary_contact_id"] is None
    assert sales.get_contact(contact["id"])["account_id"] == elsewhere["id"]


def test_the_chosen_account_wins_over_dedup(sales, db):
    lead = lead_snapshot()
    sales.create_account(account_data(domain=lead["email"].split("@")[1]))
    chosen = sales.create_account(account_data())
    result = sales.convert_lead(lead, {"account_id": chosen["id"]}, "closer")
    assert result["account_id"] == chosen["id"] and result["account_created"] is False


# Idempotency -------------------------------------------------------------------

def test_converting_again_answers_the_stored_record_unchanged(sales, db, events):
    lead = lead_snapshot()
    first = sales.convert_lead(lead, {}, "closer")
    before = totals(db)

    again = sales.convert_lead({**lead, "company": "Renamed Ltd"}, {"create_opportunity": False,
                                                                   "account_id": str(uuid.uuid4())}, "someone")

    assert again == first
    assert totals(db) == before
    events.settle(db, [first["account_id"], first["contact_id"], first["opportunity_id"]])
    assert len(events.of("account.created", first["account_id"])) == 1


def test_concurrent_conversions_of_a_lead_make_one_of_each(sales, db, events, rpc_proxy):
    lead = lead_snapshot()

    results = concurrently(rpc_proxy, [lambda cluster: cluster.sales.convert_lead(lead, {}, "closer")] * 8)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert all(result == results[0] for result in results)
    assert written(db, lead) == (1, 1, 1, 1)
    ids = [results[0]["account_id"], results[0]["contact_id"], results[0]["opportunity_id"]]
    events.settle(db, ids)
    assert [len(events.of(kind, subject)) for kind, subject in
            zip(("account.created", "contact.created", "opportunity.created"), ids, strict=True)] == [1, 1, 1]


def test_two_leads_of_one_new_company_converted_at_once_share_one_account(sales, db, rpc_proxy):
    tag = unique()
    leads = [lead_snapshot(company=f"Twins {tag} GmbH", email=f"{name}@{tag}.example.com", country="DE")
             for name in ("ada", "bob", "cy", "di")]

    results = concurrently(rpc_proxy, [lambda cluster, lead=lead: cluster.sales.convert_lead(lead, {}, "closer")
                                       for lead in leads])

    assert not [result for result in results if isinstance(result, Exception)], results
    assert len({result["account_id"] for result in results}) == 1
    assert sum(result["account_created"] for result in results) == 1
    assert len({result["contact_id"] for result in results}) == 4
    assert db.scalar("SELECT count(*) FROM accounts WHERE domain = %s", (f"{tag}.example.com",)) == 1


# Refusals: nothing written ---------------------------------------------------------

@pytest.mark.parametrize("status", ["new", "working", "disqualified", "converted"])
def test_a_lead_that_is_not_qualified_is_refused(sales, db, status):
    lead = lead_snapshot(status=status)
    before = totals(db)
    with pytest.raises(IllegalTransition) as raised:
        sales.convert_lead(lead, {}, "closer")
    assert raised.value.detail.startswith("Qualify the lead first") and raised.value.extra["current"] == status
    assert totals(db) == before


def test_a_merged_lead_is_refused(sales, db):
    survivor = str(uuid.uuid4())
    before = totals(db)
    with pytest.raises(IllegalTransition) as raised:
        sales.convert_lead(lead_snapshot(merged_into=survivor), {}, "closer")
    assert raised.value.extra["merged_into"] == survivor
    assert totals(db) == before


def test_an_unknown_account_is_refused(sales, db):
    lead = lead_snapshot()
    before = totals(db)
    with pytest.raises(ValidationFailed) as raised:
        sales.convert_lead(lead, {"account_id": str(uuid.uuid4())}, "closer")
    assert raised.value.errors == {"account_id": ["No such account."]}
    assert totals(db) == before
    assert sales.convert_lead(lead, {}, "closer")["account_created"] is True  # nothing was claimed


def test_a_merged_account_is_refused_naming_the_survivor(sales, db):
    survivor = sales.create_account(account_data())
    duplicate = sales.create_account(account_data())
    sales.merge_accounts(survivor["id"], duplicate["id"], "admin")
    before = totals(db)
    with pytest.raises(ValidationFailed) as raised:
        sales.convert_lead(lead_snapshot(), {"account_id": duplicate["id"]}, "closer")
    assert survivor["id"] in raised.value.detail and raised.value.extra["merged_into"] == survivor["id"]
    assert "account_id" in raised.value.errors
    assert totals(db) == before


@pytest.mark.parametrize(("opportunity", "field"), [
    ({"pipeline_id": "no-such-pipeline"}, "pipeline_id"),
    ({"stage": "no-such-stage"}, "stage"),
])
def test_an_unknown_pipeline_or_stage_is_refused(sales, db, opportunity, field):
    before = totals(db)
    with pytest.raises(ValidationFailed) as raised:
        sales.convert_lead(lead_snapshot(), {"opportunity": opportunity}, "closer")
    assert field in raised.value.errors["opportunity"]
    assert totals(db) == before


@pytest.mark.parametrize("change", [
    {"id": "not-a-uuid"}, {"status": "archived"}, {"colour": "red"}, {"email": 5}, {"created_at": "yesterday"},
])
def test_a_malformed_lead_is_refused(sales, db, change):
    lead = {**lead_snapshot(), **change}
    before = totals(db)
    with pytest.raises(ValidationFailed) as raised:
        sales.convert_lead(lead, {}, "closer")
    assert list(raised.value.errors) == ["lead"]
    assert set(change) <= set(raised.value.errors["lead"])
    assert totals(db) == before


@pytest.mark.parametrize("lead", [None, [], "lead", {}])
def test_no_lead_is_refused(sales, db, lead):
    with pytest.raises(ValidationFailed):
        sales.convert_lead(lead, {}, "closer")


@pytest.mark.parametrize("options", [
    {"colour": "red"}, {"account_id": "x"}, {"create_opportunity": "yes please"}, {"opportunity": {"amount": "-1"}},
    {"opportunity": {"currency": "EURO"}}, {"create_opportunity": False, "opportunity": {"name": "x"}}, [],
])
def test_bad_options_are_refused(sales, db, options):
    before = totals(db)
    with pytest.raises(ValidationFailed):
        sales.convert_lead(lead_snapshot(), options, "closer")
    assert totals(db) == before


def test_a_conversion_row_without_account_or_contact_cannot_commit(db):
    with pytest.raises(psycopg.errors.CheckViolation, match="no account or no contact"):
        with db.conn.transaction():
            db.one("INSERT INTO lead_conversions (lead_id) VALUES (%s) RETURNING lead_id", (str(uuid.uuid4()),))
