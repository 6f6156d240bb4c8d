"""services/registry.txt is read the same way by the scripts (scripts/components.sh) and by Python
(shared/kit/registry.py): the same names in the same order, the same refusals."""

import shutil
import subprocess

import pytest

from shared.kit.paths import ROOT
from shared.kit.registry import SERVICES, RegistryError, read_registry


def script_lists(root):
    """(SERVICES, COMPONENTS) as the scripts see them in the checkout at ``root``."""
    done = subprocess.run(["bash", "-c", 'set -euo pipefail; . scripts/components.sh; echo "$SERVICES"; '
                           'echo "$COMPONENTS"'], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    return done.returncode, done.stdout.split("\n")[:2], done.stderr


def test_scripts_and_kit_read_the_same_list():
    code, (services, components), stderr = script_lists(ROOT)
    assert code == 0, stderr
    assert services.split() == list(SERVICES)
    assert components.split() == [*SERVICES, "gateway"]


def checkout(tmp_path, registry, folders):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "components.sh", tmp_path / "scripts")
    for name in folders:
        (tmp_path / "services" / name).mkdir(parents=True)
        (tmp_path / "services" / name / "service.py").write_text("")
    (tmp_path / "services").mkdir(exist_ok=True)
    (tmp_path / "services" / "registry.txt").write_text(registry)
    return tmp_path


def test_comments_blank_lines_and_order(tmp_path):
    root = checkout(tmp_path, "# the services\nsales  # first\n\n  leads\norders", ["leads", "sales", "orders"])
    code, (services, _), stderr = script_lists(root)
    assert code == 0, stderr
    assert services.split() == ["sales", "leads", "orders"] == list(read_registry(root / "services/registry.txt"))


@pytest.mark.parametrize("registry, says", [
    ("leads\nLeads\n", "registry.txt:2: 'Leads' is not a service name"),
    ("leads\nsales\nleads\n", "registry.txt:3: 'leads' is listed twice or is reserved"),
    ("gateway\n", "registry.txt:1: 'gateway' is listed twice or is reserved"),
    ("x\n", "registry.txt:1: 'x' is not a service name"),
])
def test_a_bad_registry_is_refused_by_both(tmp_path, registry, says):
    root = checkout(tmp_path, registry, ["leads", "sales"])
    code, _, stderr = script_lists(root)
    assert code != 0 and says.replace("'", "") in stderr.replace("'", ""), stderr
    with pytest.raises(RegistryError, match=says.split(": ", 1)[1].replace("'", ".")):
        read_registry(root / "services" / "registry.txt")


def test_the_scripts_refuse_a_service_without_its_folder(tmp_path):
    root = checkout(tmp_path, "leads\nsales\n", ["leads"])
    code, _, stderr = script_lists(root)
    assert code != 0
    assert "sales is registered but services/sales/service.py does not exist" in stderr
