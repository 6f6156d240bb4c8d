"""CSV imports: batches handed over by number, processed in the background,
with a row-numbered error report."""

import pytest

from shared.schemas.errors import Conflict, NotFound, ValidationFailed
from shared.schemas.leads import ImportErrorPageSchema, ImportJobSchema
from tests.leads.conftest import unique, wait_for

HEADER = ["First Name", "Last Name", "E-mail", "Company", "Country", "Favourite colour"]


def wait_done(leads, job_id, timeout=20):
    return wait_for(lambda: (job := leads.get_import(job_id))["status"] == "done" and job, timeout,
                    message=f"import {job_id} did not finish")


def all_errors(leads, job_id, limit=2):
    """Every row error of the job, page by page."""
    items, cursor = [], None
    while True:
        page = leads.import_errors(job_id, cursor, limit)
        ImportErrorPageSchema().load(page)
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_an_import_creates_the_good_rows_and_reports_the_bad_ones(leads, db, events):
    domain = f"{unique('imp')}.example"
    existing = leads.create_lead({"last_name": "Known", "email": f"known@{domain}"}, "tester")
    rows = [
        ["Ann", "Archer", f"ann@{domain}", "Acme", "DE", "blue"],  # 1 good
        ["Bob", "Baker", f"bob@{domain}", "Acme", "de", ""],  # 2 good
        ["Cid", "Cole", "not-an-email", "Acme", "DE", "red"],  # 3 bad email
        ["Ann", "Archer", f"  ANN@{domain.upper()} ", "Acme", "DE", "blue"],  # 4 duplicate of row 1
        ["Kim", "Known", f"known@{domain}", "", "", ""],  # 5 duplicate of an existing lead
        ["Dan", "Dale", f"dan@{domain}", "Acme", "Germany", ""],  # 6 bad country
        ["Eve", "Eden", f"eve@{domain}", "Acme", "DE", "green", "surplus"],  # 7 more cells than columns
        ["", "", "", "", "DE", "pink"],  # 8 names no one
        ["Fay", "Fox", f"fay@{domain}", "", "", ""],  # 9 good, empty cells
        ["Bob", "Baker", f"BOB@{domain}", "Acme", "DE", ""],  # 10 duplicate of row 2, in another batch
        ["Gus", "Grey", f"gus@{domain}"],  # 11 good, short row
    ]

    job = leads.start_import("contacts.csv", HEADER, "importer")
    ImportJobSchema().load(job)
    assert job["status"] == "receiving" and job["rows_received"] == 0
    assert leads.import_rows(job["id"], 1, rows[:5]) == {"rows_received": 5}
    assert leads.import_rows(job["id"], 2, rows[5:]) == {"rows_received": 11}
    assert leads.import_rows(job["id"], 1, rows[:5]) == {"rows_received": 11}  # a retried batch is ignored
    assert leads.import_rows(job["id"], 2, [["Zed", "Zero", f"zed@{domain}"]]) == {"rows_received": 11}
    assert leads.finish_import(job["id"], 2)["status"] in ("processing", "done")
    done = wait_done(leads, job["id"])

    ImportJobSchema().load(done)
    assert done["rows_received"] == done["rows_done"] == 11
    assert done["rows_created"] == 4
    assert done["rows_failed"] == 7
    assert done["finished_at"] and done["created_by"] == "importer" and done["filename"] == "contacts.csv"

    def lead_by_email(email):
        (lead,) = leads.list_leads({"q": email})["items"]
        return lead

    ann, bob = lead_by_email(f"ann@{domain}"), lead_by_email(f"bob@{domain}")
    errors = {item["row"]: item for item in all_errors(leads, job["id"])}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 10]
    assert "email" in errors[3]["errors"]
    assert "country" in errors[6]["errors"]
    assert "_row" in errors[7]["errors"]
    assert "_schema" in errors[8]["errors"]
    assert {row: errors[row]["duplicate_of"] for row in (4, 5, 10)} == {4: ann["id"], 5: existing["id"], 10: bob["id"]}
    assert {row: list(errors[row]["errors"]) for row in (4, 5, 10)} == {4: ["email"], 5: ["email"], 10: ["email"]}
    assert all(errors[row]["duplicate_of"] is None for row in (3, 6, 7, 8))

    assert ann["attributes"] == {"Favourite colour": "blue"}
    assert ann["source"] == "import" and ann["country"] == "DE" and ann["company"] == "Acme"
    assert bob["attributes"] == {}
    fay = lead_by_email(f"fay@{domain}")
    assert fay["company"] is None and fay["attributes"] == {}
    assert leads.count_leads({"q": domain})["total"] == 5  # four imported and the existing one
    assert db.scalar("SELECT count(*) FROM leads WHERE import_job_id = %s", (job["id"],)) == 4

    every_id = [lead["id"] for lead in leads.list_leads({"q": domain})["items"]]  # the existing lead's too
    events.wait(lambda: all(events.of("lead.created", lead_id) for lead_id in every_id))
    events.settle(db, every_id)
    assert sorted(event.lead_id for event in events.of("lead.created") if domain in event.data["lead"]["email"]) \
        == sorted(every_id)


