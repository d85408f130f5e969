#!/usr/bin/env bash
# verifierd, the real binary over TLS, against real clients: curl (verify, health, metrics,
# admission), `signet gate` on the same files and time (the decision must be equal), and
# AdmissionReview fixtures wrapped around objects rendered by `kubectl ... --dry-run=client -o json`.
# Certificates are made per run with the openssl CLI; the daemon is stopped by its PID; the port
# comes from port 0 (read back from the "listening" log line).
# usage: verifierd_e2e.sh VERIFIERD SIGNET
set -euo pipefail
VERIFIERD=$1
SIGNET=$2
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/daemon.sh"
VEC=${SIGNET_SHARED_DIR:?}/vectors
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-verifierd-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -n ${LOG:-} && -f ${LOG:-} ]] && tail -20 "$LOG"; exit 1; }
pass() { echo "ok: $*"; }
cd "$W"

# --- certificates ---
tls_ca ca
tls_cert server ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"

# --- policies and evidence (Google Cloud Build SLSA v1, key-signed) ---
GCB=$VEC/accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json
DIGEST=sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3
IMAGE=us-central1-docker.pkg.dev/acme/app@$DIGEST
UNKNOWN=ghcr.io/acme/unknown@sha256:9999999999999999999999999999999999999999999999999999999999999999
AT=2026-11-25T10:00:00Z
policy() {  # policy FILE KEY [EXTRA]
  cat > "$1" <<P
version: 1
builders:
  - name: gcb
    keys: [$VEC/trust/gcb/$2]
    builder_ids: ["https://cloudbuild.googleapis.com/GoogleHostedWorker"]
    build_types: ["https://cloud.google.com/build/gcb-buildtypes/google-worker/v1"]
sources:
  - repo: https://github.com/khalkie/gcb-prod-prov
    refs: ["refs/heads/main"]
images: ["us-central1-docker.pkg.dev/acme/*"]
exceptions:
  - finding: MUTABLE_REFERENCE
    subject: docker.io/library/busybox:1.36
    match: docker.io/library/busybox:1.36
    owner: platform@example.com
    ticket: PLAT-7
    expires: 2027-01-01T00:00:00Z
${3:-}
P
}
policy good.yaml global-pae-google-hosted-worker_1.pem
policy wrongkey.yaml global-pae-provenanceSigner_1.pem
policy aged.yaml global-pae-google-hosted-worker_1.pem "max_age: 24h"
mkdir evidence
cp "$GCB" evidence/gcb-v1.json   # a copy in this run's temp dir (the store never follows links)
cat > verifierd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: good.yaml, wrongkey: wrongkey.yaml, aged: aged.yaml}
evidence: {directories: [evidence/]}
admission: {default_mode: enforce, namespaces: {sandbox: audit}, deadline: 8s}
limits: {max_body: 4MiB, header_timeout: 60s, idle_timeout: 60s, max_connections: 64}  # generous: see signerd lib.sh
evaluation_time: $AT
Y

