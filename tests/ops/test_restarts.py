"""Processes that come back: a real supervisord, configured from the same templates as `make up`
(scripts/supervisor/*.conf.in) with the restarter as its event listener, runs programs that crash,
in a directory of their own. Delays are shortened (0.25 s doubling up to 1 s, healthy after 2 s)
so that the whole module takes about fifteen seconds.

supervisord notices a death within about a second (its main loop's pace), so the real gaps between
starts are each delay plus up to a couple of seconds: the tests check that no restart comes before
its delay, and read the delays the restarter chose from its state file."""

import json
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import pytest
from supervisor.xmlrpc import SupervisorTransport

from shared.kit.paths import ROOT
from tests.helpers import wait_for

TEMPLATES = ROOT / "scripts" / "supervisor"
BASE, MAX, HEALTHY, START_SECONDS = 0.25, 1.0, 3.0, 1
# supervisord looks at its processes about once a second: a restart may come that much later.
LAG = 4

PROGRAM = """\
import sys, time

name, mode = sys.argv[1], sys.argv[2]
with open(name + ".starts", "a") as starts:
    starts.write(f"{time.time()}\\n")
count = len(open(name + ".starts").read().split())
if mode == "crash" or (mode == "flaky" and count <= 3):
    sys.exit(3)
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
if mode == "flaky":
    time.sleep(3.5)  # a healthy run, then a crash
    sys.exit(4)
if mode == "ops":  # an ops port as the kit serves it: unready for a second, then ready
    ready_at = time.time() + 1

    class Ops(BaseHTTPRequestHandler):
        def do_GET(self):
            ready = time.time() >= ready_at
            if self.path == "/readyz":
                status = 200 if ready else 503
                body = json.dumps({"status": "ok" if ready else "unavailable",
                                   "checks": {"database": "ok", "broker": "ok" if ready else "failed"}})
            else:
                status, body = 200, 'crm_outbox_pending 3\\ncrm_rpc_calls_total{method="x"} 1\\n'
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", int(sys.argv[3])), Ops).serve_forever()
time.sleep(3600)
"""


def render(template, **values):
    """What scripts/lib.sh's render_template does: ${name} filled in, % doubled for supervisor."""
    text = (TEMPLATES / template).read_text()
    return string.Template(text).substitute({key: str(value).replace("%", "%%") for key, value in values.items()})


