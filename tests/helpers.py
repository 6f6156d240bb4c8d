"""Helpers shared by the test packages."""

import contextlib
import subprocess
import sys
import time

import psycopg
import requests
from psycopg.rows import dict_row

from shared.kit.paths import ROOT


def wait_for(predicate, timeout=10, interval=0.05, message=None):
    """Poll ``predicate`` until it returns something truthy (returned); fail
    at the deadline.  Never a fixed sleep as an assertion."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


class SchemaDb:
    """Direct SQL on one schema of the test database, outside the services."""

    def __init__(self, database_url, schema):
        self.conn = psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                                    options=f"-c search_path={schema},public")

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql, params=()):
        return next(iter(self.one(sql, params).values()))

    def close(self):
        self.conn.close()


def free_port():
    """A TCP port nothing listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn_gateway(env, log_path, *, check="/ready", timeout=60, **settings):
    """The gateway as production runs it (gunicorn, gthread workers, no
    eventlet) on a free port, with ``settings`` as environment variables
    (``GATEWAY_WORKERS="2"``); yields (base URL, process) once ``check``
    answers 200, and stops it afterwards.  Its output goes to ``log_path``."""
    port = free_port()
    env = {**env, "GATEWAY_BIND": f"127.0.0.1:{port}", **{name: str(value) for name, value in settings.items()}}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gateway/gunicorn.conf.py",
                                    "gateway.app:create_app()"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answers():
        assert process.poll() is None, f"gunicorn exited with {process.returncode}"
        with contextlib.suppress(requests.RequestException):  # not listening yet, or slow on a busy machine
            return requests.get(f"{base}{check}", timeout=3).status_code == 200
        return False

    try:
        try:
            wait_for(answers, timeout, 0.2)
        except AssertionError as exc:
            raise AssertionError(f"the gateway did not answer {check} within {timeout}s:\n"
                                 f"{log_path.read_text(errors='replace')[-4000:]}") from exc
        yield base, process
    finally:
        stop_process(process, 40)


def stop_process(process, grace=20):
    """SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
