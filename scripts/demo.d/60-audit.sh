# shellcheck shell=bash
# Demo part: the auditor's procedure (issue 18), sourced by scripts/demo last. A real registry on
# loopback (Debian's docker-registry, TLS + htpasswd, scripts/lib/registry.sh), images pushed with
# skopeo, the appliance signing one of them into its transparency log and pushing the signature
# (signet sign --state-dir --push), verifierd reading evidence from that registry alone, and then
# `signet audit` over a small cluster's kubectl output. In scope: SIGNET, DEMO, ROOT, step(),
# VERIFIERD, daemon.sh, builder.sh, KEY_URI, S (the builder), T (the state dir of 25-tlog.sh).
# The report is copied to build/demo/audit-report/ (the demo's temporary directory is removed).
source "$ROOT/scripts/lib/registry.sh"
R=$DEMO/audit; mkdir -p "$R"
REPORT_DIR=$ROOT/build/demo/audit-report

step "A registry on loopback: Debian's docker-registry (distribution 2.8) with TLS and htpasswd"
registry_up "$R/registry" auditor demo-password || { echo "docker-registry did not start"; exit 1; }
REG_HOST_PID=$REG_PID
AUDIT_PIDS=("$REG_HOST_PID")
stop_audit_daemons() {
  local p
  for p in "${AUDIT_PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
  for p in "${AUDIT_PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}
trap 'rc=$?; stop_audit_daemons; (exit $rc); cleanup' EXIT
echo "  https://$REG_HOST (pid $REG_HOST_PID); credentials in a docker config.json"
RCFG=$R/registry/config.json RCA=$R/registry/ca.pem

step "skopeo pushes three images built as OCI layouts: acme/api (a two-platform index), acme/batch, acme/tool"
oci_layout "$R/api" v1.2.3 api amd64 arm64 && API_DIGEST=$OCI_DIGEST
oci_layout "$R/batch" 0.9 batch single:amd64 && BATCH_DIGEST=$OCI_DIGEST
oci_layout "$R/tool" dev tool single:amd64 && TOOL_DIGEST=$OCI_DIGEST
registry_push "$R/api" v1.2.3 auditor demo-password "$R/registry/certs" "$REG_HOST/acme/api:v1.2.3"
registry_push "$R/batch" 0.9 auditor demo-password "$R/registry/certs" "$REG_HOST/acme/batch:0.9"
registry_push "$R/tool" dev auditor demo-password "$R/registry/certs" "$REG_HOST/acme/tool:dev"
skopeo list-tags --creds auditor:demo-password --cert-dir "$R/registry/certs" "docker://$REG_HOST/acme/api" | jq -c .Tags | sed 's/^/  acme\/api tags: /'
echo "  acme/api@$API_DIGEST (index), acme/batch@${BATCH_DIGEST:0:19}…, acme/tool@${TOOL_DIGEST:0:19}…"

step "The appliance signs acme/api at its index digest: gate, HSM, transparency log, then --push to the registry"
W=$R/sign SRC=$ROOT; mkdir -p "$W"
IMAGE=$REG_HOST/acme/api
cp "$S/builder.key" "$S/builder.pub" "$W/"   # the same on-prem builder as before
make_provenance provenance "${API_DIGEST#sha256:}"
make_policy
$SIGNET key export --key "$KEY_URI" --format pem > "$W/release.pub"
printf 'release_signers: [release.pub]\naccept_vsa: true\nproduction_namespaces: [payments]\n' >> "$W/policy.yaml"
$SIGNET sign --key "$KEY_URI" --policy "$W/policy.yaml" --image "$IMAGE@$API_DIGEST" --provenance "$W/provenance.dsse.json" \
  --out "$W/out" --state-dir "$T/state" --push --registry-config "$RCFG" --registry-ca "$RCA" > "$W/decision.out" 2> "$W/push.out"
sed 's/^/  /' "$W/push.out" | cut -c1-150
skopeo list-tags --creds auditor:demo-password --cert-dir "$R/registry/certs" "docker://$REG_HOST/acme/api" | jq -r '.Tags[]' | sed 's/^/  tag now: /'

step "verifierd reads signatures and attestations from the registry alone (registry: {config, ca}); sandbox is in audit mode"
(cd "$R" && tls_ca vca && tls_cert verifierd vca /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1")
cp "$W/policy.yaml" "$W/builder.pub" "$W/release.pub" "$R/"
cat > "$R/verifierd.yaml" <<EOT
listen: 127.0.0.1:0
tls: {certificate: verifierd.pem, key: verifierd.key}
policies: {default: policy.yaml}
admission: {default_mode: enforce, namespaces: {sandbox: audit}, deadline: 30s}
registry: {config: registry/config.json, ca: registry/ca.pem}
EOT
sed 's/^/  /' "$R/verifierd.yaml"
daemon_start "$R/verifierd.log" "$VERIFIERD" --config "$R/verifierd.yaml" || { echo "verifierd did not start"; exit 1; }
AUDIT_PIDS+=("$PID")
VURL=https://127.0.0.1:$PORT
echo "  verifierd pid $PID on $VURL"

step "The cluster as an auditor receives it: kubectl get pods -A -o json, kubectl get validatingwebhookconfigurations -o json"
python3 - "$R" "$REG_HOST" "$API_DIGEST" "$BATCH_DIGEST" "$TOOL_DIGEST" "$PORT" "$(base64 -w0 < "$R/vca.pem")" <<'PY'
import json, sys
out, reg, api, batch, tool, port, ca = sys.argv[1:]
def pod(ns, name, owner, image, running):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": name, "controller": True}]},
            "spec": {"containers": [{"name": "main", "image": image}], "nodeName": "node-1"},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "main", "image": image, "imageID": running, "ready": True, "restartCount": 0,
                 "state": {"running": {"startedAt": "2026-12-01T08:00:00Z"}}}]}}
