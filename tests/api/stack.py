"""The suite as it runs in production, on a database and a RabbitMQ vhost of
its own: the leads and sales services as processes, and the gateway served
over HTTP by gunicorn (gthread workers, no eventlet), with an admin token."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
import requests
from psycopg.rows import dict_row

from gateway import users
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.paths import ROOT
from tests.services import ServiceProcesses, scratch_database

SERVICES = ("leads", "sales")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def own_vhost(rabbit_admin, amqp_base):
    """A RabbitMQ vhost of its own; yields its AMQP URI."""
    name = f"crm-api-{uuid.uuid4().hex[:8]}"
    rabbit_admin.call("PUT", f"vhosts/{name}")
    rabbit_admin.call("PUT", f"permissions/{name}/{rabbit_admin.auth[0]}",
                      json={"configure": ".*", "write": ".*", "read": ".*"})
    try:
        yield amqp_base.rstrip("/") + "/" + quote(name, safe="")
    finally:
        rabbit_admin.call("DELETE", f"vhosts/{name}")


@dataclass
class LiveStack:
    base_url: str
    admin_token: str
    admin_token_id: str
    database_url: str
    log_dir: object

    def logs(self, name):
        """The output of a process: gateway, leads-0, sales-0."""
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _admin_token(database_url):
    """(token, token id) of a new admin user."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=gateway,public") as conn:
        user = users.create_user(conn, f"admin-{uuid.uuid4().hex[:8]}", "admin")
        row, token = users.create_token(conn, user["id"], "contract tests")
        return token, str(row["id"])


def _start_gateway(env, log_dir, timeout=30):
    port = free_port()
    env = {**env, "GATEWAY_BIND": f"127.0.0.1:{port}", "GATEWAY_WORKERS": "2", "GATEWAY_THREADS": "4",
           "LOG_LEVEL": "WARNING"}
    with open(log_dir / "gateway.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gateway/gunicorn.conf.py",
                                    "gateway.app:create_app()"], env=env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n"
                                 f"{(log_dir / 'gateway.log').read_text(errors='replace')[-4000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return process, base_url
        if time.monotonic() >= deadline:
            process.kill()
            raise AssertionError("the gateway did not become ready:\n"
                                 f"{(log_dir / 'gateway.log').read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def live_stack(database_url, amqp_uri, log_dir, **settings):
    """Migrates every component into a scratch database, starts the services
    and the gateway; yields a LiveStack.  ``settings`` override the
    environment of every process (rate limits, timeouts)."""
    with scratch_database(database_url, "api") as url:
        env = {**os.environ, "DATABASE_URL": url, "AMQP_URI": amqp_uri, "OUTBOX_POLL_SECONDS": "0.2",
               "WORKER_POLL_SECONDS": "0.2", "LOG_LEVEL": "INFO", **settings}
        for component in (*SERVICES, "gateway"):
            migrate_component(component, load_component_config(component, env))
        processes = [ServiceProcesses(service, env, load_component_config(service, env), log_dir)
                     for service in SERVICES]
        gateway = None
        try:
            for service in processes:
                service.start(timeout=60)
            gateway, base_url = _start_gateway(env, log_dir)
            yield LiveStack(base_url, *_admin_token(url), url, log_dir)
        finally:
            if gateway is not None:
                _stop(gateway)
            for service in processes:
                for handle in service.started:
                    _stop(handle.process)
