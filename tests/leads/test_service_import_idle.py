"""An import whose upload goes quiet for IMPORT_IDLE_SECONDS fails, keeping
the rows received, with an error that says what to do."""

import pytest

from services.leads.service import LeadsService
from shared.kit.testing import start_container
from tests.leads.conftest import unique, wait_for

IDLE_SECONDS = 1


@pytest.fixture(scope="module")
def service(leads_config, db):
    """The service with a short idle time for uploads."""
    config = {**leads_config, "IMPORT_IDLE_SECONDS": IDLE_SECONDS}
    container = start_container(LeadsService, config)
    yield container
    container.kill()
    db.wait_relay_free()


def wait_status(leads, job_id, status, timeout=20):
    return wait_for(lambda: (job := leads.get_import(job_id))["status"] == status and job, timeout,
                    message=f"import {job_id} did not become {status}")


@pytest.mark.parametrize("key", [None, "user-1:{}"])
def test_a_quiet_upload_fails_its_job_keeping_the_rows_received(leads, key):
    domain = f"{unique('idle')}.example"
    job = leads.start_import("people.csv", ["Email"], "importer", key and key.format(unique()))
    leads.import_rows(job["id"], 1, [[f"a@{domain}"], [f"b@{domain}"], ["not-an-email"]], 1)

    failed = wait_status(leads, job["id"], "failed")

    assert (failed["rows_received"], failed["rows_created"], failed["rows_failed"]) == (3, 2, 1)
    assert failed["error"].startswith(f"Nothing arrived from the upload for {IDLE_SECONDS} s after 3 rows had been "
                                      "received, so the import stopped there: those rows are imported (2 created, "
                                      "1 refused: see the row errors)"), failed["error"]
    assert "Import the whole file again as a new import" in failed["error"]


def test_an_abandoned_upload_nobody_resumes_fails(leads):
    job = leads.start_import("people.csv", ["Email"], "importer", f"user-1:{unique()}")
    leads.abandon_import(job["id"], "The service did not answer in time.")
    assert wait_status(leads, job["id"], "failed")["error"].startswith("Nothing arrived from the upload")
