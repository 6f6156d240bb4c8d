"""The gateway in front of the real leads service (run in-process over the
real broker and database): the whole path from HTTP to the service's tables
and back."""

import time
import uuid

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from gateway.app import create_app
from services.leads.service import LeadsService
from shared.kit.testing import GreenPool, start_container
from tests.gateway.conftest import assert_problem, bearer
from tests.helpers import gunicorn_gateway


def wait_for(predicate, timeout=20, interval=0.1, message="condition not met in time"):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, message
        time.sleep(interval)
    return result


def tag():
    return uuid.uuid4().hex[:10]


def person(**fields):
    t = tag()
    return {"first_name": "Ada", "last_name": f"Lovelace-{t}", "email": f"ada.{t}@example.com",
            "company": f"Engines {t}", **fields}


class LeadsTables:
    def __init__(self, database_url):
        self.conn = psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                                    options="-c search_path=leads,public")

    def counts(self):
        row = self.conn.execute("SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM outbox) AS"
                                " outbox, (SELECT count(*) FROM lead_history) AS history,"
                                " (SELECT count(*) FROM import_jobs) AS jobs").fetchone()
        return dict(row)

    def relay_free(self):
        return self.conn.execute(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND l.objid = (hashtext('crm-outbox:leads')::bigint & 4294967295)::oid").fetchone()["n"] == 0


@pytest.fixture(scope="module")
def leads_config(component_config):
    return component_config("leads", OUTBOX_POLL_SECONDS=0.2, WORKER_POLL_SECONDS=0.2)


@pytest.fixture(scope="module")
def tables(leads_config):
    db = LeadsTables(leads_config["DATABASE_URL"])
    yield db
    db.conn.close()


@pytest.fixture(scope="module")
def leads_service(leads_config, tables):
    """A LeadsService container for the module (as nameko's container_factory
    makes one, but started once: stopping one takes a second)."""
    container = start_container(LeadsService, dict(leads_config))
    yield container
    container.kill()
    wait_for(tables.relay_free, 15, message="the leads relay kept its lock")


@pytest.fixture(scope="module")
def api(gateway_config, leads_service):
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 4, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app.test_client()
    app.extensions["gateway"].close()


def create(api, token, **fields):
    response = api.post("/api/v1/leads", json=person(**fields), headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_get_list_patch(api, tokens):
    sales = bearer(tokens["sales"])
    response = api.post("/api/v1/leads", json=person(country="de", company_size=40, owner="ann"), headers=sales)
    assert response.status_code == 201, response.get_json()
    lead = response.get_json()
    assert response.headers["Location"] == f"/api/v1/leads/{lead['id']}"
    assert response.headers["ETag"] == '"1"'
    assert lead["country"] == "DE" and lead["status"] == "new" and lead["source"] == "manual"

    fetched = api.get(response.headers["Location"], headers=bearer(tokens["readonly"]))
    assert fetched.status_code == 200 and fetched.get_json() == lead

    page = api.get(f"/api/v1/leads?q={lead['last_name']}&status=new&status=working&owner=ann",
                   headers=sales).get_json()
    assert [item["id"] for item in page["items"]] == [lead["id"]]
    assert api.get(f"/api/v1/leads?q={lead['last_name']}&status=qualified", headers=sales).get_json()["items"] == []
    counts = api.get(f"/api/v1/leads/counts?q={lead['last_name']}", headers=sales).get_json()
    assert counts == {"total": 1, "by_status": {"new": 1}, "by_source": {"manual": 1}}

    changed = api.patch(response.headers["Location"], json={"status": "working", "title": "CTO"},
                        headers={**sales, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["status"] == "working" and changed.headers["ETag"] == '"2"'
    stale = api.patch(response.headers["Location"], json={"title": "CEO"}, headers={**sales, "If-Match": '"1"'})
    assert_problem(stale, 412)
    illegal = api.patch(response.headers["Location"], json={"status": "converted"}, headers=sales)
    assert_problem(illegal, 409)

    history = api.get(f"/api/v1/leads/{lead['id']}/history", headers=sales).get_json()["items"]
    assert [entry["action"] for entry in history] == ["updated", "created"]
    assert history[0]["actor"] == api.get("/api/v1/me", headers=sales).get_json()["username"]


def test_duplicate_is_409_with_the_existing_id(api, tokens):
    lead = create(api, tokens["sales"])
    again = api.post("/api/v1/leads", json=person(email=lead["email"].upper()), headers=bearer(tokens["marketing"]))
    body = assert_problem(again, 409, "email")
    assert body["existing_id"] == lead["id"]
    assert lead["id"] in body["detail"]


def test_owner_engagement_merge_and_score(api, tokens):
    sales = bearer(tokens["sales"])
    survivor = create(api, tokens["sales"], phone=None)
    duplicate = create(api, tokens["sales"], phone="+49 30 1234567")
    assigned = api.put(f"/api/v1/leads/{survivor['id']}/owner", json={"owner": "bob"}, headers=sales)
    assert assigned.status_code == 200 and assigned.get_json()["owner"] == "bob"
    engaged = api.post(f"/api/v1/leads/{survivor['id']}/engagements", json={"kind": "call"}, headers=sales)
    assert engaged.status_code == 200 and engaged.get_json()["engagement"] == 1
    merged = api.post(f"/api/v1/leads/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]}, headers=sales)
    assert merged.status_code == 200, merged.get_json()
    assert (merged.get_json()["phone"], merged.get_json()["phone_text"]) == ("+49301234567", "+49 30 1234567")
    gone = api.get(f"/api/v1/leads/{duplicate['id']}", headers=sales).get_json()
    assert gone["merged_into"] == survivor["id"]
    score = api.get(f"/api/v1/leads/{survivor['id']}/score", headers=sales).get_json()
    assert score["score"] == merged.get_json()["score"] and isinstance(score["contributions"], list)
    rules = api.get("/api/v1/leads/scoring-rules", headers=bearer(tokens["readonly"])).get_json()
    assert isinstance(rules["rules"], list)
    assert isinstance(api.get("/api/v1/leads/assignment-rules", headers=sales).get_json()["rules"], list)
    for kind in ("scoring", "assignment"):
        changes = api.get(f"/api/v1/leads/{kind}-rules/changes?limit=1", headers=sales)
        assert changes.status_code == 200, changes.get_json()
        assert set(changes.get_json()) == {"items", "next_cursor"}
    newest = api.get("/api/v1/leads/scoring-rules/changes?limit=1", headers=sales).get_json()["items"]
    assert newest and newest[0]["rules"] == rules["rules"] and newest[0]["changed_by"] == rules["changed_by"]


def test_unknown_ids_are_404_from_the_service(api, tokens):
    missing = str(uuid.uuid4())
    for path in (f"/api/v1/leads/{missing}", f"/api/v1/leads/{missing}/history", f"/api/v1/leads/{missing}/score",
                 f"/api/v1/leads/imports/{missing}", f"/api/v1/leads/imports/{missing}/errors"):
        assert_problem(api.get(path, headers=bearer(tokens["readonly"])), 404)
    assert_problem(api.patch(f"/api/v1/leads/{missing}", json={"title": "x"}, headers=bearer(tokens["sales"])), 404)


def test_import_a_csv_with_a_bad_row(api, tokens):
    sales = bearer(tokens["sales"])
    t = tag()
    rows = [f"Ada,Imported-{t}-{n},ada.{t}.{n}@example.com,Firm {t}" for n in range(5)]
    rows.insert(2, f"Bad,Row-{t},not-an-email,Firm {t}")
    data = ("\ufefffirst_name,last_name,email,company\r\n" + "\r\n".join(rows) + "\r\n").encode()
    response = api.post("/api/v1/leads/imports?filename=people.csv", data=data,
                        headers={**sales, "Content-Type": "text/csv"})
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["filename"] == "people.csv" and job["rows_received"] == 6
    location = response.headers["Location"]

    done = wait_for(lambda: (body := api.get(location, headers=sales).get_json())["status"] == "done" and body)
    assert (done["rows_done"], done["rows_created"], done["rows_failed"]) == (6, 5, 1)
    errors = api.get(f"{location}/errors", headers=sales).get_json()["items"]
    assert [(item["row"], list(item["errors"])) for item in errors] == [(3, ["email"])]
    listed = api.get(f"/api/v1/leads?q=Imported-{t}&source=import&limit=10", headers=sales).get_json()["items"]
    assert len(listed) == 5


def test_import_with_unusable_header_makes_no_job(api, tokens, tables):
    before = tables.counts()
    response = api.post("/api/v1/leads/imports", data=b"colour,size\r\nred,big\r\n",
                        headers={**bearer(tokens["sales"]), "Content-Type": "text/csv"})
    assert_problem(response, 422, "header")
    response = api.post("/api/v1/leads/imports", data=b"",
                        headers={**bearer(tokens["sales"]), "Content-Type": "text/csv"})
    assert_problem(response, 400, "file")
    assert tables.counts() == before


def test_web_form(api, tables):
    t = tag()
    form = {"first_name": "Grace", "last_name": f"Hopper-{t}", "email": f"grace.{t}@example.com",
            "message": "Please call"}
    response = api.post("/api/v1/public/web-form", data=form)
    assert response.status_code == 202 and response.get_json() == {"status": "received"}
    row = tables.conn.execute("SELECT source, notes, engagement FROM leads WHERE last_name = %s",
                              (form["last_name"],)).fetchone()
    assert row == {"source": "web_form", "notes": "Please call", "engagement": 0}
    again = api.post("/api/v1/public/web-form", json=form)
    assert again.status_code == 202
    rows = tables.conn.execute("SELECT engagement FROM leads WHERE last_name = %s", (form["last_name"],)).fetchall()
    assert rows == [{"engagement": 1}]


def test_nothing_is_half_written_on_bad_input(api, tokens, tables):
    lead = create(api, tokens["sales"])
    before = tables.counts()
    sales, readonly = bearer(tokens["sales"]), bearer(tokens["readonly"])
    location = f"/api/v1/leads/{lead['id']}"
    bad = [
        api.post("/api/v1/leads", json={"last_name": "X" * 101}, headers=sales),
        api.post("/api/v1/leads", json={**person(), "colour": "red"}, headers=sales),
        api.post("/api/v1/leads", json=person(), headers=readonly),
        api.post("/api/v1/leads", json=person()),
        api.patch(location, json={"status": "closed"}, headers=sales),
        api.patch(location, json={"status": "qualified", "company_size": "many"}, headers=sales),
        api.patch(location, json={"title": "CEO"}, headers={**sales, "If-Match": '"7"'}),
        api.put(f"{location}/owner", json={"owner": ""}, headers=sales),
        api.post(f"{location}/merge", json={"duplicate_id": lead["id"]}, headers=sales),
        api.post(f"{location}/merge", json={"duplicate_id": str(uuid.uuid4())}, headers=sales),
        api.post(f"{location}/engagements", json={"kind": ""}, headers=sales),
        api.post("/api/v1/leads/not-a-uuid/engagements", json={"kind": "call"}, headers=sales),
        api.put("/api/v1/leads/scoring-rules", json={"rules": [{"id": "x"}]}, headers=bearer(tokens["admin"])),
        api.put("/api/v1/leads/assignment-rules", json={"rules": [{"id": "x"}]}, headers=bearer(tokens["admin"])),
        api.post("/api/v1/public/web-form", json={"last_name": "X", "email": "nope"}),
    ]
    assert all(400 <= response.status_code < 500 for response in bad), [r.status_code for r in bad]
    for response in bad:
        assert response.mimetype == "application/problem+json"
    assert tables.counts() == before
    assert api.get(location, headers=sales).get_json() == lead


def test_the_services_span_is_a_child_of_the_request_span(api, tokens, spans):
    lead = create(api, tokens["sales"])
    trace_id = uuid.uuid4().hex
    response = api.get(f"/api/v1/leads/{lead['id']}", headers={
        **bearer(tokens["readonly"]), "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01", "X-Request-ID": "trace-me"})
    assert response.status_code == 200

    def trace_spans():
        found = [span for span in spans.get_finished_spans() if format(span.context.trace_id, "032x") == trace_id]
        return len(found) >= 2 and found

    found = wait_for(trace_spans, 10)
    server = next(span for span in found if span.name.startswith("GET "))
    service = next(span for span in found if span.name == "leads.get_lead")
    assert service.parent.span_id == server.context.span_id


# The gateway as it runs in production: gunicorn, gthread, no eventlet --------


@pytest.fixture(scope="module")
def gateway_under_gunicorn(test_env, leads_service, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gunicorn") / "gateway.log"
    with gunicorn_gateway(test_env, log_path, timeout=30, GATEWAY_WORKERS=2) as (base, _process):
        yield base, log_path


def test_under_gunicorn(gateway_under_gunicorn, tokens):
    base, log_path = gateway_under_gunicorn
    sales = bearer(tokens["sales"])
    response = requests.post(f"{base}/api/v1/leads", json=person(), headers={**sales, "X-Request-ID": "gunicorn-1"},
                             timeout=30)
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == "gunicorn-1"
    lead = response.json()
    fetched = requests.get(f"{base}{response.headers['Location']}", headers=sales, timeout=30)
    assert fetched.json() == lead
    # many at once: gthread workers share their pools of RPC proxies and connections between threads
    threads = GreenPool(24)
    answers = list(threads.imap(lambda _: requests.get(f"{base}{response.headers['Location']}", headers=sales,
                                                       timeout=30), range(48)))
    assert [answer.status_code for answer in answers] == [200] * 48
    assert all(answer.json() == lead for answer in answers)
    assert requests.get(f"{base}/api/v1/leads/nope", headers=sales, timeout=30).headers["Content-Type"] == \
        "application/problem+json"
    csv_body = (f"last_name,email\nStreamed,streamed.{tag()}@example.com\n").encode()
    upload = requests.post(f"{base}/api/v1/leads/imports", data=iter([csv_body[:10], csv_body[10:]]),
                           headers={**sales, "Content-Type": "text/csv"}, timeout=30)  # chunked
    assert upload.status_code == 202, upload.text
    assert "rid=gunicorn-1" in log_path.read_text()  # access log carries the correlation id


def test_calls_to_the_services_are_counted(api, tokens):
    from prometheus_client.parser import text_string_to_metric_families

    def ok_calls():
        text = api.get("/metrics").get_data(as_text=True)
        return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                   if sample.name == "crm_rpc_client_calls_total"
                   and sample.labels == {"service": "leads", "method": "get_lead", "outcome": "ok"})

    lead = create(api, tokens["sales"])
    before = ok_calls()
    assert api.get(f"/api/v1/leads/{lead['id']}", headers=bearer(tokens["sales"])).status_code == 200
    assert ok_calls() == before + 1
