# Demo part: the verification endpoint (sourced by scripts/demo after 20-sign.sh; S, IMAGE, DIGEST,
# OTHER, the builder's files and the release key's public half are in scope).
VERIFIERD=$(dirname "$SIGNET")/../verifierd/verifierd  # beside the CLI in the same build tree
V=$DEMO/verifierd; mkdir -p "$V/evidence"

step "verifierd: a TLS certificate for 127.0.0.1 from a throwaway CA (openssl CLI)"
source "$ROOT/scripts/lib/daemon.sh"
(cd "$V" && tls_ca ca && tls_cert server ca /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1")

step "verifierd: the same policy, now also requiring the appliance's own signature (release_signers)"
cp "$S/policy.yaml" "$V/policy.yaml"; cp "$S/builder.pub" "$S/release.pub" "$V/"
printf 'release_signers: [release.pub]\n' >> "$V/policy.yaml"
# The evidence store: the builder's provenance and SBOM, and what signet sign wrote.
cp "$S/provenance.dsse.json" "$S/sbom.dsse.json" "$V/evidence/"
cp "$S/out/simplesigning.json" "$S/out/simplesigning.sig" "$S/out/image.sigstore.json" "$V/evidence/"
cat > "$V/verifierd.yaml" <<EOT
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
evidence: {directories: [evidence/]}
admission: {default_mode: enforce, deadline: 8s}
EOT
sed 's/^/  /' "$V/verifierd.yaml"
$VERIFIERD --check-config "$V/verifierd.yaml"

step "verifierd: start (port 0; the bound port is in the 'listening' log line), wait until ready"
daemon_start "$V/verifierd.log" "$VERIFIERD" --config "$V/verifierd.yaml" || { echo "verifierd did not start"; exit 1; }
VERIFIERD_PID=$PID
stop_verifierd() { kill -TERM "$VERIFIERD_PID" 2>/dev/null && wait "$VERIFIERD_PID" 2>/dev/null || true; }
trap 'rc=$?; stop_verifierd; (exit $rc); cleanup' EXIT
URL=https://127.0.0.1:$PORT
curl -sS --cacert "$V/ca.pem" "$URL/readyz"; echo

verify() {  # verify IMAGE: POST /v1/verify with the evidence from the store; print the verdict
  curl -sS --cacert "$V/ca.pem" -H 'Content-Type: application/json' \
    -d "{\"image\": \"$1\", \"policy\": \"default\"}" "$URL/v1/verify" > "$V/answer.json"
  jq -r '"  allowed=\(.allowed) policy=\(.policyDigest[0:19])…", (.chain[] | "  \(.link): \(.status) \(.code)")' "$V/answer.json"
}
step "POST /v1/verify for the signed image: every link of the evidence chain"
verify "$IMAGE@sha256:$DIGEST"
step "POST /v1/verify for another digest (no signature, no provenance about it): refused, per link"
verify "$IMAGE@sha256:$OTHER"
step "POST /v1/verify for a tag: refused before anything else"
verify "$IMAGE:v1"

step "POST /v1/admission: a Deployment with the signed image and a tag-only sidecar (kubectl-rendered)"
kubectl create deployment web --image="$IMAGE@sha256:$DIGEST" --dry-run=client -o json > "$V/deploy.json"
python3 - "$V/deploy.json" "$V/review.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "docker.io/library/busybox:1.36"})
json.dump({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
           "request": {"uid": "demo-1", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                       "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
                       "namespace": "prod", "operation": "CREATE", "object": d}}, open(sys.argv[2], "w"))
PY
curl -sS --cacert "$V/ca.pem" -H 'Content-Type: application/json' -d @"$V/review.json" "$URL/v1/admission" |
  jq -r '"  uid=\(.response.uid) allowed=\(.response.allowed)", "  \(.response.status.message // "")"'

step "GET /metrics (a few lines), then SIGTERM: verifierd drains and exits 0"
curl -sS --cacert "$V/ca.pem" "$URL/metrics" | grep -E '^verifierd_(requests_total|cache_hits_total)' | head -6 | sed 's/^/  /'
kill -TERM "$VERIFIERD_PID"; wait "$VERIFIERD_PID"; echo "  verifierd exit $?"
trap cleanup EXIT
