"""gateway/gunicorn.conf.py reads its settings from the environment."""

import runpy

from shared.kit.paths import ROOT

CONF = str(ROOT / "gateway" / "gunicorn.conf.py")


def load(monkeypatch, **env):
    for name in ("GATEWAY_BIND", "GATEWAY_WORKERS", "GATEWAY_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)


def test_defaults(monkeypatch):
    conf = load(monkeypatch)
    assert conf["bind"] == "127.0.0.1:8080"
    assert conf["workers"] == 2
    assert conf["worker_class"] == "gthread" and conf["threads"] == 8
    assert conf["graceful_timeout"] == 30
    assert conf["accesslog"] == "-"
    assert conf["control_socket_disable"] is True  # $HOME is read-only in the image


def test_environment(monkeypatch):
    conf = load(monkeypatch, GATEWAY_BIND="0.0.0.0:9000", GATEWAY_WORKERS="4")
    assert conf["bind"] == "0.0.0.0:9000" and conf["workers"] == 4


def test_no_eventlet_in_the_gateway():
    for source in (ROOT / "gateway").rglob("*.py"):
        assert "monkey_patch" not in source.read_text(), source
