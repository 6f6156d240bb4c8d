"""How the suite runs side by side (tests/workers.py, tests/tally.py, scripts/test.sh)."""

import json

import pytest

from tests import tally, workers


@pytest.mark.parametrize(("argv", "addopts", "controller"), [
    ([], "", False),
    (["-n", "2", "--dist", "loadfile"], "", True),
    (["-n2"], "", True),
    (["--numprocesses=3"], "", True),
    (["-n", "0"], "", False),
    (["-n", "0", "--dist", "no"], "", False),
    (["--dist=loadfile", "--tx", "2*popen"], "", True),
    (["-x", "-k", "leads"], "-n 2", True),
    (["-n", "2", "-p", "no:xdist"], "", False),
    (["-m", "outage", "tests/resilience/test_outages.py"], "", False),
])
def test_the_controller_of_xdist_workers_is_known_from_its_command_line(monkeypatch, argv, addopts, controller):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert workers.is_controller(argv, addopts) is controller


def test_a_worker_is_never_the_controller(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert workers.worker_id() == "gw1"
    assert workers.is_controller(["-n", "2"], "") is False


def test_this_process_runs_tests_on_green_threads():
    assert workers.is_patched()


def test_the_long_work_is_scheduled_first():
    ranks = [workers.first_rank(nodeid) for nodeid in (
        "tests/console/test_forms.py::test_a", "tests/api/test_contract.py::test_b", "tests/kit/test_db.py::test_c")]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]


def test_the_runs_are_added_up(tmp_path, capsys):
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    first.write_text(json.dumps({"passed": 10, "failed": 0, "error": 0, "skipped": 2}))
    second.write_text(json.dumps({"passed": 5, "failed": 1, "error": 1, "skipped": 0}))
    assert tally.main([str(first), str(second)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "pytest: 15 passed, 2 failed, 2 skipped"
    assert tally.main([str(first)]) == 0
    assert tally.main([str(first), str(tmp_path / "missing.json")]) == 1
