"""The benchmark's own parts: wrk's figures, the CPU attribution, the
baseline app, the public-API relay publisher and the wrk script."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kombu import Connection, Exchange, Queue

from bench import cpu, http_load, publishers, wrk

WRK_STDOUT = """Running 10s test @ http://127.0.0.1:1/api/v1/leads/x
  2 threads and 16 connections
  Latency Distribution
     50%  8.39ms
CRM_WRK_JSON {"requests":17000,"duration_us":10000000,"bytes":1,"errors":{"connect":0,"read":1,"write":0,\
"status":3,"timeout":2},"latency_us":{"p50":8390,"p90":12000,"p99":38640,"max":90000,"mean":9100.5}}
"""


def test_wrk_figures_come_from_the_done_line():
    figures = wrk.parse(WRK_STDOUT)
    assert figures["rps"] == 1700.0
    assert figures["p50_ms"] == 8.39
    assert figures["p99_ms"] == 38.64
    assert figures["non_2xx_3xx"] == 3
    assert figures["socket_errors"] == 3


def test_wrk_output_without_the_done_line_is_an_error():
    with pytest.raises(RuntimeError, match="CRM_WRK_JSON"):
        wrk.parse("Running 10s test\n")


def test_cpu_seconds_grow_while_a_process_works():
    before = cpu.cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert cpu.cpu_seconds(os.getpid()) > before
    assert cpu.cpu_seconds(2**22 + 1) is None  # above pid_max: never a process


def test_children_and_command_lines_find_a_child_process():
    marker = f"bench-marker-{uuid.uuid4().hex}"
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(30)", marker])
    try:
        assert child.pid in cpu.children(os.getpid())
        assert cpu.pids_by_command(marker) == [child.pid]
    finally:
        child.kill()
        child.wait()


def test_delta_counts_new_processes_whole_and_notes_ended_ones():
    before = {"processes": {1: ("leads 1", 10.0), 2: ("leads 2", 5.0), 3: ("postgres crm-leads", 1.0)},
              "machine_busy": 100.0, "machine_stolen": 1.0, "at": 50.0}
    after = {"processes": {1: ("leads 1", 12.5), 2: ("leads 2", 5.0), 4: ("postgres crm-leads", 0.25)},
             "machine_busy": 110.0, "machine_stolen": 1.5, "at": 55.0}
    change = cpu.delta(before, after)
    assert change["roles"] == {"leads 1": 2.5, "leads 2": 0.0, "postgres crm-leads": 0.25}
    assert change["processes_started"] == 1 and change["processes_ended"] == 1
    assert change["machine_busy_seconds"] == 10.0 and change["wall_seconds"] == 5.0
    assert change["machine_stolen_seconds"] == 0.5


def test_sampler_finds_the_backends_of_its_database_by_application_name(database_url):
    import psycopg

    sampler = cpu.Sampler()
    sampler.add_postgres(database_url)
    with psycopg.connect(database_url, application_name="crm-bench-probe") as conn:
        conn.execute("SELECT 1")
        found = dict(sampler.processes())
        assert found[conn.info.backend_pid] == "postgres crm-bench-probe"
    assert cpu.SERVER_PROCESSES in found.values()
    taken = sampler.sample()["processes"]
    assert all(seconds >= 0 for _role, seconds in taken.values())


def test_each_process_counts_for_the_system_it_serves():
    for role in ("baseline worker 1", "postgres crm-bench-baseline"):
        assert http_load.serves(role, "baseline") and not http_load.serves(role, "gateway")
    for role in ("gateway worker 2", "leads 1", "sales", "rabbitmq", "postgres crm-leads", "postgres (no name)"):
        assert http_load.serves(role, "gateway") and not http_load.serves(role, "baseline")
    assert http_load.serves(cpu.SERVER_PROCESSES, "baseline") and http_load.serves(cpu.SERVER_PROCESSES, "gateway")


def test_cpu_figures_divide_by_the_requests_of_the_run():
    change = {"roles": {"gateway worker 1": 1.0, "leads 1": 0.5, "baseline worker 1": 0.01},
              "machine_busy_seconds": 2.0, "machine_stolen_seconds": 0.0, "wall_seconds": 1.0,
              "processes_started": 0, "processes_ended": 0}
    figures = http_load.cpu_figures(change, "gateway", requests_done=500, cores=2, wrk_cpu=0.1)
    assert figures["ms_per_request"] == {"gateway worker 1": 2.0, "leads 1": 1.0}
    assert figures["total_ms_per_request"] == 3.0
    assert figures["unattributed_ms_per_request"] == 0.8
    assert figures["machine_busy_share"] == 1.0
    assert figures["other_roles_cpu_seconds"] == {"baseline worker 1": 0.01}


@pytest.fixture
def baseline_client(component_config, database_url):
    from bench.baseline_app import create_app

    component_config("leads")  # the leads schema, migrated
    app = create_app(database_url, token="bench-token", pool_size=2)
    yield app.test_client()
    app.extensions["baseline_pool"].close()


def test_baseline_app_creates_and_reads_a_lead(baseline_client):
    auth = {"Authorization": "Bearer bench-token"}
    email = f"Baseline-{uuid.uuid4().hex[:8]}@Bench.Test"
    created = baseline_client.post("/api/v1/leads", headers=auth, json={"last_name": "Base", "email": email,
                                                                        "country": "DE"})
    assert created.status_code == 201
    lead = created.get_json()
    assert lead["email"] == email and lead["email_norm"] == email.lower() and lead["source"] == "api"
    read = baseline_client.get(f"/api/v1/leads/{lead['id']}", headers=auth)
    assert read.status_code == 200 and read.get_json() == lead
    assert baseline_client.get(f"/api/v1/leads/{uuid.uuid4()}", headers=auth).status_code == 404


def test_baseline_app_wants_its_token(baseline_client):
    assert baseline_client.get(f"/api/v1/leads/{uuid.uuid4()}").status_code == 401
    wrong = {"Authorization": "Bearer not-it"}
    assert baseline_client.post("/api/v1/leads", headers=wrong, json={"last_name": "X"}).status_code == 401
    assert baseline_client.get("/health").status_code == 200


def test_batched_frames_publisher_gets_every_message_confirmed_with_heartbeats_on(amqp_uri):
    exchange = f"bench-test-{uuid.uuid4().hex[:6]}"
    queue = Queue(f"{exchange}.sink", Exchange(exchange, type="topic", durable=True), routing_key="#",
                  durable=True, queue_arguments={"x-queue-type": "quorum"})
    messages = publishers.relay_messages(1200)
    publisher = publishers.BatchedFramesPublisher(amqp_uri, exchange)
    try:
        assert publisher.raw.heartbeat > 0
        with Connection(amqp_uri) as conn:
            bound = queue(conn.default_channel)
            bound.declare()
            for start in range(0, len(messages), 500):
                publisher.publish_batch(messages[start:start + 500])
            assert publisher.confirmations.pending == set()
            assert bound.queue_declare(passive=True).message_count == 1200
            bound.delete()
    finally:
        publisher.close()


def test_publisher_comparison_reports_both_publishers(amqp_uri):
    result = publishers.compare(amqp_uri, batch_size=50, events=200, rounds=2)
    for name in ("relay", "batched_frames"):
        assert result[name]["events_per_second"] > 0
        assert len(result[name]["rounds"]) == 2
    assert result["ratio_batched_frames_over_relay"] > 0


class _Recorder(BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):
        self.bodies.append((self.headers["Authorization"], self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench installs it)")
def test_wrk_script_posts_a_unique_lead_per_request():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        figures = wrk.run(f"http://127.0.0.1:{server.server_port}/api/v1/leads", connections=4, seconds=1,
                          mode="create", token="secret", threads=2)
    finally:
        server.shutdown()
        server.server_close()
    bodies = [json.loads(body) for _auth, body in _Recorder.bodies]
    assert figures["requests"] > 0 and figures["non_2xx_3xx"] == 0
    assert len(bodies) >= figures["requests"]
    assert {auth for auth, _body in _Recorder.bodies} == {"Bearer secret"}
    assert len({body["email"] for body in bodies}) == len(bodies)
    assert all(body["last_name"] and body["country"] == "DE" for body in bodies)


def test_console_bytes_are_summed_per_kind_with_the_encodings_served():
    from bench import console

    base = "http://127.0.0.1:1"
    entries = [
        {"url": f"{base}/console/leads", "kind": "navigation", "transfer": 900, "encoded": 600, "decoded": 600},
        {"url": f"{base}/console/assets/index-a1.js", "kind": "script", "transfer": 50_300, "encoded": 50_000,
         "decoded": 180_000},
        {"url": f"{base}/console/assets/index-b2.css", "kind": "link", "transfer": 3_300, "encoded": 3_000,
         "decoded": 12_000},
        {"url": f"{base}/api/v1/leads?limit=50", "kind": "fetch", "transfer": 20_300, "encoded": 20_000,
         "decoded": 20_000},
        {"url": f"{base}/api/v1/auth/session", "kind": "fetch", "transfer": 700, "encoded": 400, "decoded": 400},
    ]
    encodings = {f"{base}/console/assets/index-a1.js": "gzip", f"{base}/console/assets/index-b2.css": "gzip"}
    sizes = console.byte_summary(entries, encodings)
    assert sizes["document"] == {"requests": 1, "transfer": 900, "encoded": 600, "decoded": 600,
                                 "encodings": ["identity"]}
    assert sizes["asset"]["encoded"] == 53_000 and sizes["asset"]["decoded"] == 192_000
    assert sizes["asset"]["encodings"] == ["gzip"]
    assert sizes["api"]["requests"] == 2 and sizes["api"]["encodings"] == ["identity"]
    assert sizes["document_and_assets"] == {"requests": 3, "transfer": 54_500, "encoded": 53_600,
                                            "decoded": 192_600}
    rows = dict(console.rows({"leads": 200_000, "target_ms": 1000, "first_page_bytes": sizes,
                              **{page: {cache: {"median_ms": 400.0, "p99_ms": 1200.0}
                                        for cache in ("warm_cache", "empty_cache")}
                                 for page in ("lead_list", "lead_record")}}))
    assert rows["  assets as served / the document as served"] == "gzip / identity"
    assert any("over the 1 s target" in value for value in rows.values()) is False


def test_orders_gapless_check_takes_exactly_the_next_numbers_of_one_series():
    from bench import orders

    numbers = [f"INV-2026-{n:06d}" for n in (3, 1, 2, 4)]
    assert orders.gapless(numbers, 1) == {"series": "INV-2026-", "first": 1, "last": 4, "count": 4, "gapless": True,
                                          "first_number": "INV-2026-000001", "last_number": "INV-2026-000004"}
    assert orders.gapless(["B7-2026-000011", "B7-2026-000012"], 11)["last"] == 12


@pytest.mark.parametrize(("numbers", "first", "says"), [
    (["INV-2026-000001", "INV-2026-000003"], 1, "gaps (never issued): [2]"),
    (["INV-2026-000001", "INV-2026-000001", "INV-2026-000002"], 1, "duplicates: [1]"),
    (["INV-2026-000002", "INV-2026-000003"], 1, "outside 1..2: [3]"),
    (["INV-2026-000001", "CN-2026-000002"], 1, "several series"),
    (["INV-2026-000001", None], 1, "does not end in its running number"),
])
def test_orders_gapless_check_fails_loudly(numbers, first, says):
    from bench import orders

    with pytest.raises(orders.GaplessCheckFailed, match=re.escape(says)):
        orders.gapless(numbers, first)


@pytest.fixture
def bench_orders_service(test_env):
    """The orders service in this process on a database of its own (the
    bench's number series and catalog stay out of the orders tests' one)."""
    from services.orders.service import OrdersService
    from shared.kit.config import load_component_config
    from shared.kit.migrate import migrate_component
    from shared.kit.testing import start_container
    from tests.services import scratch_database

    with scratch_database(test_env["DATABASE_URL"], "bench_orders") as url:
        config = load_component_config("orders", {**test_env, "DATABASE_URL": url})
        migrate_component("orders", config)
        container = start_container(OrdersService, config)
        try:
            yield config
        finally:
            container.kill()


@pytest.fixture
def admin_post(component_config):
    """``post(path, body)`` through a gateway test client as an admin: the created resource."""
    import psycopg
    from psycopg.rows import dict_row

    from gateway import users
    from gateway.app import create_app

    config = component_config("gateway")
    with psycopg.connect(config["DATABASE_URL"], autocommit=True, row_factory=dict_row,
                         options="-c search_path=gateway") as conn:
        user = users.create_user(conn, f"bench-{uuid.uuid4().hex[:8]}", "admin")
        _, token = users.create_token(conn, user["id"], "bench tests")
    app = create_app({**config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    client = app.test_client()

    def post(path, body):
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    yield post
    app.extensions["gateway"].close()


def test_orders_part_measures_quotes_and_gapless_invoices(bench_orders_service, admin_post):
    from rich.console import Console

    from bench import orders

    sampler = cpu.Sampler()
    sampler.add(orders.SERVICE, os.getpid())  # the service runs in this process here
    sampler.add_postgres(bench_orders_service["DATABASE_URL"])
    figures = orders.measure(bench_orders_service, bench_orders_service["DATABASE_URL"], admin_post, quotes=2,
                             warmup=1, invoices=6, clients=3, invoice_warmup=2, products=3, accounts=2,
                             sampler=sampler, progress=lambda _text: None)
    quotes, invoices = figures["quotes"], figures["invoices"]
    for path in ("gateway", "rpc"):
        assert quotes[path]["lines"]["requests"] == quotes[path]["one_line"]["requests"] == 2
        assert quotes[path]["ratio"]["p50"] > 0
    for measure, clients in (("concurrent", 3), ("single", 1)):
        item = invoices[measure]
        assert item["clients"] == clients and item["requests"] == 6 and item["invoices_per_second"] > 0
        assert item["numbers"]["first"] == 1 and item["numbers"]["last"] == 6 and item["numbers"]["gapless"]
        # CPU time comes in clock ticks (10 ms): a few tiny issues may show none
        assert item["cpu"]["service_ms_per_operation"] >= 0 and item["cpu"]["postgres_ms_per_operation"] >= 0
    assert invoices["concurrent"]["numbers"]["series"] != invoices["single"]["numbers"]["series"]
    out = Console(record=True, width=200)
    out.print(orders.table(figures, {"cores": 2, "cpu": "test"}))
    text = out.export_text()
    assert "20-line quote" in text and "issue invoices, 3 clients" in text and "CPU ms per issue" in text
    assert f"{invoices['single']['numbers']['series']}000001..000006" in text


def test_orders_gapless_check_reads_the_series_in_the_database(bench_orders_service):
    """A number the database holds beyond what the run was answered fails the part."""
    import psycopg

    from bench import orders
    from shared.kit.testing import RpcCluster

    url = bench_orders_service["DATABASE_URL"]
    with RpcCluster(bench_orders_service) as cluster:
        catalog = orders.seed_catalog(cluster.orders, 1, "t", datetime.date.today())
    account_ids = orders.seed_accounts(url, 1, "t")
    drafts = orders.prepare_invoices(bench_orders_service, account_ids, catalog["product_ids"], "BT", 3, clients=2)
    numbers, _times, _elapsed = orders.issue_concurrently(bench_orders_service, drafts, 2)
    assert orders.check_series(url, "BT", numbers)["last"] == 3
    with psycopg.connect(url, options="-c search_path=orders") as conn:
        conn.execute("UPDATE invoice_series SET next = next + 1 WHERE series = 'BT'")
    with pytest.raises(orders.GaplessCheckFailed, match="would go on with"):
        orders.check_series(url, "BT", numbers)
