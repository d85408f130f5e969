#!/usr/bin/python3
"""Every object in deploy/kubernetes/ survives a round trip through Debian's python3-kubernetes
models: deserialised into the typed model of its apiVersion/kind, serialised back, and compared
with the YAML as written. A misspelt or unknown field is dropped by the model, so it shows up as
a difference; a wrong type fails the deserialisation. Then the checks the issue names
(replicas, anti-affinity, /readyz, limits, read-only root, PDB, webhook policy and rules).

Usage: k8s_manifests_roundtrip.py DEPLOY_KUBERNETES_DIR  (exit 0 pass, 1 fail, 2 usage)
       k8s_manifests_roundtrip.py --self-test              (a planted typo must be caught)
"""
import copy
import glob
import os
import re
import sys

import yaml
from kubernetes import client

API = client.ApiClient()


def model_name(doc):
    group_version = doc.get("apiVersion", "")
    version = group_version.split("/")[-1]
    return version[0].upper() + version[1:] + doc.get("kind", "")


def roundtrip(doc):
    """Returns the differences between doc and its model round trip (empty when none)."""
    name = model_name(doc)
    if not hasattr(client, name):
        return [f"no model {name} in python3-kubernetes"]
    try:
        obj = API._ApiClient__deserialize(copy.deepcopy(doc), name)
    except Exception as e:  # the client raises ValueError/TypeError on a wrong shape
        return [f"{name}: does not deserialise: {e}"]
    back = API.sanitize_for_serialization(obj)
    diffs = []
    compare(doc, back, name, diffs)
    return diffs


def compare(want, got, path, diffs):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            if k not in got:
                diffs.append(f"{path}.{k}: dropped by the model (unknown or misspelt field)")
            else:
                compare(want[k], got[k], f"{path}.{k}", diffs)
        for k in got:
            if k not in want:
                diffs.append(f"{path}.{k}: added by the model")
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            diffs.append(f"{path}: {len(want)} items became {len(got)}")
        for i, (w, g) in enumerate(zip(want, got)):
            compare(w, g, f"{path}[{i}]", diffs)
    elif want != got or type(want) is not type(got):
        diffs.append(f"{path}: {want!r} became {got!r}")


def load(directory):
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


def semantic_checks(docs, deadline_s):
    errs = []
    by_kind = {}
    for _, d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    for kind in ["Namespace", "Deployment", "PodDisruptionBudget", "Service", "ValidatingWebhookConfiguration",
                 "NetworkPolicy", "ConfigMap"]:
        if kind not in by_kind:
            errs.append(f"no {kind}")
    if errs:
        return errs
    ns = by_kind["Namespace"][0]["metadata"]["name"]
    dep = by_kind["Deployment"][0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    if spec.get("replicas") != 3:
        errs.append("Deployment: replicas is not 3")
    if "podAntiAffinity" not in pod.get("affinity", {}):
        errs.append("Deployment: no pod anti-affinity")
    if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        errs.append("Deployment: readiness is not /readyz")
    limits = c.get("resources", {}).get("limits", {})
    if "cpu" not in limits or "memory" not in limits:
        errs.append("Deployment: no cpu and memory limits")
    if c.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
        errs.append("Deployment: root filesystem is not read-only")
    labels = spec["selector"]["matchLabels"]
    pdb = by_kind["PodDisruptionBudget"][0]["spec"]
    if pdb.get("selector", {}).get("matchLabels") != labels:
        errs.append("PodDisruptionBudget does not select the Deployment's pods")
    if by_kind["Service"][0]["spec"].get("selector") != labels:
        errs.append("Service does not select the Deployment's pods")
    if by_kind["NetworkPolicy"][0]["spec"].get("podSelector", {}).get("matchLabels") != labels:
        errs.append("NetworkPolicy does not select the Deployment's pods")
    for hook in by_kind["ValidatingWebhookConfiguration"][0]["webhooks"]:
        if hook.get("failurePolicy") != "Fail":
            errs.append("webhook: failurePolicy is not Fail")
        if hook.get("sideEffects") != "None":
            errs.append("webhook: sideEffects is not None")
        if not hook.get("timeoutSeconds", 10) > deadline_s:
            errs.append(f"webhook: timeoutSeconds is not above verifierd's deadline ({deadline_s}s)")
        exprs = hook.get("namespaceSelector", {}).get("matchExpressions", [])
        if exprs != [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [ns]}]:
            errs.append(f"webhook: namespaceSelector must leave out exactly {ns}")
        covered = set()
        for r in hook.get("rules", []):
            for g in r["apiGroups"]:
                for res in r["resources"]:
                    covered.add((g, res))
        # What verifierd/src/admission.cc ExtractImages reads.
        need = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "replicationcontrollers"),
                ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
                ("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs")}
        for g, res in sorted(need - covered):
            errs.append(f"webhook: no rule for {g or 'core'}/{res}")
        svc = hook["clientConfig"]["service"]
        if svc.get("namespace") != ns or svc.get("path") != "/v1/admission":
            errs.append("webhook: must call /v1/admission on the Service in its namespace")
    return errs


def deadline_seconds(docs):
    for _, d in docs:
        if d["kind"] == "ConfigMap" and "verifierd.yaml" in d.get("data", {}):
            m = re.search(r"deadline:\s*(\d+)s", d["data"]["verifierd.yaml"])
            if m:
                return int(m.group(1))
    return 8  # verifierd's default (verifierd/include/signet/verifierd/config.h)


def run(directory):
    docs = load(directory)
    if not docs:
        print(f"no manifests in {directory}")
        return 1
    failures = []
    for fname, doc in docs:
        for d in roundtrip(doc):
            failures.append(f"{fname}: {d}")
    failures += semantic_checks(docs, deadline_seconds(docs))
    for f in failures:
        print("FAIL", f)
    print(f"{len(docs)} objects, {len(failures)} problems")
    return 1 if failures else 0


def self_test():
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}},
                                 "spec": {"containers": [{"name": "c", "image": "i",
                                                          "readinessProbe": {"httpGet": {"path": "/readyz", "port": 1}}}]}}}}
    assert roundtrip(dep) == [], roundtrip(dep)
    typo = copy.deepcopy(dep)
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = typo["spec"]["template"]["spec"]["containers"][0].pop("readinessProbe")
    assert any("readinesProbe" in d for d in roundtrip(typo)), "a misspelt field was not caught"
    unknown = copy.deepcopy(dep)
    unknown["kind"] = "Deploymnet"
    assert roundtrip(unknown), "an unknown kind was not caught"
    wrong_type = copy.deepcopy(dep)
    wrong_type["spec"]["replicas"] = "three"
    assert roundtrip(wrong_type), "a wrong type was not caught"
    print("self-test: a misspelt field, an unknown kind and a wrong type are caught")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1]))
