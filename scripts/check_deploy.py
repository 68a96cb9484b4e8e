"""Checks deploy/k8s: every object against its schema, and the facts the objects share.

Run by scripts/check-deploy.sh (CI). Schemas, all offline from PyPI packages pinned in
requirements-test.txt:
- Kubernetes kinds: kubernetes-validate's strict schemas (unknown fields are errors) for the
  oldest and the newest Kubernetes version in KUBERNETES_VERSIONS;
- ServiceMonitor (Prometheus Operator), ScaledObject and TriggerAuthentication (KEDA): the JSON
  schema of cloudcoil's models, which are generated from those projects' CRDs, made strict the
  same way (additionalProperties: false wherever the CRD lists properties). KEDA's CRD types a
  trigger's metadata as a string map, so the Temporal scaler's keys are checked here against
  its documented list.
Then what no schema knows: ports, probes, selectors and names that must agree across objects
and with the worker's TOML, the grace period against worker.graceful_shutdown_secs, and that
every Temporal variant provides what the Deployment reads.

`--self-test` breaks a copy of deploy/k8s in known ways and fails unless each is caught.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from cloudcoil.models.keda import v1alpha1 as keda
from cloudcoil.models.prometheus_operator import v1 as prometheus_operator

KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
CRD_MODELS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): prometheus_operator.ServiceMonitor,
    ("keda.sh/v1alpha1", "ScaledObject"): keda.ScaledObject,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): keda.TriggerAuthentication,
}
# KEDA's Temporal scaler (KEDA >= 2.17): trigger metadata and authentication parameters.
TEMPORAL_TRIGGER_KEYS = {
    "endpoint", "endpointFromEnv", "namespace", "taskQueue", "targetQueueSize",
    "activationTargetQueueSize", "queueTypes", "workerDeploymentName",
    "workerDeploymentBuildId", "buildId", "selectAllActive", "selectUnversioned",
    "includeRunningWorkflowCount", "workflowTaskQueueForCount", "minConnectTimeout",
    "unsafeSsl", "tlsServerName", "enableTLS", "apiKeyFromEnv",
}
TEMPORAL_AUTH_PARAMETERS = {"apiKey", "ca", "cert", "key", "keyPassword"}
SECRETS_DIR = "/run/secrets/meetflow"
# Kubernetes' resource.Quantity syntax (apimachinery's regular expression).
QUANTITY = re.compile(r"[+-]?[0-9.]+([eEinumkKMGTP]*[-+]?[0-9]*)")


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def strict(schema: object) -> object:
    """A copy of `schema` in which every object that lists properties allows no others."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


CRD_SCHEMAS = {
    key: strict(model.model_json_schema(by_alias=True, mode="validation"))
    for key, model in CRD_MODELS.items()
}


def load(root: Path, problems: Problems) -> list[tuple[str, dict]]:
    """Every object of every YAML file under root, except Helm values (helm/)."""
    objects = []
    for path in sorted(root.rglob("*.yaml")):
        rel = str(path.relative_to(root))
        if "helm" in path.relative_to(root).parts:
            continue
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problems.add(rel, f"not YAML: {e}")
            continue
        for d in docs:
            if not isinstance(d, dict) or not {"apiVersion", "kind", "metadata"} <= d.keys():
                problems.add(rel, "a document without apiVersion, kind and metadata")
                continue
            objects.append((rel, d))
    return objects


