"""A lead's phone is stored in E.164, read with the lead's country, beside the
text as it was given; text that reads as no number is refused with a field
error that says how to fix it, and nothing is written.  Dedup matches the
same number however it was written."""

import pytest

from shared.schemas.errors import DuplicateFound, ValidationFailed
from shared.schemas.phones import PHONE_HELP, phone_help
from tests.leads.conftest import person, unique, wait_for


def test_a_national_number_is_read_with_the_leads_country(leads, events):
    lead = leads.create_lead(person(phone="020 7946 0958 ext. 12", country="gb"), "tester")

    assert (lead["phone"], lead["phone_text"], lead["country"]) == ("+442079460958", "020 7946 0958 ext. 12", "GB")
    assert leads.get_lead(lead["id"])["phone"] == "+442079460958"
    (created,) = events.wait_for("lead.created", lead["id"])
    assert (created.data["lead"]["phone"], created.data["lead"]["phone_text"]) == (
        "+442079460958", "020 7946 0958 ext. 12")


@pytest.mark.parametrize("data", [
    {"phone": "call me maybe", "country": "GB"},
    {"phone": "020 7946 0958"},  # national, and no country
    {"phone": "+44 1"},
])
def test_text_that_is_no_number_is_refused_and_nothing_is_written(leads, db, data):
    before = db.row_counts()
    with pytest.raises(ValidationFailed) as raised:
        leads.create_lead(person(**data), "tester")
    assert raised.value.errors == {"phone": [phone_help(data["phone"], data.get("country"))]}
    assert db.row_counts() == before


def test_a_changed_phone_is_read_with_the_stored_country(leads):
    lead = leads.create_lead(person(country="DE"), "tester")

    changed = leads.update_lead(lead["id"], {"phone": "(030) 123-4567"}, "tester")
    assert (changed["phone"], changed["phone_text"]) == ("+49301234567", "(030) 123-4567")
    moved = leads.update_lead(lead["id"], {"phone": "020 7946 0958", "country": "GB"}, "tester")
    assert (moved["phone"], moved["country"]) == ("+442079460958", "GB")
    history = leads.lead_history(lead["id"])["items"][0]
    assert history["changes"]["phone"] == ["+49301234567", "+442079460958"]
    assert history["changes"]["phone_text"] == ["(030) 123-4567", "020 7946 0958"]
    cleared = leads.update_lead(lead["id"], {"phone": None}, "tester")
    assert (cleared["phone"], cleared["phone_text"]) == (None, None)


def test_a_changed_phone_that_is_no_number_leaves_the_lead_as_it_was(leads):
    lead = leads.create_lead(person(phone="+49 30 1234567"), "tester")  # no country
    for change in ({"phone": "030 1234567"}, {"phone": "call me maybe"}):
        with pytest.raises(ValidationFailed) as raised:
            leads.update_lead(lead["id"], change, "tester")
        assert raised.value.errors == {"phone": [PHONE_HELP]}
    assert leads.get_lead(lead["id"]) == lead


def test_the_same_number_written_another_way_is_a_duplicate(leads):
    company = f"Engines {unique()} Ltd"
    first = leads.create_lead(person(email=None, phone="020 7946 0958", country="GB", company=company), "tester")
    with pytest.raises(DuplicateFound) as raised:
        leads.create_lead(person(email=None, phone="+44 (0)20 7946-0958", company=company), "tester")
    assert raised.value.extra["existing_id"] == first["id"]
    assert list(raised.value.errors) == ["phone"]


def test_the_web_form_reads_the_phone_too(leads, db):
    email = f"form.{unique()}@example.com"
    assert leads.capture_web_form({"last_name": "Form", "email": email, "phone": "030 1234567",
                                   "country": "de"}) == {"status": "received"}
    (lead,) = leads.list_leads({"q": email})["items"]
    assert (lead["phone"], lead["phone_text"], lead["country"]) == ("+49301234567", "030 1234567", "DE")

    before = db.row_counts()
    with pytest.raises(ValidationFailed) as raised:
        leads.capture_web_form({"last_name": "Form", "email": f"x{email}", "phone": "030 1234567"})
    assert raised.value.errors == {"phone": [PHONE_HELP]}
    assert db.row_counts() == before


def test_a_merge_takes_the_duplicates_phone_with_its_text(leads):
    survivor = leads.create_lead(person(), "tester")
    duplicate = leads.create_lead(person(phone="020 7946 0958", country="GB"), "tester")
    merged = leads.merge_leads(survivor["id"], duplicate["id"], "tester")
    assert (merged["phone"], merged["phone_text"]) == ("+442079460958", "020 7946 0958")


def test_an_import_reads_phones_and_refuses_rows_whose_phone_or_owner_is_unknown(leads):
    domain = f"{unique('phones')}.example"
    header = ["last_name", "email", "phone", "country", "owner"]
    rows = [
        ["Ann", f"ann@{domain}", "020 7946 0958", "GB", "ann"],  # 1 good
        ["Bob", f"bob@{domain}", "call me maybe", "GB", ""],  # 2 no number
        ["Cid", f"cid@{domain}", "030 1234567", "", ""],  # 3 national without a country
        ["Dan", f"dan@{domain}", "+49 30 1234567", "", "ghost"],  # 4 no such owner
        ["Eve", f"eve@{domain}", "", "XX", ""],  # 5 no such country
        ["Fay", f"fay@{domain}", "", "", ""],  # 6 good, no phone, owner by the rules
    ]
    job = leads.start_import("people.csv", header, "importer", None, owners=["ann", "bob"])
    leads.import_rows(job["id"], 1, rows)
    leads.finish_import(job["id"], 1)
    done = wait_for(lambda: (job_now := leads.get_import(job["id"]))["status"] == "done" and job_now, 20,
                    message="the import did not finish")

    assert (done["rows_created"], done["rows_failed"]) == (2, 4)
    errors = {item["row"]: item["errors"] for item in leads.import_errors(job["id"])["items"]}
    assert errors == {
        2: {"phone": [phone_help("call me maybe", "GB")]},
        3: {"phone": [PHONE_HELP]},
        4: {"owner": ["No active user 'ghost'; pick one of the suite's users (GET /api/v1/users/directory "
                      "lists them)."]},
        5: {"country": ["'XX' is not a country code. Use an ISO 3166-1 two-letter country code, like GB, DE or US."]},
    }
    (ann,) = leads.list_leads({"q": f"ann@{domain}"})["items"]
    assert (ann["phone"], ann["phone_text"], ann["owner"]) == ("+442079460958", "020 7946 0958", "ann")


def test_an_import_started_without_owners_does_not_check_them(leads):
    domain = f"{unique('owners')}.example"
    job = leads.start_import("people.csv", ["last_name", "email", "owner"], "importer")
    leads.import_rows(job["id"], 1, [["Ann", f"ann@{domain}", "someone"]])
    leads.finish_import(job["id"], 1)
    done = wait_for(lambda: (job_now := leads.get_import(job["id"]))["status"] == "done" and job_now, 20,
                    message="the import did not finish")
    assert done["rows_created"] == 1


@pytest.mark.parametrize("owners", ["ann", [""], [1], ["o" * 101]])
def test_an_import_refuses_owners_that_are_not_usernames(leads, owners):
    with pytest.raises(ValidationFailed) as raised:
        leads.start_import("people.csv", ["last_name"], "importer", None, owners=owners)
    assert list(raised.value.errors) == ["owners"]
