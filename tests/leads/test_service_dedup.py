"""Duplicate detection on create (and update): an open lead is unique on its
normalised email, and on its normalised phone together with its company."""

import pytest

from shared.schemas.errors import DuplicateFound
from tests.leads.conftest import concurrently, person, unique


def count_email(db, email):
    return db.scalar("SELECT count(*) FROM leads WHERE lower(email) = lower(%s)", (email.strip(),))


def test_same_email_in_other_case_and_whitespace_is_a_duplicate(leads, db):
    first = leads.create_lead(person(), "tester")
    shouted = f"  {first['email'].upper()}  "
    db.wait_idle()
    before = db.row_counts()

    with pytest.raises(DuplicateFound) as raised:
        leads.create_lead(person(email=shouted), "tester")

    error = raised.value
    assert error.status == 409
    assert error.extra["existing_id"] == first["id"]
    assert first["id"] in error.detail
    assert list(error.errors) == ["email"]
    assert db.row_counts() == before
    assert count_email(db, first["email"]) == 1


@pytest.mark.parametrize(("phone", "company"), [
    ("+49 (30) 123-4567", "ACME {tag} GmbH"),
    ("0049 30 1234567", "Acme {tag}, Inc."),
    ("+49.30.123.45.67", "acme {tag}"),
])
def test_same_phone_at_the_same_company_is_a_duplicate(leads, db, phone, company):
    tag = unique()
    first = leads.create_lead(person(email=None, phone="+49 30 1234567", company=f"Acme {tag} Ltd."), "tester")

    with pytest.raises(DuplicateFound) as raised:
        leads.create_lead(person(email=None, phone=phone, company=company.format(tag=tag)), "tester")

    assert raised.value.extra["existing_id"] == first["id"]
    assert list(raised.value.errors) == ["phone"]
    assert db.scalar("SELECT count(*) FROM leads WHERE company_norm = %s", (f"acme {tag}",)) == 1


def test_same_phone_at_another_company_is_not_a_duplicate(leads):
    tag = unique()
    first = leads.create_lead(person(email=None, phone="+49 30 7654321", company=f"Acme {tag}"), "tester")
    second = leads.create_lead(person(email=None, phone="+49 30 7654321", company=f"Other {tag}"), "tester")
    assert first["id"] != second["id"]


def test_a_disqualified_leads_email_can_be_used_again(leads):
    first = leads.create_lead(person(), "tester")
    leads.update_lead(first["id"], {"status": "disqualified", "status_reason": "left the company"}, "tester")

    second = leads.create_lead(person(email=first["email"].upper()), "tester")

    assert second["id"] != first["id"]
    assert second["status"] == "new"
    # ... and reopening the old one now collides with the new open lead
    with pytest.raises(DuplicateFound) as raised:
        leads.update_lead(first["id"], {"status": "working"}, "tester")
    assert raised.value.extra["existing_id"] == second["id"]
    assert leads.get_lead(first["id"])["status"] == "disqualified"


def test_changing_the_email_to_another_open_leads_is_a_duplicate(leads):
    first = leads.create_lead(person(), "tester")
    second = leads.create_lead(person(), "tester")

    with pytest.raises(DuplicateFound) as raised:
        leads.update_lead(second["id"], {"email": first["email"].title()}, "tester")

    assert raised.value.extra["existing_id"] == first["id"]
    assert leads.get_lead(second["id"]) == second


def test_concurrent_creation_of_the_same_email_creates_exactly_one(rpc_proxy, service, db, events):
    data = person()
    results = concurrently(rpc_proxy, [lambda cluster: cluster.leads.create_lead(data, "tester")] * 10)

    created = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if isinstance(result, DuplicateFound)]
    assert len(created) == 1, results
    assert len(refused) == 9, results
    assert {error.extra["existing_id"] for error in refused} == {created[0]["id"]}
    assert count_email(db, data["email"]) == 1
    events.wait_for("lead.created", created[0]["id"])
    events.settle(db, [created[0]["id"]])
    assert [event.lead_id for event in events.of("lead.created") if event.data["lead"]["email"] == data["email"]] \
        == [created[0]["id"]]
