"""The suite as it runs in production, on a database and a RabbitMQ vhost of
its own: every service of services/registry.txt as a process, and the gateway served
over HTTP by gunicorn (gthread workers, no eventlet), with an admin token.  The
services mail a local SMTP server of the stack's own (``LiveStack.smtp``), never
the mail catcher of a running ``make up``."""

import contextlib
import os
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row

from gateway import users
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.kit.registry import read_registry
from tests.helpers import gunicorn_gateway, stop_process
from tests.mailservers import SmtpServer
from tests.services import ServiceProcesses, scratch_database

SERVICES = read_registry()


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
    admin_username: str = ""
    smtp: object = None  # tests.mailservers.SmtpServer: what the services mailed

    def logs(self, name):
        """The output of a process: gateway, leads-0, sales-0."""
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _admin_token(database_url):
    """(token, token id, username) of a new admin user."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=gateway,public") as conn:
        user = users.create_user(conn, f"admin-{uuid.uuid4().hex[:8]}", "admin")
        row, token = users.create_token(conn, user["id"], "contract tests")
        return token, str(row["id"]), user["username"]


@contextlib.contextmanager
def live_stack(database_url, amqp_uri, log_dir, **settings):
    """Migrates every component into a scratch database, starts the services
    and the gateway; yields a LiveStack.  ``settings`` override the
    environment of every process (rate limits, timeouts)."""
    smtp_dir = log_dir / "smtp"
    smtp_dir.mkdir(exist_ok=True)
    smtp = SmtpServer(smtp_dir, "none", ("-", "-"), None)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(smtp.stop)
        url = cleanup.enter_context(scratch_database(database_url, "api"))
        env = {**os.environ, "DATABASE_URL": url, "AMQP_URI": amqp_uri, "OUTBOX_POLL_SECONDS": "0.2",
               "WORKER_POLL_SECONDS": "0.2", "LOG_LEVEL": "INFO", "SMTP_HOST": "127.0.0.1",
               "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none", "SMTP_USERNAME": "", "SMTP_PASSWORD": "",
               # small pools: the whole suite beside another test process stays inside max_connections
               "DB_POOL_MIN": "1", "DB_POOL_MAX": "5", **settings}
        for component in (*SERVICES, "gateway"):
            migrate_component(component, load_component_config(component, env))
        processes = [ServiceProcesses(service, env, load_component_config(service, env), log_dir)
                     for service in SERVICES]
        try:
            for service in processes:
                service.start(timeout=60)
            with gunicorn_gateway(env, log_dir / "gateway.log", timeout=30, GATEWAY_WORKERS=2, GATEWAY_THREADS=4,
                                  LOG_LEVEL="WARNING") as (base_url, _process):
                token, token_id, username = _admin_token(url)
                yield LiveStack(base_url, token, token_id, url, log_dir, username, smtp)
        finally:
            for service in processes:
                for handle in service.started:
                    stop_process(handle.process)
