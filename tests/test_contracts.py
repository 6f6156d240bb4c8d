"""Contracts and boundaries: the AsyncAPI document is current, every event has
a schema, and no component reaches into another one's code."""

import ast
from pathlib import Path

import pytest

from shared.kit.registry import SERVICES
from shared.schemas import asyncapi
from shared.schemas.catalog import published_contracts

ROOT = Path(__file__).resolve().parents[1]


def test_asyncapi_document_is_current():
    assert asyncapi.PATH.read_text() == asyncapi.render(), "run: python -m shared.schemas.asyncapi"


def test_every_event_names_its_producer_and_exchange():
    document = asyncapi.build()
    for contract in published_contracts():
        assert contract.producer in SERVICES
        assert contract.version >= 1
        channel = document["channels"][contract.type.replace(".", "_")]
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{contract.producer}.events"


def test_every_service_folder_is_registered():
    """services/registry.txt is the one list: a service's folder without its line (or a line without its
    folder) would be left out of make up, the gateway, the tests or Kubernetes without anyone noticing."""
    folders = {path.parent.name for path in (ROOT / "services").glob("*/service.py")}
    assert folders == set(SERVICES), "services/<name>/service.py and services/registry.txt disagree"
    for name in SERVICES:
        assert (ROOT / "services" / name / "config.yaml").is_file(), f"services/{name}/config.yaml is missing"


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _python_files(root, folder):
    return sorted(path for path in (root / folder).rglob("*.py") if ".venv" not in path.parts)


COMPONENT_ROOTS = ("services", "gateway", "bench", "tests")


def _violations(folder, own, root=ROOT):
    """Imports of another component's code from ``folder``; ``own`` is the
    package it may import from (``shared`` is open to all)."""
    found = []
    for path in _python_files(root, folder):
        for module in _imported_modules(path):
            if module.split(".")[0] not in COMPONENT_ROOTS or module == "services":
                continue
            if own and (module == own or module.startswith(own + ".")):
                continue
            found.append(f"{path.relative_to(root)} imports {module}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_itself_and_shared(service):
    assert _violations(f"services/{service}", f"services.{service}") == []


def test_the_gateway_talks_to_services_only_through_contracts():
    assert _violations("gateway", "gateway") == []


def test_the_shared_kit_and_contracts_depend_on_no_component():
    assert _violations("shared", None) == []


def test_the_boundary_check_sees_a_violation(tmp_path):
    bad = tmp_path / "services" / "leads"
    bad.mkdir(parents=True)
    (bad / "sneaky.py").write_text(
        "from services.sales import store\nimport gateway.rpc\nfrom services.leads import commands\n"
    )
    found = _violations("services/leads", "services.leads", tmp_path)
    assert found == ["services/leads/sneaky.py imports services.sales", "services/leads/sneaky.py imports gateway.rpc"]


# The runtime (nameko on eventlet) stays behind shared/kit: services, the
# gateway, the contracts and the benchmarks use the kit's entrypoints,
# client, dependencies and green-thread helpers, so the runtime can be
# replaced one service at a time.
RUNTIME = ("nameko", "eventlet")
RUNTIME_CLEAN = ("services", "gateway", "shared/schemas", "bench", "tests")
# Files that measure or emulate the runtime itself, on purpose.
RUNTIME_ALLOWED = {
    "bench/events.py": "measures nameko's own EventDispatcher as the baseline of the outbox relay",
    "bench/publishers.py": "runs the relay's publisher under eventlet, as inside a service",
}


def _runtime_imports(folder, root=ROOT, allowed=RUNTIME_ALLOWED):
    found = []
    for path in _python_files(root, folder):
        relative = path.relative_to(root).as_posix()
        if relative in allowed or relative.startswith("tests/kit/"):  # the kit's own tests test its runtime
            continue
        found += [f"{relative} imports {module}" for module in _imported_modules(path)
                  if module.split(".")[0] in RUNTIME]
    return found


@pytest.mark.parametrize("folder", RUNTIME_CLEAN)
def test_the_runtime_stays_behind_the_kit(folder):
    assert _runtime_imports(folder) == []


def test_the_runtime_check_sees_a_violation(tmp_path):
    sneaky = tmp_path / "services" / "leads"
    sneaky.mkdir(parents=True)
    (sneaky / "sneaky.py").write_text("import eventlet\nfrom nameko.rpc import rpc\nfrom shared.kit import green\n")
    assert _runtime_imports("services", tmp_path, {}) == ["services/leads/sneaky.py imports eventlet",
                                                          "services/leads/sneaky.py imports nameko.rpc"]