def test_many_rows_in_several_batches(leads, db):
    domain = f"{unique('bulk')}.example"
    rows = [[f"First{n}", f"Last{n}", f"person{n}@{domain}", f"Company {n % 7}", "FR", str(n)] for n in range(1200)]
    job = leads.start_import("bulk.csv", HEADER, "importer")
    for seq, start in enumerate(range(0, len(rows), 250), 1):
        leads.import_rows(job["id"], seq, rows[start:start + 250])
    leads.finish_import(job["id"], seq)
    done = wait_done(leads, job["id"])
    assert (done["rows_done"], done["rows_created"], done["rows_failed"]) == (1200, 1200, 0)
    assert done["rows_per_second"] > 0
    assert db.scalar("SELECT count(DISTINCT email_norm) FROM leads WHERE import_job_id = %s", (job["id"],)) == 1200
    assert leads.import_errors(job["id"]) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(("header", "key"), [
    (["Title", "Country", "Favourite colour"], "header"),
    ([], "header"),
    (["", " "], "header"),
    (["Email", "E-mail"], "header[1]"),
    ("Email", "header"),
    (["Email", 7], "header"),
    (None, "header"),
])
def test_a_header_without_a_usable_identifying_column_is_refused(leads, db, header, key):
    jobs = db.scalar("SELECT count(*) FROM import_jobs")
    with pytest.raises(ValidationFailed) as raised:
        leads.start_import("bad.csv", header, "importer")
    assert key in raised.value.errors, raised.value.errors
    assert db.scalar("SELECT count(*) FROM import_jobs") == jobs


def test_finish_with_the_wrong_number_of_batches_is_refused(leads):
    job = leads.start_import("short.csv", HEADER, "importer")
    leads.import_rows(job["id"], 1, [["Ann", "Archer", f"ann@{unique()}.example"]])
    with pytest.raises(ValidationFailed) as raised:
        leads.finish_import(job["id"], 2)
    assert "batches" in raised.value.errors
    assert leads.get_import(job["id"])["status"] == "receiving"


def test_a_finished_import_takes_no_more_rows(leads):
    job = leads.start_import("closed.csv", HEADER, "importer")
    leads.import_rows(job["id"], 1, [["Ann", "Archer", f"ann@{unique()}.example"]])
    leads.finish_import(job["id"], 1)
    with pytest.raises(Conflict):
        leads.import_rows(job["id"], 2, [["Bob", "Baker", f"bob@{unique()}.example"]])
    assert wait_done(leads, job["id"])["rows_done"] == 1
    assert leads.finish_import(job["id"], 1)["status"] == "done"  # finishing again is harmless


