"""A batch the background worker cannot process fails its import job (with
the error, the batch's partial work rolled back) and the service carries on
with other work."""

from psycopg.types.json import Jsonb

from tests.leads.conftest import person, unique, wait_for


def wait_status(leads, job_id, status, timeout=20):
    return wait_for(lambda: (job := leads.get_import(job_id))["status"] == status and job, timeout,
                    message=f"import {job_id} did not become {status}")


def test_a_batch_failing_midway_fails_its_job_and_keeps_none_of_its_work(leads, db):
    domain = f"{unique('overlap')}.example"
    job = leads.start_import("overlap.csv", ["email"], "importer")
    # Both batches claim to start at row 1, so both report an error for row 1: the second
    # report breaks the batch after its good row was written.
    leads.import_rows(job["id"], 1, [["not-an-email"], [f"one@{domain}"]], 1)
    leads.import_rows(job["id"], 2, [["also-not-an-email"], [f"two@{domain}"]], 1)
    leads.finish_import(job["id"], 2)

    failed = wait_status(leads, job["id"], "failed")

    assert failed["error"].startswith("Rows 1-2 (batch 2) could not be imported: UniqueViolation"), failed["error"]
    assert "2 rows before them were processed (1 created, 1 refused" in failed["error"], failed["error"]
    assert failed["finished_at"] is not None
    assert (failed["rows_done"], failed["rows_created"], failed["rows_failed"]) == (2, 1, 1)
    assert db.scalar("SELECT count(*) FROM leads WHERE email_norm = %s", (f"two@{domain}",)) == 0
    assert db.scalar("SELECT count(*) FROM import_batches WHERE job_id = %s AND processed_at IS NULL",
                     (job["id"],)) == 0
    assert db.scalar("SELECT count(*) FROM outbox WHERE body LIKE %s", (f"%one@{domain}%",)) == 1
    assert db.scalar("SELECT count(*) FROM outbox WHERE body LIKE %s", (f"%two@{domain}%",)) == 0
    db.wait_idle()


def test_a_batch_that_breaks_the_worker_fails_its_job_and_the_service_goes_on(leads, db):
    job = leads.start_import("broken.csv", ["email", "company"], "importer")
    # A batch stored with a cell that is not text (as an older version, or a bug, could leave one).
    db.one("INSERT INTO import_batches (job_id, seq, first_row, rows) VALUES (%s, 1, 1, %s) RETURNING seq",
           (job["id"], Jsonb([[f"x@{unique()}.example", 5]])))

    failed = wait_status(leads, job["id"], "failed")

    assert "AttributeError" in failed["error"], failed["error"]
    later = leads.start_import("later.csv", ["email"], "importer")
    leads.import_rows(later["id"], 1, [[f"later@{unique()}.example"]])
    leads.finish_import(later["id"], 1)
    assert wait_status(leads, later["id"], "done")["rows_created"] == 1
    assert leads.create_lead(person(), "tester")["status"] == "new"
    assert leads.health()["status"] == "ok"
