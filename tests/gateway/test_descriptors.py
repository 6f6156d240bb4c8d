"""The gateway runs without eventlet: its database queries must work in a
process that holds more than 1,024 open descriptors (select() cannot watch
a descriptor above 1,023; a busy gunicorn worker has that many sockets)."""

import json
import resource
import subprocess
import sys

import pytest

from shared.kit.paths import ROOT

PROGRAM = r"""
import json, os, resource, sys

config = json.loads(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
from gateway.app import create_app  # the whole gateway, as gunicorn loads it

class NoRpc:
    size = 1
    def call(self, *args, **kwargs):
        raise AssertionError("no RPC expected")
    def close(self):
        pass

held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
app = create_app(config, rpc_pool=NoRpc())
pool = app.extensions["gateway"].db
with pool.connection() as conn:
    fd = conn.pgconn.socket
    value = conn.execute("SELECT 41 + 1 AS answer").fetchone()["answer"]
import eventlet.patcher
print(json.dumps({"fd": fd, "answer": value, "patched": eventlet.patcher.is_monkey_patched("select")}))
"""


def test_queries_work_with_descriptors_above_1024(gateway_config):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 1200:
        pytest.skip(f"this machine allows only {hard} open files per process")
    run = subprocess.run([sys.executable, "-c", PROGRAM, json.dumps(dict(gateway_config))], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["fd"] > 1024, answer  # the database socket really sits above select()'s limit
    assert answer["answer"] == 42
    assert answer["patched"] is False  # as under gunicorn: no eventlet