def validate_schemas(objects: list[tuple[str, dict]], problems: Problems) -> None:
    for rel, obj in objects:
        where = f"{rel} {obj['kind']}/{obj['metadata'].get('name')}"
        crd = CRD_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
        if crd is not None:
            for e in jsonschema.Draft202012Validator(crd).iter_errors(obj):
                path = ".".join(str(p) for p in e.absolute_path)
                problems.add(where, f"{path}: {e.message}")
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                problems.add(where, f"Kubernetes {version}: {path}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.add(where, f"no schema for {obj['apiVersion']} {obj['kind']}")
                break


def by_kind(objects, kind, under=None):
    return [
        (rel, o) for rel, o in objects
        if o["kind"] == kind and (under is None or rel.startswith(under))
    ]


def one(problems, objects, kind, under, name=None):
    found = [
        (rel, o) for rel, o in by_kind(objects, kind, under)
        if name is None or o["metadata"].get("name") == name
    ]
    if len(found) != 1:
        problems.add(under, f"expected one {kind} {name or ''}, found {len(found)}")
        return None, None
    return found[0]


def port_of(listen: str) -> int | None:
    m = re.fullmatch(r".*:(\d+)", listen or "")
    return int(m.group(1)) if m else None


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check_worker(objects, problems: Problems) -> dict:
    """The worker's objects against each other and against meetflow.toml; returns facts."""
    _, cm = one(problems, objects, "ConfigMap", "worker/", "meetflow-config")
    drel, dep = one(problems, objects, "Deployment", "worker/", "meetflow-worker")
    if cm is None or dep is None:
        return {}
    try:
        toml = tomllib.loads(cm["data"]["meetflow.toml"])
    except (KeyError, tomllib.TOMLDecodeError) as e:
        problems.add("worker/configmap.yaml", f"meetflow.toml: {e}")
        return {}
    worker = toml.get("worker", {})
    pod = dep["spec"]["template"]
    spec = pod["spec"]
    labels = pod["metadata"].get("labels", {})
    where = f"{drel} Deployment/meetflow-worker"
    if not selects(dep["spec"]["selector"].get("matchLabels"), labels):
        problems.add(where, "selector does not match the pod's labels")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    shutdown = worker.get("graceful_shutdown_secs", 20)
    if not grace > shutdown:
        problems.add(
            where,
            f"terminationGracePeriodSeconds {grace} must exceed "
            f"worker.graceful_shutdown_secs {shutdown}: the pod would be killed mid-drain",
        )
    sc = spec.get("securityContext", {})
    if not sc.get("runAsNonRoot") or not sc.get("runAsUser"):
        problems.add(where, "the pod must run as a non-root user (runAsNonRoot, runAsUser)")
    containers = [c for c in spec["containers"] if c["name"] == "worker"]
    if len(containers) != 1:
        problems.add(where, "no container named worker")
        return {}
    c = containers[0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    wanted = {
        "health": port_of(worker.get("health_listen", "")),
        "metrics": port_of(worker.get("metrics_listen", "")),
        "notifications": port_of(toml.get("notifications", {}).get("listen", "")),
        "artifacts": port_of(toml.get("artifacts", {}).get("listen", "")),
    }
    for name, port in wanted.items():
        if port is None:
            problems.add("worker/configmap.yaml", f"meetflow.toml does not listen for {name}")
        elif ports.get(name) != port:
            problems.add(where, f"port {name} is {ports.get(name)}, meetflow.toml listens on {port}")
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") not in ("health", wanted["health"]):
            problems.add(where, f"{probe} must GET {path} on the health port")
    if "resources" not in c or "requests" not in c["resources"]:
        problems.add(where, "the worker container has no resource requests")
    # The build id Temporal records must name the image that ran (docs/versioning.md).
    tag = c.get("image", "").rpartition(":")[2]
    build_id = next((e for e in c.get("env", []) if e["name"] == "MEETFLOW_WORKER__BUILD_ID"), None)
    path = (build_id or {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
    if path != "metadata.labels['app.kubernetes.io/version']":
        problems.add(where, "MEETFLOW_WORKER__BUILD_ID must come from the pod's app.kubernetes.io/version label")
    elif labels.get("app.kubernetes.io/version") != tag:
        problems.add(
            where,
            f"the pod's app.kubernetes.io/version label {labels.get('app.kubernetes.io/version')!r} "
            f"is not the image tag {tag!r}: histories would name another build",
        )
    # The Kubernetes schemas take any string as a quantity; the API server does not.
    for kind, amounts in c.get("resources", {}).items():
        for resource, amount in amounts.items():
            if not QUANTITY.fullmatch(str(amount)):
                problems.add(where, f"resources.{kind}.{resource} {amount!r} is not a quantity")
    csc = c.get("securityContext", {})
    if csc.get("allowPrivilegeEscalation") is not False:
        problems.add(where, "allowPrivilegeEscalation must be false")
    env = {e["name"]: e for e in c.get("env", [])}
    config_path = env.get("MEETFLOW_CONFIG", {}).get("value", "")
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for m in mounts:
        if m not in volumes:
            problems.add(where, f"volumeMount {m} has no volume")
    config_mount = mounts.get("config")
    if (
        not config_mount
        or volumes.get("config", {}).get("configMap", {}).get("name") != "meetflow-config"
        or config_path != f"{config_mount}/meetflow.toml"
    ):
        problems.add(where, "MEETFLOW_CONFIG must name meetflow.toml of the mounted meetflow-config")
    text = cm["data"]["meetflow.toml"]
    referenced = set(re.findall(re.escape(SECRETS_DIR) + r"/([A-Za-z0-9._-]+)", text))
    if referenced and mounts.get("secrets") != SECRETS_DIR:
        problems.add(where, f"meetflow.toml reads secrets from {SECRETS_DIR}: mount them there")
    if re.search(r"\{\s*env\s*=", text):
        problems.add("worker/configmap.yaml", "secrets by file in Kubernetes, not { env = … }")
    env_from = [e.get("configMapRef", {}).get("name") for e in c.get("envFrom", [])]

    # Service, Ingress, ServiceMonitor, PDB.
    srel, svc = one(problems, objects, "Service", "worker/", "meetflow-worker")
    svc_ports = {}
    if svc:
        if not selects(svc["spec"].get("selector"), labels):
            problems.add(srel, "Service selector does not match the worker pods")
        for p in svc["spec"]["ports"]:
            svc_ports[p["name"]] = p
            if p.get("targetPort") not in ports and p.get("targetPort") not in ports.values():
                problems.add(srel, f"Service port {p['name']} targets no container port")
    for rel, ing in by_kind(objects, "Ingress", "worker/"):
        for rule in ing["spec"].get("rules", []):
            for path in rule["http"]["paths"]:
                b = path["backend"]["service"]
                if svc is None or b["name"] != svc["metadata"]["name"]:
                    problems.add(rel, f"Ingress path {path['path']} names no worker Service")
                elif b["port"].get("name") not in svc_ports:
                    problems.add(rel, f"Ingress path {path['path']}: Service has no port {b['port']}")
    for rel, sm in by_kind(objects, "ServiceMonitor", "worker/"):
        if svc is None or not selects(sm["spec"]["selector"].get("matchLabels"), svc["metadata"].get("labels", {})):
            problems.add(rel, "ServiceMonitor selects no worker Service")
        for ep in sm["spec"].get("endpoints", []):
            if ep.get("port") not in svc_ports:
                problems.add(rel, f"ServiceMonitor port {ep.get('port')} is not a Service port")
    prel, pdb = one(problems, objects, "PodDisruptionBudget", "worker/")
    if pdb and not selects(pdb["spec"]["selector"].get("matchLabels"), labels):
        problems.add(prel, "PodDisruptionBudget selects no worker pod")
    return {
        "deployment": dep,
        "env_from": env_from,
        "mounts": mounts,
        "volumes": volumes,
        "env": env,
        "task_queue": toml.get("temporal", {}).get("task_queue", "meetflow"),
        "pdb_min": (pdb or {}).get("spec", {}).get("minAvailable"),
    }


def check_variant(objects, under: str, facts: dict, problems: Problems) -> None:
    """One Temporal variant: its env ConfigMap, the autoscaler and its authentication."""
    rel, cm = one(problems, objects, "ConfigMap", under, "meetflow-temporal")
    if cm is None or not facts:
        return
    if "meetflow-temporal" not in facts["env_from"]:
        problems.add("worker/deployment.yaml", "the worker does not read the meetflow-temporal ConfigMap")
    env = cm.get("data", {})
    for key in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"):
        if not env.get(key):
            problems.add(rel, f"{key} is not set")
    for key in ("TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH",
                "TEMPORAL_TLS_SERVER_CA_CERT_PATH"):
        path = env.get(key)
        if path and not any(path.startswith(m + "/") for m in facts["mounts"].values()):
            problems.add(rel, f"{key} {path} is on no volume the worker mounts")
    srel, so = one(problems, objects, "ScaledObject", under)
    if so is None:
        return
    dep = facts["deployment"]
    if so["spec"]["scaleTargetRef"]["name"] != dep["metadata"]["name"]:
        problems.add(srel, "scaleTargetRef is not the worker Deployment")
    if facts["pdb_min"] is not None and so["spec"].get("minReplicaCount", 0) <= facts["pdb_min"]:
        problems.add(srel, "minReplicaCount must exceed the PodDisruptionBudget's minAvailable")
    auths = {o["metadata"]["name"]: o for _, o in by_kind(objects, "TriggerAuthentication", under)}
    for t in so["spec"]["triggers"]:
        if t["type"] != "temporal":
            continue
        md = t.get("metadata", {})
        for k in md:
            if k not in TEMPORAL_TRIGGER_KEYS:
                problems.add(srel, f"the Temporal scaler has no metadata key {k}")
        for k, want in [("taskQueue", facts["task_queue"]),
                        ("endpoint", env.get("TEMPORAL_ADDRESS")),
                        ("namespace", env.get("TEMPORAL_NAMESPACE"))]:
            if md.get(k) != want:
                problems.add(srel, f"trigger {k} {md.get(k)!r} differs from the worker's {want!r}")
        ref = t.get("authenticationRef", {}).get("name")
        if ref is not None and ref not in auths:
            problems.add(srel, f"authenticationRef {ref} is no TriggerAuthentication here")
    for name, auth in auths.items():
        for p in auth["spec"].get("secretTargetRef", []):
            if p["parameter"] not in TEMPORAL_AUTH_PARAMETERS:
                problems.add(under, f"TriggerAuthentication {name}: the Temporal scaler has no parameter {p['parameter']}")


def check_helm_values(root: Path, problems: Problems) -> int:
    n = 0
    for path in sorted(root.rglob("helm/*.yaml")):
        n += 1
        rel = str(path.relative_to(root))
        try:
            values = yaml.safe_load(path.read_text())
        except yaml.YAMLError as e:
            problems.add(rel, f"not YAML: {e}")
            continue
        variant = path.parent.parent
        cm = [d for d in yaml.safe_load_all((variant / "temporal.yaml").read_text())
              if d and d.get("kind") == "ConfigMap"]
        ns = cm[0]["data"]["TEMPORAL_NAMESPACE"] if cm else None
        config = values.get("server", {}).get("config", {})
        created = [n_["name"] for n_ in config.get("namespaces", {}).get("namespace", [])]
        if ns not in created:
            problems.add(rel, f"creates no Temporal namespace {ns!r} (the worker's TEMPORAL_NAMESPACE)")
        stores = config.get("persistence", {}).get("datastores", {})
        for store in ("default", "visibility"):
            sql = (stores.get(store) or {}).get("sql", {})
            if sql.get("pluginName") != "postgres12":
                problems.add(rel, f"datastore {store} is not PostgreSQL (pluginName postgres12)")
            if "password" in sql:
                problems.add(rel, f"datastore {store}: a password in values; use existingSecret")
    return n


def check(root: Path) -> tuple[list[str], str]:
    problems = Problems()
    objects = load(root, problems)
    validate_schemas(objects, problems)
    variants = sorted({rel.split("/")[1] for rel, _ in objects if rel.startswith("temporal/")})
    # Cross-checks read the objects' fields as the schemas describe them.
    if not problems.items:
        facts = check_worker(objects, problems)
        for v in variants:
            check_variant(objects, f"temporal/{v}/", facts, problems)
    helm = check_helm_values(root, problems)
    versions = ", ".join(
        f"{p} {importlib.metadata.version(p)}"
        for p in ("kubernetes-validate", "cloudcoil.models.keda", "cloudcoil.models.prometheus_operator")
    )
    summary = (
        f"{len(objects)} objects in {len({r for r, _ in objects})} files, Temporal variants "
        f"{', '.join(variants)}, {helm} Helm values file(s); strict schemas: Kubernetes "
        f"{' and '.join(KUBERNETES_VERSIONS)}, CRDs from cloudcoil models ({versions})"
    )
    return problems.items, summary


# Each breaks a copy of deploy/k8s; the check must report the quoted text.
BREAKS = [
    ("worker/deployment.yaml", "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 20",
     "must exceed worker.graceful_shutdown_secs"),
    ("worker/deployment.yaml", "containerPort: 8081", "containerPort: http8081", "Kubernetes"),
    ("worker/deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true",
     "Additional properties are not allowed"),
    ("worker/deployment.yaml", "path: /readyz\n              port: health\n            periodSeconds: 10",
     "path: /ready\n              port: health\n            periodSeconds: 10", "readinessProbe must GET /readyz"),
    ("worker/deployment.yaml", "memory: 256Mi", "memory: 256 MiB", "is not a quantity"),
    ("worker/servicemonitor.yaml", "interval: 30s", "intervall: 30s", "Additional properties"),
    ("worker/servicemonitor.yaml", "- port: metrics", "- port: metric", "not a Service port"),
    ("temporal/self-hosted/temporal.yaml", "minReplicaCount: 2", "minReplicaCount: two", "minReplicaCount"),
    ("temporal/self-hosted/temporal.yaml", "taskQueue: meetflow", "taskQueue: meetflow-other", "trigger taskQueue"),
    ("temporal/cloud-mtls/temporal.yaml", "- parameter: cert", "- parameter: certificate", "no parameter certificate"),
    ("worker/configmap.yaml", 'health_listen = "0.0.0.0:8081"', 'health_listen = "0.0.0.0:8181"', "port health"),
    ("worker/deployment.yaml", "image: registry.msp.example/meetflow:0.1.0", "image: registry.msp.example/meetflow:0.2.0",
     "is not the image tag"),
]


def self_test(root: Path) -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel, old, new, expect in BREAKS:
            copy_root = Path(tmp) / "k8s"
            shutil.rmtree(copy_root, ignore_errors=True)
            shutil.copytree(root, copy_root)
            target = copy_root / rel
            text = target.read_text()
            if old not in text:
                print(f"self-test: {rel} no longer holds {old!r}; update BREAKS")
                failures += 1
                continue
            target.write_text(text.replace(old, new, 1))
            problems, _ = check(copy_root)
            if not any(expect in p for p in problems):
                print(f"self-test: breaking {rel} ({old!r} -> {new!r}) was not caught as {expect!r}: {problems}")
                failures += 1
    print(f"check-deploy self-test: {len(BREAKS) - failures} of {len(BREAKS)} broken manifests caught")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent / "deploy/k8s"))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    root = Path(args.root)
    problems, summary = check(root)
    for p in problems:
        print(f"check-deploy: {p}", file=sys.stderr)
    if problems:
        print(f"check-deploy: {len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"check-deploy: {summary}: valid")
    if args.self_test and self_test(root):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
