"""Health: the RPC every service answers and the command that probes it."""

import pytest
import yaml

from shared.kit.health import check, describe, main
from tests.kit.sample_service import KitSample


@pytest.fixture
def crm_config(tmp_path, monkeypatch, kit_config):
    """CRM_CONFIG pointing at a config.yaml for the test servers."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(kit_config))
    monkeypatch.setenv("CRM_CONFIG", str(path))
    return path


def test_the_health_rpc_answers_with_the_outbox_backlog(start_service, rpc_proxy):
    start_service(KitSample, OUTBOX_RELAY=False)

    with rpc_proxy() as cluster:
        before = cluster.kitsample.health()
        for index in range(3):
            cluster.kitsample.write_note(f"held back {index}")
        after = cluster.kitsample.health()

    assert {key: before[key] for key in ("service", "status", "database")} == {
        "service": "kitsample", "status": "ok", "database": True}
    assert after["outbox"]["pending"] == before["outbox"]["pending"] + 3
    assert after["outbox"]["oldest_seconds"] >= 0


@pytest.mark.parametrize(("backlog", "line"), [
    ({"pending": 0, "oldest_seconds": None}, "leads: ok (outbox: 0 pending)"),
    ({"pending": 12, "oldest_seconds": 3.5}, "leads: ok (outbox: 12 pending, oldest 3.5s)"),
])
def test_describe_says_the_backlog(backlog, line):
    assert describe({"service": "leads", "status": "ok", "database": True, "outbox": backlog}) == line


def test_check_asks_the_service(start_service, kit_config):
    start_service(KitSample, OUTBOX_RELAY=False)

    assert check("kitsample", kit_config, timeout=5)["status"] == "ok"


def test_main_exits_0_when_the_service_answers(start_service, crm_config, capsys):
    start_service(KitSample, OUTBOX_RELAY=False)

    assert main(["kitsample", "--timeout", "5"]) == 0
    assert capsys.readouterr().out.strip().startswith("kitsample: ok (outbox: ")


def test_main_exits_1_when_nobody_answers(crm_config, capsys):
    assert main(["kitnobody", "--timeout", "1"]) == 1
    assert "kitnobody: unhealthy" in capsys.readouterr().err