class Supervisor:
    def __init__(self, where):
        self.where = where

    @property
    def rpc(self):
        # A new connection each time: one that failed (supervisord still starting) cannot be used again.
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1", transport=SupervisorTransport(None, None, f"unix://{self.where}/supervisor.sock"))

    def state(self, name):
        return self.rpc.supervisor.getProcessInfo(name)["statename"]

    def starts(self, name):
        path = self.where / f"{name}.starts"
        return [float(line) for line in path.read_text().split()] if path.exists() else []

    def restarts(self, name=None):
        try:
            programs = json.loads((self.where / "restarts.json").read_text())["programs"]
        except (OSError, ValueError, KeyError):
            programs = {}
        return programs if name is None else programs.get(name, {})

    def procs(self, command, *args, timeout=30):
        """scripts/procs.py (what `make status` and `make up` run) on this supervisord."""
        return subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "procs.py"), command,
             "--socket", str(self.where / "supervisor.sock"), "--state", str(self.where / "restarts.json"),
             "--logs", str(self.where / "logs"), *args],
            capture_output=True, text=True, timeout=timeout, check=False)

    def status(self, *args):
        done = self.procs("status", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def supervisor():
    # A short path: a unix socket's path must stay under about 100 characters.
    where = Path(tempfile.mkdtemp(prefix="crm-restarts-"))
    (where / "logs").mkdir()
    (where / "program.py").write_text(PROGRAM)
    restarter = " ".join([sys.executable, str(TEMPLATES / "restarter.py"), "--state", str(where / "restarts.json"),
                          "--log", str(where / "logs" / "supervisord.log"), "--base", str(BASE), "--max", str(MAX),
                          "--healthy", str(HEALTHY)])
    config = render("supervisord.conf.in", state=where, logs=where / "logs", root=where, restarter=restarter)
    ops_port = free_port()
    for name, mode in (("crasher", "crash"), ("flaky", "flaky"), ("steady", "steady"), ("opsstub", "ops")):
        config += render("program.conf.in", name=name,
                         command=f"{sys.executable} program.py {name} {mode} {ops_port}",
                         root=where, logs=where / "logs", environment='PYTHONUNBUFFERED="1"',
                         startsecs=START_SECONDS)
    (where / "supervisord.conf").write_text(config)
    daemon = subprocess.Popen([str(Path(sys.executable).with_name("supervisord")), "-n", "-c",
                               str(where / "supervisord.conf")], cwd=where, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    started = Supervisor(where)
    started.ops_port = ops_port

    def answers():
        assert daemon.poll() is None, (where / "logs" / "supervisord.log").read_text()
        try:
            return started.state("steady")
        except OSError:
            return False

    try:
        wait_for(answers, 15, 0.1, "supervisord did not start")
        yield started
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        shutil.rmtree(where, ignore_errors=True)


def delays(record):
    return [entry["delay_seconds"] for entry in record["recent_exits"]]


def test_a_crash_loop_is_restarted_with_a_growing_capped_delay_and_never_given_up(supervisor):
    # supervisord alone (startretries=0) would start it once and leave it FATAL.
    # Six deaths recorded and the restart after the sixth made. (On a loaded machine the first death may
    # come before the restarter is listening: it then restarts the program it finds dead, and counts the
    # death when supervisord hands it the event, so starts and deaths are paired by time, not by index.)
    wait_for(lambda: len(supervisor.restarts("crasher").get("recent_exits", [])) >= 6
             and supervisor.restarts("crasher")["recent_exits"][5]["at"] < max(supervisor.starts("crasher") or [0]),
             25, 0.1, "the crashing program was not restarted")
    record = supervisor.restarts("crasher")
    assert delays(record)[:6] == [0.25, 0.5, 1.0, 1.0, 1.0, 1.0]  # doubling, capped at --max
    starts = supervisor.starts("crasher")
    for death in record["recent_exits"][:6]:
        following = min(start for start in starts if start > death["at"])
        assert death["delay_seconds"] <= following - death["at"] + 0.05 < death["delay_seconds"] + LAG, (
            starts, record["recent_exits"])
    assert record["restarts"] >= 6
    assert record["failures"] >= 6  # every death in a row: no healthy run in between, never reset
    assert record["last_exit"]["how"] == "exit status 3"


def test_a_healthy_run_resets_the_delay(supervisor):
    # flaky: three quick crashes, then runs 3.5 s (healthy after 3 s) and crashes again, and again.
    wait_for(lambda: len(supervisor.restarts("flaky").get("recent_exits", [])) >= 5, 30, 0.1,
             "flaky was not restarted after its long run")
    record = supervisor.restarts("flaky")
    exits = record["recent_exits"][:5]
    assert delays(record)[:2] == [0.25, 0.5], exits  # quick crashes: the delay grows
    # Every delay follows from the runs as the restarter measured them: a run of HEALTHY seconds or more
    # starts the count afresh (on a starved machine even a quick crash can take that long to start and die).
    failures, expected = 0, []
    for entry in exits:
        failures = 1 if entry["ran_seconds"] is not None and entry["ran_seconds"] >= HEALTHY else failures + 1
        expected.append(min(BASE * 2 ** (failures - 1), MAX))
    assert delays(record)[:5] == expected, exits
    long_runs = [entry for entry in record["recent_exits"] if entry["how"] == "exit status 4"]
    assert long_runs and all(entry["ran_seconds"] >= HEALTHY and entry["state"] == "EXITED" for entry in long_runs)
    assert record["failures"] == 1


def test_a_killed_process_comes_back_and_a_stopped_one_stays_stopped(supervisor):
    wait_for(lambda: supervisor.state("steady") == "RUNNING", 10, 0.1)
    pid = supervisor.rpc.supervisor.getProcessInfo("steady")["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: supervisor.rpc.supervisor.getProcessInfo("steady")["pid"] not in (0, pid), 10, 0.1,
             "the killed program was not restarted")
    record = supervisor.restarts("steady")
    assert record["restarts"] == 1 and record["last_exit"]["how"] == "terminated by SIGKILL"
    assert record["last_exit"]["state"] == "EXITED"

    supervisor.rpc.supervisor.stopProcess("steady")
    time.sleep(BASE + 2)  # a restart would have come by now
    assert supervisor.state("steady") == "STOPPED", "a program stopped on purpose must stay stopped"
    assert supervisor.restarts("steady")["restarts"] == 1


def test_status_shows_restarts_per_program(supervisor):
    wait_for(lambda: supervisor.restarts("crasher").get("restarts", 0) >= 3, 20, 0.1)
    table = supervisor.status().splitlines()
    assert table[0].split() == ["program", "state", "pid", "uptime", "ready", "restarts"]
    (crasher,) = [line for line in table if line.startswith("crasher ")]
    found = re.search(r" (\d+), last exit \d\d:\d\d:\d\d: exit status 3", crasher)
    assert found and int(found.group(1)) >= 3, crasher
    (steady,) = [line for line in table if line.startswith("steady ")]
    assert "terminated by SIGKILL" in steady
    assert not [line for line in table if line.startswith("restarter")]


def test_wait_and_status_read_the_ops_port(supervisor):
    port = supervisor.ops_port
    done = supervisor.procs("wait", "--ops", f"opsstub={port}", "--timeout", "20")
    assert done.returncode == 0, done.stderr
    assert "opsstub is ready" in done.stdout
    lines = supervisor.status("--ops", f"opsstub={port}").splitlines()
    (opsstub,) = [line for line in lines if line.startswith("opsstub ")]
    assert f"ready (:{port})" in opsstub
    # The outbox and dead-letter figures of its /metrics, nothing else.
    assert "    opsstub: crm_outbox_pending 3" in lines
    assert not [line for line in lines if "crm_rpc_calls_total" in line]


def test_wait_gives_up_early_on_a_crash_loop(supervisor):
    started = time.monotonic()
    done = supervisor.procs("wait", "--ops", f"crasher={free_port()}", "--timeout", "60", timeout=60)
    assert done.returncode == 1
    assert "crasher: it keeps dying" in done.stderr and "last 40 lines of" in done.stderr
    assert time.monotonic() - started < 30


def test_ports_free():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, str(ROOT / "scripts" / "procs.py"), "ports-free"]
        done = subprocess.run([*command, str(free_port()), f"127.0.0.1:{port}"], capture_output=True, text=True,
                              timeout=30, check=False)
        assert done.returncode == 1 and f"something already listens on 127.0.0.1:{port}" in done.stderr
        assert subprocess.run([*command, str(free_port())], timeout=30, check=False).returncode == 0
