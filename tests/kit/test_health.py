"""Health: the RPC every service answers and the command that probes it."""

import pytest
import yaml

from shared.kit.health import check, main
from tests.kit.sample_service import KitSample


@pytest.fixture
def crm_config(tmp_path, monkeypatch, kit_config):
    """CRM_CONFIG pointing at a config.yaml for the test servers."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(kit_config))
    monkeypatch.setenv("CRM_CONFIG", str(path))
    return path


def test_the_health_rpc_answers(start_service, rpc_proxy):
    start_service(KitSample, OUTBOX_RELAY=False)

    with rpc_proxy() as cluster:
        assert cluster.kitsample.health() == {"service": "kitsample", "status": "ok", "database": True}


def test_check_asks_the_service(start_service, kit_config):
    start_service(KitSample, OUTBOX_RELAY=False)

    assert check("kitsample", kit_config, timeout=5)["status"] == "ok"


def test_main_exits_0_when_the_service_answers(start_service, crm_config, capsys):
    start_service(KitSample, OUTBOX_RELAY=False)

    assert main(["kitsample", "--timeout", "5"]) == 0
    assert capsys.readouterr().out.strip() == "kitsample: ok"


def test_main_exits_1_when_nobody_answers(crm_config, capsys):
    assert main(["kitnobody", "--timeout", "1"]) == 1
    assert "kitnobody: unhealthy" in capsys.readouterr().err
