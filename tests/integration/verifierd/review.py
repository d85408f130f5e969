#!/usr/bin/env python3
"""Wrap a Kubernetes object (JSON on stdin) into an admission.k8s.io/v1 AdmissionReview.

usage: review.py KIND UID NAMESPACE [--dry-run] [--as KIND2]
  --as KIND2 first converts a kubectl-rendered Deployment into KIND2 (Pod, DaemonSet, StatefulSet,
  ReplicaSet, ReplicationController) from its pod template: `kubectl create -f X.yaml
  --dry-run=client` needs an API server for these kinds, `kubectl create deployment` does not.
"""
import json
import sys


def convert(dep, kind):
    tmpl = dep["spec"]["template"]
    name = dep["metadata"]["name"]
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **tmpl.get("metadata", {})},
                "spec": tmpl["spec"]}
    api = "v1" if kind == "ReplicationController" else "apps/v1"
    spec = {"template": tmpl}
    if kind == "ReplicationController":
        spec["selector"] = tmpl["metadata"].get("labels", {})
    else:
        spec["selector"] = dep["spec"]["selector"]
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


def main():
    args = sys.argv[1:]
    kind, uid, ns = args[0], args[1], args[2]
    dry = "--dry-run" in args
    obj = json.load(sys.stdin)
    if "--as" in args:
        kind = args[args.index("--as") + 1]
        obj = convert(obj, kind)
    group, version = ("", "v1") if obj["apiVersion"] == "v1" else tuple(obj["apiVersion"].split("/"))
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": kind.lower() + "s"},
            "namespace": ns,
            "operation": "CREATE",
            "userInfo": {"username": "system:test"},
            "object": obj,
            "oldObject": None,
            "dryRun": dry,
        },
    }
    json.dump(review, sys.stdout)


main()