# --- --check-config ---
[[ $("$VERIFIERD" --check-config verifierd.yaml) == ok ]] || fail "--check-config of a good config"
checkbad() {  # checkbad NAME WANT YAML
  printf '%s\n' "$3" > "$1.yaml"
  set +e; out=$("$VERIFIERD" --check-config "$1.yaml" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || fail "$1: exit $rc, want 2: $out"
  grep -q -- "$2" <<< "$out" || fail "$1: does not say '$2': $out"
  ! grep -q SECRETVALUE <<< "$out" || fail "$1: quotes a value: $out"
}
L='listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}'
checkbad unknown "bogus" "$L
policies: {default: good.yaml}
bogus: SECRETVALUE"
checkbad admission_key "admission.mode" "$L
policies: {default: good.yaml}
admission: {mode: SECRETVALUE}"
printf 'version: 1\nbuilders: []\nsources: []\n' > lintpol.yaml
checkbad lint "EMPTY_ALLOW_LIST" "$L
policies: {default: lintpol.yaml}"
printf 'version: 1\nbuilders:\n  - name: b\n    keys: [%s]\nsources: [{repo: x, refs: [a]}]\naccept_vsa: true\n' \
  "$VEC/trust/gcb/global-pae-google-hosted-worker_1.pem" > vsapol.yaml
checkbad accept_vsa "ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS" "$L
policies: {default: vsapol.yaml}"
checkbad no_policy "nothere.yaml" "$L
policies: {default: nothere.yaml}"
checkbad no_dir "evidence directory" "$L
policies: {default: good.yaml}
evidence: {directories: [nothere/]}"
pass "--check-config: ok, and exit 2 naming the key/file for unknown keys, lint errors, missing files"

# --- start ---
LOG=$W/verifierd.log
daemon_start "$LOG" "$VERIFIERD" --config verifierd.yaml || fail "verifierd did not start"
PIDS+=("$PID")
U() { echo "https://127.0.0.1:$PORT$1"; }
code() { curl -s -o "$W/body" -w '%{http_code}' --cacert ca.pem "$@" || true; }
post() { code -H 'Content-Type: application/json' --data-binary "@$2" "$(U "$1")"; }
J() { python3 -c "import json,sys; d=json.load(open('$W/body')); print($1)"; }

[[ $(code "$(U /healthz)") == 200 ]] || fail "healthz"
[[ $(code "$(U /readyz)") == 200 ]] || fail "readyz: $(cat body)"
pass "healthz, readyz"

# --- /v1/verify against `signet gate` on the same files and time ---
req() {  # req OUT IMAGE POLICY [FILE ROLE]...
  python3 - "$@" <<'PY'
import base64, json, sys
out, image, policy, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ev = [{"name": rest[i], "content": base64.b64encode(open(rest[i], "rb").read()).decode(), "role": rest[i + 1]}
      for i in range(0, len(rest), 2)]
json.dump({"image": image, "policy": policy, "evidence": ev}, open(out, "w"))
PY
}
same_as_gate() {  # same_as_gate NAME POLICYNAME POLICYFILE IMAGE FILE
  req "$1.json" "$4" "$2" "$5" provenance
  [[ $(post /v1/verify "$1.json") == 200 ]] || fail "$1: verify status $(cat body)"
  cp body "$1.resp"
  set +e; "$SIGNET" gate --policy "$3" --subject "$4" --provenance "$5" --at "$AT" > "$1.gate" 2> /dev/null; set -e
  python3 - "$1.resp" "$1.gate" <<'PY' || fail "$1: verifierd and signet gate disagree"
import json, sys
v, g = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert v["allowed"] == g["allowed"], (v["allowed"], g["allowed"])
assert v["digest"] == (g["subject"] or ""), (v["digest"], g["subject"])
assert v["policyDigest"] == g["policy_digest"]
assert v["evaluatedAt"] == g["evaluated_at"]
vf = [(f["code"], f["message"], f["input"]) for f in v["findings"]]
gf = [(f["code"], f["message"], f["input"] or "") for f in g["findings"]]
assert vf == gf, (vf, gf)
assert [c["link"] for c in v["chain"]] == ["reference", "signature", "provenance", "sbom", "scan", "exceptions"]
PY
}
same_as_gate allow default good.yaml "$IMAGE" "$GCB"
[[ $(J 'd["allowed"]') == True ]] || fail "allow case not allowed: $(cat allow.resp)"
same_as_gate wrongkey wrongkey wrongkey.yaml "$IMAGE" "$GCB"
# The gate reports a DSSE signature under an unlisted key as SIGNATURE_INVALID (it cannot tell it
# from a corrupted one): the signature link says DIGEST-MISMATCH, the provenance link MISSING.
[[ $(J 'd["chain"][1]["code"]') == CONT-PROV-SIGNATURE-DIGEST-MISMATCH ]] || fail "wrong key chain: $(cat body)"
[[ $(J 'd["chain"][2]["code"]') == CONT-PROV-PROVENANCE-MISSING ]] || fail "wrong key chain: $(cat body)"
same_as_gate aged aged aged.yaml "$IMAGE" "$GCB"
grep -q PROVENANCE_TOO_OLD aged.resp || fail "aged: $(cat aged.resp)"
same_as_gate tag default good.yaml "us-central1-docker.pkg.dev/acme/app:v1" "$GCB"
[[ $(J 'd["chain"][0]["code"]') == CONT-PROV-MUTABLE-TAG ]] || fail "tag chain"
same_as_gate nonpae default good.yaml "$IMAGE" "$VEC/reject/other/gcb-legacy-nonPAE-payloadtype-changed.json"
same_as_gate bundle default good.yaml "$IMAGE" "$VEC/reject/slsa-verifier-bundle/invalid-set.sigstore.json"
pass "/v1/verify equals signet gate (allow, wrong key, too old, tag, non-PAE, invalid SET)"

# Every field printed, even on a denial.
printf '{"image":"%s","policy":"default"}' "$UNKNOWN" > unknown.json
[[ $(post /v1/verify unknown.json) == 200 ]] || fail "unknown digest"
grep -q '"allowed":false' body || fail "allowed:false not printed: $(cat body)"
grep -q '"findings":\[' body || fail "findings not printed"
# Empty evidence: the store supplies it; the second time it is a cache hit.
printf '{"image":"%s","policy":"default"}' "$IMAGE" > store.json
[[ $(post /v1/verify store.json) == 200 ]] || fail "store verify"
[[ $(J 'd["allowed"]') == True ]] || fail "store evidence: $(cat body)"
[[ $(post /v1/verify store.json) == 200 ]] || fail "store verify 2"
pass "every field printed; evidence store; repeated request"

# --- bad input ---
printf '{"image":"x","policy":"nope"}' > nope.json
[[ $(post /v1/verify nope.json) == 400 ]] || fail "unknown policy"
grep -q UNKNOWN_POLICY body || fail "unknown policy code: $(cat body)"
printf '{"image":"x",' > broken.json
[[ $(post /v1/verify broken.json) == 400 ]] || fail "malformed"
printf '{"image":"x","policy":"default","evil":1}' > extra.json
[[ $(post /v1/verify extra.json) == 400 ]] || fail "unknown field"
[[ $(code -H 'Content-Type: text/plain' --data-binary @store.json "$(U /v1/verify)") == 415 ]] || fail "415"
[[ $(code "$(U /v1/nowhere)") == 404 ]] || fail "404"
head -c 5000000 /dev/zero | tr '\0' 'a' > big.json
[[ $(post /v1/verify big.json) == 413 ]] || fail "413"
[[ $(post /v1/admission broken.json) == 400 ]] || fail "admission malformed"
pass "400 unknown policy / malformed / unknown field, 415, 404, 413"

# --- admission: fixtures rendered by kubectl (offline, --dry-run=client) ---
K() { kubectl "$@" --dry-run=client -o json; }
GOOD=$IMAGE
TAG=docker.io/library/nginx:1.25
EXCEPTED=docker.io/library/busybox:1.36
K create deployment web --image="$GOOD" --image="$GOOD" --image="$GOOD" > dep-good.json
K create deployment mixed --image="$GOOD" --image="$UNKNOWN" --image="$TAG" > dep-mixed.json
K create deployment excepted --image="$GOOD" --image="$EXCEPTED" > dep-excepted.json
K create job j --image="$UNKNOWN" > job.json
K create cronjob c --image="$TAG" --schedule='*/5 * * * *' > cron.json
admit() {  # admit NAME KIND UID NS FILE [review.py args...]
  local name=$1 kind=$2 uid=$3 ns=$4 file=$5; shift 5
  python3 "$HERE/review.py" "$kind" "$uid" "$ns" "$@" < "$file" > "$name.review"
  [[ $(post /v1/admission "$name.review") == 200 ]] || fail "$name: status $(cat body)"
  cp body "$name.answer"
  [[ $(J 'd["response"]["uid"]') == "$uid" ]] || fail "$name: uid not echoed"
}
admit good Deployment uid-1 default dep-good.json
[[ $(J 'd["response"]["allowed"]') == True ]] || fail "good deployment: $(cat body)"
admit mixed Deployment uid-2 default dep-mixed.json
[[ $(J 'd["response"]["allowed"]') == False ]] || fail "mixed deployment allowed"
MSG=$(J 'd["response"]["status"]["message"]')
grep -q "$UNKNOWN (spec.template.spec.containers\[1\].image): CONT-PROV-SIGNATURE-MISSING" <<< "$MSG" || fail "message: $MSG"
grep -q "$TAG (spec.template.spec.containers\[2\].image): CONT-PROV-MUTABLE-TAG" <<< "$MSG" || fail "tag: $MSG"
! grep -q "$GOOD" <<< "$MSG" || fail "the good image is named: $MSG"
admit excepted Deployment uid-3 default dep-excepted.json
[[ $(J 'd["response"]["allowed"]') == True ]] || fail "tag with a live exception: $(cat body)"
admit job Job uid-4 default job.json
[[ $(J 'd["response"]["allowed"]') == False ]] || fail "job"
admit cron CronJob uid-5 default cron.json
[[ $(J 'd["response"]["allowed"]') == False ]] || fail "cronjob with a tag"
J 'd["response"]["status"]["message"]' | grep -q "spec.jobTemplate.spec.template.spec.containers\[0\].image" || fail "cron path"
for kind in Pod DaemonSet StatefulSet ReplicaSet ReplicationController; do
  admit "as-$kind" "$kind" "uid-$kind" default dep-mixed.json --as "$kind"
  [[ $(J 'd["response"]["allowed"]') == False ]] || fail "$kind allowed"
  J 'd["response"]["status"]["message"]' | grep -q CONT-PROV-MUTABLE-TAG || fail "$kind message"
  admit "ok-$kind" "$kind" "uid-ok-$kind" default dep-good.json --as "$kind"
  [[ $(J 'd["response"]["allowed"]') == True ]] || fail "$kind good: $(cat body)"
done
admit audit Deployment uid-6 sandbox dep-mixed.json
[[ $(J 'd["response"]["allowed"]') == True ]] || fail "audit namespace denied"
python3 -c "
import json; r=json.load(open('$W/body'))['response']
assert len(r['warnings']) == 2, r
assert all(len(w.encode()) <= 120 for w in r['warnings']), r['warnings']
assert 'CONT-PROV-MUTABLE-TAG' in r['auditAnnotations']['refused-images']
" || fail "audit warnings: $(cat body)"
admit dry Deployment uid-7 default dep-good.json --dry-run
[[ $(J 'd["response"]["allowed"]') == True ]] || fail "dryRun"
pass "admission: uid echoed; Deployment/Job/CronJob (kubectl) and Pod/DaemonSet/StatefulSet/ReplicaSet/RC; denials name images and codes; tag exception; audit warnings <= 120; dryRun"

# --- metrics ---
[[ $(code "$(U /metrics)") == 200 ]] || fail "metrics"
grep -q '^verifierd_requests_total{route="/v1/verify",code="200"}' body || fail "requests_total: $(grep requests_total body)"
grep -q '^verifierd_request_duration_seconds_bucket' body || fail "duration histogram"
HITS=$(grep '^verifierd_cache_hits_total' body | awk '{print $2}')
[[ -n $HITS && $HITS -ge 1 ]] || fail "cache hits: $(grep cache body)"
grep -q '"route":"/v1/verify"' "$LOG" || fail "request log line"
grep '"route":"/v1/verify"' "$LOG" | grep -q '"digest":"sha256:7e9b6e7b' || fail "log digest"
pass "metrics: requests_total, duration histogram, cache hits; log lines with digest"

# --- SIGHUP: a bad config keeps the old state; a good one is loaded ---
cp verifierd.yaml verifierd.good
printf 'bogus: 1\n' >> verifierd.yaml
kill -HUP "$PID"
for _ in $(seq 100); do grep -q 'reload' "$LOG" && break; sleep 0.05; done
[[ $(code "$(U /readyz)") == 200 ]] || fail "readyz after bad reload"
[[ $(post /v1/verify store.json) == 200 ]] || fail "verify after bad reload"
[[ $(J 'd["allowed"]') == True ]] || fail "old state kept"
cp verifierd.good verifierd.yaml
rm evidence/gcb-v1.json
kill -HUP "$PID"
for _ in $(seq 200); do
  [[ $(post /v1/verify store.json) == 200 && $(J 'd["allowed"]') == False ]] && break
  sleep 0.05
done
[[ $(J 'd["allowed"]') == False ]] || fail "the evidence index was not rebuilt on SIGHUP"
pass "SIGHUP: bad config keeps the old state; a good one rebuilds the evidence index"

# --- SIGTERM: drain and exit 0 ---
kill -TERM "$PID"
set +e; wait "$PID"; rc=$?; set -e
PIDS=()
[[ $rc == 0 ]] || fail "exit $rc after SIGTERM"
pass "SIGTERM exits 0"
