"""The system under test: every service of services/registry.txt (leads as
``leads_processes`` replicas, the others as one process each) and the gateway as real
processes, on the benchmark database and a throw-away RabbitMQ vhost, and
beside them the one-process baseline app (bench/baseline_app.py) on the same
database.  Every process has a role name (``leads 1``, ``gateway``,
``baseline`` ...) for the CPU figures; the ports are free ones."""

import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from shared.kit.config import load_component_config
from shared.kit.health import check
from shared.kit.migrate import migrate_component
from shared.kit.registry import read_registry

SERVICES = read_registry()

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    def __init__(self, database_url, amqp_base, rabbit_api, port=None, leads_processes=2, baseline_port=None):
        self.database_url = database_url
        parts = urlsplit(rabbit_api)
        self.api = urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port or 15672}"))
        self.api_auth = (parts.username or "guest", parts.password or "guest")
        self.vhost = f"crm-bench-{uuid.uuid4().hex[:6]}"
        self.amqp_uri = amqp_base.rstrip("/") + "/" + quote(self.vhost, safe="")
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.token_file = ROOT / ".crm" / "bench-admin-token"
        self.env = {**os.environ, "DATABASE_URL": database_url, "AMQP_URI": self.amqp_uri,
                    "GATEWAY_BIND": f"127.0.0.1:{port}", "CRM_ADMIN_TOKEN_FILE": str(self.token_file),
                    "LOG_LEVEL": "WARNING", "OPS_PORT": "0", "WEB_FORM_RATE_LIMIT": "100000"}
        self.processes = []  # (role, Popen, log file)
        self.leads_processes = leads_processes
        self.logs = ROOT / ".crm" / "bench-logs"
        gunicorn_settings = runpy.run_path(str(ROOT / "gateway" / "gunicorn.conf.py"))  # reads GATEWAY_* as set
        self.gateway_workers = gunicorn_settings["workers"]
        self.gateway_threads = gunicorn_settings["threads"]
        self.baseline_url = f"http://127.0.0.1:{baseline_port or free_port()}"
        self.baseline_token = secrets.token_urlsafe(24)

    def setup(self):
        """What runs, in words, for the table and the JSON."""
        return {
            "leads_processes": self.leads_processes,
            "sales_processes": 1,
            "gateway": f"gunicorn, default workers: {self.gateway_workers} worker processes x"
                       f" {self.gateway_threads} threads (gthread)",
            "baseline": f"Flask + psycopg_pool under gunicorn: 1 worker process x {self.gateway_threads} threads"
                        " (gthread), same database",
        }

    def config(self, name):
        return load_component_config(name, self.env)

    def __enter__(self):
        try:
            return self._start()
        except BaseException:
            self.__exit__(None, None, None)  # no vhost or process is left behind
            raise

    def _start(self):
        requests.put(f"{self.api}/api/vhosts/{self.vhost}", auth=self.api_auth, timeout=10).raise_for_status()
        requests.put(f"{self.api}/api/permissions/{self.vhost}/{self.api_auth[0]}", auth=self.api_auth,
                     json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
        for name in (*SERVICES, "gateway"):
            migrate_component(name, self.config(name))
        self.token_file.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "gateway.bootstrap"], env=self.env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        self.token = self.token_file.read_text().strip()
        self.logs.mkdir(parents=True, exist_ok=True)
        for number in range(1, self.leads_processes + 1):
            self._spawn(f"leads {number}", [sys.executable, "-m", "shared.kit.run", "leads"])
        for name in SERVICES:
            if name != "leads":
                self._spawn(name, [sys.executable, "-m", "shared.kit.run", name])
        self._spawn("gateway", [sys.executable, "-m", "gunicorn", "-c", "gateway/gunicorn.conf.py",
                                "gateway.app:create_app()"])
        baseline_bind = self.baseline_url.removeprefix("http://")
        self._spawn("baseline", [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
                                 "--threads", str(self.gateway_threads), "--bind", baseline_bind,
                                 "--keep-alive", "5", "bench.baseline_app:create_app()"],
                    env={"BASELINE_TOKEN": self.baseline_token, "BASELINE_POOL_SIZE": str(self.gateway_threads)})
        self._wait_ready()
        return self

    def _spawn(self, role, command, env=None):
        log = open(self.logs / f"{role.replace(' ', '-')}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, env={**self.env, **(env or {})}, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append((role, process, log))

    def pid(self, role):
        return next(process.pid for name, process, _log in self.processes if name == role)

    def roles(self):
        return [name for name, _process, _log in self.processes]

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                for name in SERVICES:
                    check(name, self.config(name), timeout=2)
                if (requests.get(f"{self.url}/ready", timeout=2).status_code == 200
                        and requests.get(f"{self.baseline_url}/health", timeout=2).status_code == 200):
                    return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not become ready; see {self.logs}")

    def __exit__(self, *exc):
        for _role, process, _log in self.processes:
            process.send_signal(signal.SIGTERM)
        for _role, process, log in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        self.token_file.unlink(missing_ok=True)
        requests.delete(f"{self.api}/api/vhosts/{self.vhost}", auth=self.api_auth, timeout=10)

    def session(self):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session
