"""Interrupted uploads: a job started under an upload key is resumed by a
retry of the same upload; an upload that broke off is marked abandoned (or
failed, when nothing can resume it)."""

import pytest

from shared.schemas.errors import Conflict
from shared.schemas.leads import ImportJobSchema
from tests.leads.conftest import unique, wait_for

HEADER = ["First Name", "Last Name", "Email"]


def rows(domain, start, count):
    return [[f"First{n}", f"Last{n}", f"p{n}@{domain}"] for n in range(start, start + count)]


def wait_status(leads, job_id, status, timeout=20):
    return wait_for(lambda: (job := leads.get_import(job_id))["status"] == status and job, timeout,
                    message=f"import {job_id} did not become {status}")


def test_a_retry_under_the_same_key_resumes_the_job_and_skips_what_it_has(leads, db):
    domain, key = f"{unique('resume')}.example", f"user-1:{unique()}"
    job = leads.start_import("people.csv", HEADER, "importer", key)
    leads.import_rows(job["id"], 1, rows(domain, 1, 3), 1)
    leads.import_rows(job["id"], 2, rows(domain, 4, 3), 4)
    leads.abandon_import(job["id"], "The service did not answer in time; try again shortly.")

    again = leads.start_import("people.csv", HEADER, "importer", key)
    for seq, start in ((1, 1), (2, 4), (3, 7)):
        leads.import_rows(again["id"], seq, rows(domain, start, 3), start)
    finished = leads.finish_import(again["id"], 3)

    assert again["id"] == job["id"] and again["status"] == "receiving" and again["error"] is None
    assert finished["rows_received"] == 9
    done = wait_status(leads, job["id"], "done")
    assert (done["rows_created"], done["rows_failed"]) == (9, 0)
    assert db.scalar("SELECT count(*) FROM import_jobs WHERE upload_key = %s", (key,)) == 1
    assert leads.start_import("people.csv", HEADER, "importer", key) == done  # the whole file got through


def test_an_abandoned_job_says_how_to_resume_and_takes_rows_again(leads):
    key = f"user-1:{unique()}"
    job = leads.start_import("people.csv", HEADER, "importer", key)
    leads.import_rows(job["id"], 1, rows(f"{unique('ab')}.example", 1, 2), 1)

    abandoned = leads.abandon_import(job["id"], "The message broker cannot be reached.")

    ImportJobSchema().load(abandoned)
    assert abandoned["status"] == "abandoned"
    assert "after 2 rows had been received (The message broker cannot be reached.)" in abandoned["error"]
    assert "same Idempotency-Key within 10 minutes to resume" in abandoned["error"], abandoned["error"]
    assert leads.abandon_import(job["id"], "again")["error"] == abandoned["error"]  # only a receiving job
    leads.import_rows(job["id"], 2, rows(f"{unique('ab')}.example", 3, 1), 3)  # a late batch of the same upload
    assert leads.get_import(job["id"])["status"] == "receiving"


def test_an_upload_nothing_can_resume_fails_when_it_breaks_off_and_keeps_its_rows(leads):
    domain = f"{unique('nokey')}.example"
    job = leads.start_import("people.csv", HEADER, "importer", f"request:{unique()}")
    leads.import_rows(job["id"], 1, rows(domain, 1, 2), 1)

    failed = leads.abandon_import(job["id"], "The service did not answer in time.", False)

    assert failed["status"] == "failed" and failed["finished_at"]
    assert "Those rows are imported" in failed["error"] and "Import the whole file again" in failed["error"]
    wait_for(lambda: leads.get_import(job["id"])["rows_created"] == 2, message="the rows received were not imported")
    with pytest.raises(Conflict):
        leads.import_rows(job["id"], 2, rows(domain, 3, 1), 3)


def test_a_start_delivered_twice_makes_one_job(leads, db):
    key = f"request:{unique()}"
    first = leads.start_import("people.csv", HEADER, "importer", key)
    assert leads.start_import("people.csv", HEADER, "importer", key)["id"] == first["id"]
    assert db.scalar("SELECT count(*) FROM import_jobs WHERE upload_key = %s", (key,)) == 1

def test_a_key_names_one_file_and_a_failed_job_is_not_resumed(leads):
    key = f"user-1:{unique()}"
    job = leads.start_import("people.csv", HEADER, "importer", key)
    with pytest.raises(Conflict) as other_file:
        leads.start_import("other.csv", ["Email", "Company"], "importer", key)
    assert job["id"] in other_file.value.detail and "other columns" in other_file.value.detail

    leads.finish_import(job["id"], 0)
    assert leads.start_import("people.csv", HEADER, "importer", key)["status"] == "done"

    broken = leads.start_import("people.csv", HEADER, "importer", f"user-2:{unique()}")
    leads.abandon_import(broken["id"], "gone")
    leads.finish_import(broken["id"], 0)
    assert leads.get_import(broken["id"])["status"] == "done"  # an abandoned upload may still be finished


def test_the_same_key_of_two_users_names_two_uploads(leads):
    key = unique()
    first = leads.start_import("people.csv", HEADER, "ann", f"user-1:{key}")
    second = leads.start_import("people.csv", HEADER, "bob", f"user-2:{key}")
    assert first["id"] != second["id"]