pods = [pod("payments", "api-7d9f-x2k4p", "api-7d9f", f"{reg}/acme/api@{api}", f"{reg}/acme/api@{api}"),
        pod("payments", "api-7d9f-m8q2z", "api-7d9f", f"{reg}/acme/api@{api}", f"{reg}/acme/api@{api}"),
        pod("payments", "batch-5c4b-q9w8e", "batch-5c4b", f"{reg}/acme/batch@{batch}", f"{reg}/acme/batch@{batch}"),
        pod("sandbox", "tool-66f8-l3m2n", "tool-66f8", f"{reg}/acme/tool:dev", f"{reg}/acme/tool@{tool}")]
json.dump({"apiVersion": "v1", "kind": "List", "items": pods, "metadata": {"resourceVersion": ""}},
          open(f"{out}/pods.json", "w"), indent=1)
hook = {"name": "admission.signet.dev", "admissionReviewVersions": ["v1"], "sideEffects": "None",
        "clientConfig": {"url": f"https://127.0.0.1:{port}/v1/admission", "caBundle": ca},
        "failurePolicy": "Fail", "timeoutSeconds": 10, "matchPolicy": "Equivalent",
        "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                    "values": ["kube-system"]}]},
        "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                   "resources": ["pods"], "scope": "Namespaced"}]}
json.dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
    {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
     "metadata": {"name": "signet-verifierd"}, "webhooks": [hook]}]}, open(f"{out}/vwc.json", "w"), indent=1)
PY
jq -r '.items[] | "  \(.metadata.namespace)/\(.metadata.name): \(.status.containerStatuses[0].imageID | .[0:70])…"' "$R/pods.json"

step "signet audit: sample, verify each image at verifierd, who signed it (the appliance's log), admission review, the unsigned-image probe"
rc=0
$SIGNET audit --pods "$R/pods.json" --webhooks "$R/vwc.json" --policy "$R/policy.yaml" --verifier "$VURL" \
  --verifier-ca "$R/vca.pem" --registry-config "$RCFG" --registry-ca "$RCA" --sample 20 --seed demo \
  --probe-image "$REG_HOST/acme/unsigned-probe@sha256:$(printf 'signet demo probe' | sha256sum | cut -d' ' -f1)" \
  --state-dir "$T/state" --out "$R/report" > "$R/audit.out" || rc=$?
sed 's/^/  /' "$R/audit.out"
if [[ $rc -ne 1 ]]; then echo "  UNEXPECTED: signet audit exit $rc (want 1: acme/batch in payments is unsigned)"; exit 1; fi
echo "  exit 1: critical findings (the report is written)"
jq -r '.images[] | "  \(.namespace) \(.image | sub(".*/"; "") | .[0:40]): \(.verdict); signed: " +
  (if .signing == "logged" then (.signings[0] | "\(.keyLabel) key \(.keyId[0:12])… at \(.signedAt), log index \(.logIndex)") else .signing end)' \
  "$R/report/report.json"
jq -r '.findings[] | select(.severity == "critical" or .severity == "high") | "  \(.severity) \(.code) \(.subject)"' "$R/report/report.json"
$SIGNET log verify "$T/state/log" | sed 's/^/  /'

step "The report, kept after the demo's cleanup"
rm -rf "$REPORT_DIR"
mkdir -p "$REPORT_DIR"
cp "$R/report/report.html" "$R/report/report.json" "$REPORT_DIR/"
echo "  report: $REPORT_DIR/report.html (and report.json; its SHA-256 is in the log, see 'log index' above)"

stop_audit_daemons
trap cleanup EXIT
