"""The supervisord config `make up` writes (scripts/lib.sh write_supervisor_conf), read by supervisord's
own parser: the restarter owns every restart, and each service has its own ops port."""

import subprocess

import pytest
from supervisor.events import ProcessStateEvent
from supervisor.options import ServerOptions

from shared.kit.paths import ROOT
from shared.kit.registry import SERVICES


def lib(state, script, **env):
    done = subprocess.run(["bash", "-c", f"set -euo pipefail; . scripts/lib.sh; {script}"], cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "CRM_STATE_DIR": str(state), **env}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def programs(tmp_path):
    lib(tmp_path, "write_supervisor_conf", OPS_PORT_BASE="18091", GATEWAY_BIND="127.0.0.1:18181")
    options = ServerOptions()
    options.realize(["-c", str(tmp_path / "supervisord.conf")])
    return {group.name: group for group in options.process_group_configs}


def test_every_component_runs_and_the_restarter_owns_restarts(programs):
    assert set(programs) == {*SERVICES, "gateway", "restarter", "mailcatcher"}
    restarter = programs["restarter"]
    assert restarter.pool_events == [ProcessStateEvent]
    (listener,) = restarter.process_configs
    assert "scripts/supervisor/restarter.py" in listener.command and listener.autorestart
    for name in (*SERVICES, "gateway", "mailcatcher"):
        (program,) = programs[name].process_configs
        assert program.autorestart is False and program.startretries == 0, name


def test_each_service_has_its_own_ops_port_in_registry_order(programs, tmp_path):
    ports = [programs[name].process_configs[0].environment["OPS_PORT"] for name in SERVICES]
    assert ports == [str(18091 + index) for index in range(len(SERVICES))]
    gateway = programs["gateway"].process_configs[0].environment
    assert "OPS_PORT" not in gateway
    assert gateway["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics" / "gateway")
    assert gateway["GATEWAY_BIND"] == "127.0.0.1:18181"


def test_the_scripts_list_the_ports_they_need(tmp_path):
    ports = lib(tmp_path, "program_ports", OPS_PORT_BASE="18091", GATEWAY_BIND="127.0.0.1:18181").split()
    assert ports == ["127.0.0.1:18181", *(str(18091 + index) for index in range(len(SERVICES))),
                     "127.0.0.1:1025", "127.0.0.1:8025", "127.0.0.1:1143"]