@pytest.mark.parametrize("rows", ["Ann,Archer", ["Ann", "Archer"], [["Ann"], "Bob"]])
def test_rows_that_are_not_lists_of_cells_are_refused(leads, rows):
    job = leads.start_import("odd.csv", HEADER, "importer")
    with pytest.raises(ValidationFailed):
        leads.import_rows(job["id"], 1, rows)
    assert leads.get_import(job["id"])["rows_received"] == 0


def test_cells_that_are_not_text_are_refused_before_they_reach_the_worker(leads, service):
    """A stored batch the worker cannot read would kill the service at every
    start; such rows are refused when they are handed over."""
    domain = f"{unique('cells')}.example"
    job = leads.start_import("typed.csv", ["Email", "Company size"], "importer")
    with pytest.raises(ValidationFailed) as raised:
        leads.import_rows(job["id"], 1, [[f"a@{domain}", "5"], [f"b@{domain}", 250], [f"c@{domain}", ["x"]]])
    assert set(raised.value.errors) == {"rows[1]", "rows[2]"}
    assert leads.get_import(job["id"])["rows_received"] == 0
    leads.import_rows(job["id"], 1, [[f"a@{domain}", "5"], [f"b@{domain}", None]])
    leads.finish_import(job["id"], 1)
    assert wait_done(leads, job["id"])["rows_created"] == 2
    assert leads.health()["status"] == "ok"


@pytest.mark.parametrize(("call", "field"), [
    (lambda leads, job_id: leads.import_rows(job_id, "x", []), "seq"),
    (lambda leads, job_id: leads.import_rows(job_id, 0, []), "seq"),
    (lambda leads, job_id: leads.import_rows(job_id, None, []), "seq"),
    (lambda leads, job_id: leads.import_rows(job_id, 1.5, []), "seq"),
    (lambda leads, job_id: leads.finish_import(job_id, "z"), "batches"),
    (lambda leads, job_id: leads.finish_import(job_id, -1), "batches"),
    (lambda leads, job_id: leads.import_errors(job_id, None, "x"), "limit"),
    (lambda leads, job_id: leads.import_errors(job_id, "garbage!"), "cursor"),
    (lambda leads, job_id: leads.import_errors(job_id, "MTI="), "cursor"),  # "12": not as this API writes it
])
def test_bad_numbers_are_refused_per_field(leads, call, field):
    job = leads.start_import("numbers.csv", HEADER, "importer")
    with pytest.raises(ValidationFailed) as raised:
        call(leads, job["id"])
    assert field in raised.value.errors
    assert leads.get_import(job["id"])["status"] == "receiving"


def test_an_unknown_import_is_not_found(leads):
    missing = "00000000-0000-0000-0000-000000000000"
    for call in (lambda: leads.get_import(unique()), lambda: leads.import_errors(missing),
                 lambda: leads.import_rows(missing, 1, [])):
        with pytest.raises(NotFound):
            call()


def test_batches_arriving_out_of_order_keep_their_row_numbers(leads):
    """The gateway keeps two batches in flight, so they may arrive out of
    order; each carries the number of its first row."""
    domain = f"{unique('ooo')}.example"
    first = [[f"a{n}@{domain}"] for n in range(3)]
    second = [[f"b{n}@{domain}"] for n in range(2)] + [["not-an-email"]]
    job = leads.start_import("ooo.csv", ["email"], "tester")
    leads.import_rows(job["id"], 2, second, 4)
    leads.import_rows(job["id"], 1, first, 1)
    leads.finish_import(job["id"], 2)
    done = wait_done(leads, job["id"])
    assert (done["rows_created"], done["rows_failed"]) == (5, 1)
    assert [item["row"] for item in leads.import_errors(job["id"])["items"]] == [6]
    with pytest.raises(ValidationFailed):
        leads.import_rows(job["id"], 3, [], 0)
