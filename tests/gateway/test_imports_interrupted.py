"""A CSV upload interrupted by the leads service going away, through the real
gateway, broker and service: the leads container is killed while the file is
being read (calls it took but had not acknowledged are delivered again when
it is back).  Sent again with the same Idempotency-Key, the upload resumes
its job (one job, every row once); without a key, the job fails cleanly
instead of staying ``receiving``."""

import io
import uuid

import pytest

from gateway.app import create_app
from services.leads.service import LeadsService
from shared.kit.testing import start_container
from tests.gateway.conftest import WatchedBody, assert_problem, bearer
from tests.gateway.test_leads_api import LeadsTables, wait_for

ROWS = 5000  # three batches


class Leads:
    """The leads service in this process, stopped and started by the tests."""

    def __init__(self, config, tables):
        self.config = config
        self.tables = tables
        self.container = None

    def start(self, **overrides):
        self.container = start_container(LeadsService, {**self.config, **overrides})

    def stop(self):
        if self.container is not None:
            self.container.kill()
            self.container = None
            wait_for(self.tables.relay_free, 15, message="the leads relay kept its lock")


@pytest.fixture(scope="module")
def tables(component_config):
    config = component_config("leads")
    db = LeadsTables(config["DATABASE_URL"])
    yield db
    db.conn.close()


@pytest.fixture(scope="module")
def leads(component_config, tables):
    service = Leads(component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2), tables)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def api(gateway_config, leads):
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 3})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client()
    app.extensions["gateway"].close()


def csv_file(tag):
    lines = ["first_name,last_name,email"] + [f"Ada,Cut-{tag}-{n},ada.{tag}.{n}@example.com" for n in range(ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode()


def jobs_named(tables, filename):
    return tables.conn.execute("SELECT id, status, rows_received, rows_created, error, created_at FROM import_jobs"
                               " WHERE filename = %s ORDER BY created_at", (filename,)).fetchall()


def imported(tables, tag):
    return tables.conn.execute("SELECT count(*) AS n, count(DISTINCT email_norm) AS distinct_n FROM leads"
                               " WHERE last_name LIKE %s", (f"Cut-{tag}-%",)).fetchone()


def upload(api, token, filename, body, key=None, cut=None):
    headers = {**bearer(token), "Content-Type": "text/csv", **({"Idempotency-Key": key} if key else {})}
    if cut is None:
        return api.post(f"/api/v1/leads/imports?filename={filename}", data=body, headers=headers)
    stream = WatchedBody(body, at=len(body) * 6 // 10, cut=cut)
    return api.post(f"/api/v1/leads/imports?filename={filename}", input_stream=stream, content_length=len(body),
                    headers=headers)


def test_an_upload_cut_off_resumes_its_job_when_sent_again_with_the_same_key(api, tokens, leads, tables):
    tag, key = uuid.uuid4().hex[:10], str(uuid.uuid4())
    filename, body = f"cut-{tag}.csv", csv_file(tag)

    cut_off = upload(api, tokens["sales"], filename, body, key, cut=leads.stop)

    assert_problem(cut_off, 503)
    (job,) = jobs_named(tables, filename)
    assert job["status"] in ("receiving", "abandoned")
    leads.start()
    resumed = upload(api, tokens["sales"], filename, body, key)
    assert resumed.status_code == 202, resumed.get_json()
    assert resumed.get_json()["id"] == str(job["id"])
    assert resumed.headers["Location"] == f"/api/v1/leads/imports/{job['id']}"
    done = wait_for(lambda: (body := api.get(resumed.headers["Location"], headers=bearer(tokens["sales"])).get_json())
                    ["status"] == "done" and body, 60, message="the resumed import did not finish")
    assert (done["rows_received"], done["rows_created"], done["rows_failed"]) == (ROWS, ROWS, 0)
    assert len(jobs_named(tables, filename)) == 1
    assert imported(tables, tag) == {"n": ROWS, "distinct_n": ROWS}
    replayed = upload(api, tokens["sales"], filename, body, key)
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.get_json()["id"] == str(job["id"])


def test_an_upload_cut_off_without_a_key_fails_its_job_keeping_the_rows_received(api, tokens, leads, tables):
    tag = uuid.uuid4().hex[:10]
    filename, body = f"cut-{tag}.csv", csv_file(tag)

    cut_off = upload(api, tokens["sales"], filename, body, cut=leads.stop)

    assert_problem(cut_off, 503)
    # The route could not tell the service: its message waits in the broker, or the idle time ends the job.
    leads.start(IMPORT_IDLE_SECONDS=5)
    try:
        job = wait_for(lambda: (jobs := jobs_named(tables, filename))[0]["status"] == "failed" and jobs[0], 30,
                       message="the cut-off import did not fail")
        assert "Import the whole file again as a new import" in job["error"], job["error"]
        assert job["rows_received"] < ROWS
        wait_for(lambda: imported(tables, tag)["n"] == job["rows_received"], 30,
                 message="the rows received were not imported")
        assert len(jobs_named(tables, filename)) == 1
    finally:
        leads.stop()
        leads.start()


class Truncated(io.RawIOBase):
    """A body that ends before the length it claims: the client went away.
    (The test client measures a body by seeking to its end: that end is the
    claimed one.)"""

    def __init__(self, data, keep):
        self.data = io.BytesIO(data[:keep])
        self.claimed = len(data)
        self.at_end = False

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.at_end = whence == io.SEEK_END
        return self.claimed + offset if self.at_end else self.data.seek(offset, whence)

    def tell(self):
        return self.claimed if self.at_end else self.data.tell()

    def readinto(self, buffer):
        return self.data.readinto(buffer)


def test_a_client_that_went_away_resumes_with_the_same_key(api, tokens, leads, tables):
    tag, key = uuid.uuid4().hex[:10], str(uuid.uuid4())
    filename, body = f"gone-{tag}.csv", csv_file(tag)
    headers = {**bearer(tokens["sales"]), "Content-Type": "text/csv", "Idempotency-Key": key}
    leads.stop()  # a service of its own, not one restarted in the middle of the earlier tests' cuts
    leads.start()

    gone = api.post(f"/api/v1/leads/imports?filename={filename}", input_stream=Truncated(body, len(body) // 2),
                    headers=headers)
    assert gone.status_code == 400, gone.get_json()  # werkzeug: the client disconnected; nobody reads this answer
    resumed = api.post(f"/api/v1/leads/imports?filename={filename}", data=body, headers=headers)
    assert resumed.status_code == 202, resumed.get_json()  # not a replay of the 400: the upload resumes
    assert "Idempotent-Replayed" not in resumed.headers
    done = wait_for(lambda: (job := api.get(resumed.headers["Location"], headers=bearer(tokens["sales"])).get_json())
                    ["status"] == "done" and job, 60, message="the resumed import did not finish")
    assert (done["rows_received"], done["rows_created"]) == (ROWS, ROWS)
    assert len(jobs_named(tables, filename)) == 1
    assert imported(tables, tag) == {"n": ROWS, "distinct_n": ROWS}
