#!/usr/bin/env bash
# `signet audit` against the real verifierd (TLS, loopback, port 0) on the committed kubectl-shaped
# fixtures (fixtures/make_fixtures.py): payments and shop are production; worker runs a digest the
# rendered chart does not pin (drift); frontend is tag-only under a live exception; cart has an
# expired exception; sandbox is in audit mode in verifierd's config; kube-system is outside the
# webhook's namespaceSelector; node-exporter reports no repo digest.
# Checks: exit codes 0/1/2/3; report.json's sample, probe, modes and findings; the same seed gives
# the same report; the report's SHA-256 lands in the SoftHSM2-keyed log at the printed index; and
# report.html in Debian's chromium (puppeteer-core): one evidence row per sampled image, the probe
# row says denied, no request leaves the page, a screenshot in the build directory.
# usage: audit_e2e.sh FIXTURE_DIR SIGNET VERIFIERD BUILD_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 VERIFIERD=$3 OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/daemon.sh"
set -a; source "$FIX/softhsm/env"; source "$FIX/puppeteer/env"; set +a
VEC=${SIGNET_SHARED_DIR:?}/vectors
FX=$HERE/fixtures
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-audit-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  if [[ -s $W/chromium.pid ]]; then kill "$(cat "$W/chromium.pid")" 2> /dev/null || true; fi
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [[ -f $W/out ]] && tail -20 "$W/out"
  [[ -f $W/err ]] && tail -20 "$W/err"
  exit 1
}
pass() { echo "ok: $*"; }
expect_exit() {  # expect_exit CODE WHAT CMD...
  local want=$1 what=$2 rc=0; shift 2
  "$@" > "$W/out" 2> "$W/err" || rc=$?
  [[ $rc == "$want" ]] || fail "$what: exit $rc, want $want"
}
cd "$W"

# --- verifierd: TLS, the GCB-signed image in its evidence store, sandbox in audit mode ---
tls_ca ca
tls_cert server ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
tls_ca otherca
AT=2026-11-25T10:00:00Z
GOOD=sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3
CART=sha256:$(printf 'cart 3.1.0' | sha256sum | cut -d' ' -f1)
cat > policy.yaml <<P
version: 1
builders:
  - name: gcb
    keys: [$VEC/trust/gcb/global-pae-google-hosted-worker_1.pem]
    builder_ids: ["https://cloudbuild.googleapis.com/GoogleHostedWorker"]
    build_types: ["https://cloud.google.com/build/gcb-buildtypes/google-worker/v1"]
sources:
  - repo: https://github.com/khalkie/gcb-prod-prov
    refs: ["refs/heads/main"]
images: ["us-central1-docker.pkg.dev/acme/*"]
production_namespaces: [payments, shop]
exceptions:
  - finding: MUTABLE_REFERENCE
    subject: docker.io/library/busybox:1.36
    match: docker.io/library/busybox:1.36
    owner: platform@example.com
    ticket: PLAT-7
    expires: 2027-01-01T00:00:00Z
  - finding: VULN_SEVERITY
    subject: $CART
    match: CVE-2026-0001
    owner: shop@example.com
    ticket: SHOP-12
    expires: 2026-06-01T00:00:00Z
P
mkdir evidence
cp "$VEC/accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json" evidence/gcb-v1.json
cat > verifierd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
evidence: {directories: [evidence/]}
admission: {default_mode: enforce, namespaces: {sandbox: audit}, deadline: 8s}
limits: {max_body: 4MiB, header_timeout: 10s, idle_timeout: 60s, max_connections: 64}
evaluation_time: $AT
Y
daemon_start "$W/verifierd.log" "$VERIFIERD" --config verifierd.yaml || fail "verifierd did not start"
PIDS+=("$PID")
URL=https://127.0.0.1:$PORT

# --- the appliance's log, keyed in SoftHSM2 ---
label="audit-log-$$"
"$SIGNET" key generate --token "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE" \
  --label "$label" --type ed25519 > /dev/null || fail "SoftHSM2 cannot make an Ed25519 key"
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
expect_exit 0 "log init" "$SIGNET" log init --state-dir "$W/state" --origin audit.example --log-key "$KEY"

# --- the appliance signed the GCB-built image once (an on-prem builder's provenance for the same
# digest, under a signing policy of its own): the log's record is who signed it, and when ---
mkdir sign
rlabel="audit-release-$$"
"$SIGNET" key generate --token "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE" \
  --label "$rlabel" --type ecdsa-p256 > /dev/null || fail "release key"
RKEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$rlabel;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
(
  W=$W/sign SRC=$HERE/../../..
  source "$SRC/scripts/lib/builder.sh"
  IMAGE=us-central1-docker.pkg.dev/acme/app
  make_builder && make_provenance prov "${GOOD#sha256:}" && make_policy
) || fail "the builder's provenance"
expect_exit 0 "sign --state-dir" "$SIGNET" sign --key "$RKEY" --policy sign/policy.yaml --image "us-central1-docker.pkg.dev/acme/app@$GOOD" \
  --provenance sign/prov.dsse.json --out sign/out --state-dir "$W/state"
RKEY_ID=$(openssl pkey -pubin -in <("$SIGNET" key export --key "$RKEY" --format pem) -outform DER | sha256sum | cut -d' ' -f1)

audit() {  # audit OUTDIR [EXTRA...]
  local out=$1; shift
  "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --rendered "$FX/rendered" --policy policy.yaml \
    --verifier "$URL" --verifier-ca ca.pem --sample 7 --seed 7 --at "$AT" --out "$out" "$@"
}

# --- the fixture story: critical findings, exit 1, report written and logged ---
expect_exit 1 "audit of the fixture cluster" audit r1 --state-dir "$W/state" --log-key "$KEY" --json
cp "$W/out" summary.json
python3 - "$W/r1/report.json" summary.json "$GOOD" "$rlabel" "$RKEY_ID" <<'PY' || fail "report.json: $(head -c 3000 "$W/r1/report.json")"
import json, sys
r, s, good = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert len(r["images"]) == 7 and r["population"] == 7, (len(r["images"]), r["population"])
ns = {i["namespace"] for i in r["images"]}
assert {"payments", "shop"} <= ns, ns
assert r["probe"]["sent"] and r["probe"]["denied"] and r["probe"]["namespace"] == "payments", r["probe"]
assert "CONT-PROV-" in r["probe"]["message"] or r["probe"]["message"], r["probe"]
modes = {n["name"]: n["mode"] for n in r["admission"]["namespaces"]}
assert modes["sandbox"] == "audit" and modes["payments"] == "enforce" and modes["shop"] == "enforce", modes
cov = {n["name"]: n["covered"] for n in r["admission"]["namespaces"]}
assert cov["kube-system"] is False and cov["payments"] is True, cov
hooks = {w["name"]: w for w in r["admission"]["webhooks"]}
assert hooks["admission.signet.dev"]["pointsAtVerifier"] and hooks["admission.signet.dev"]["failurePolicy"] == "Fail"
assert hooks["admission.signet.dev"]["timeoutSeconds"] == 10
assert not hooks["webhook.cert-manager.io"]["pointsAtVerifier"]
codes = {(f["code"], f["severity"]) for f in r["findings"]}
subjects = {f["code"]: f["subject"] for f in r["findings"]}
for want in [("CONT-PROV-RENDERED-DRIFT", "critical"), ("CONT-PROV-STALE-EXCEPTION", "critical"),
             ("CONT-PROV-MUTABLE-TAG", "info"), ("CONT-PROV-MUTABLE-TAG", "critical")]:
    assert want in codes, (want, sorted(codes))
if "sandbox" in ns or True:
    assert ("CONT-PROV-AUDIT-ONLY-ADMISSION", "high") in codes, sorted(codes)
assert ("CONT-PROV-NAMESPACE-NOT-COVERED", "high") in codes, sorted(codes)
assert "CONT-PROV-UNSIGNED-ADMITTED" not in subjects
by_img = {i["verifiedReference"]: i for i in r["images"]}
gi = by_img["us-central1-docker.pkg.dev/acme/app@" + good]
assert gi["verdict"] == "allowed" and gi["drift"] == "match", gi
assert [c["link"] for c in gi["chain"]] == ["reference", "signature", "provenance", "sbom", "scan", "exceptions"]
assert len(gi["containers"]) == 3
wk = [i for i in r["images"] if i["image"].endswith("/worker:2.4.1")][0]
assert wk["verdict"] == "denied" and wk["drift"] == "drift", wk
fe = [i for i in r["images"] if i["image"] == "docker.io/library/busybox:1.36"][0]
assert fe["exceptions"][0]["owner"] == "platform@example.com" and fe["exceptions"][0]["state"] == "live", fe
assert r["critical"] is True and s["critical"] >= 1 and s["probeDenied"] is True and "logIndex" in s, s
# Who signed it, with which key, when: from the appliance's log (the record, then its signatures).
assert r["signingLog"]["origin"] == "audit.example" and r["signingLog"]["treeSize"] >= 4, r["signingLog"]
assert gi["signing"] == "logged" and len(gi["signings"]) == 1, gi
sg = gi["signings"][0]
assert sg["keyLabel"] == sys.argv[4] and sg["keyId"] == sys.argv[5] and sg["keyVersion"] == "", sg
assert sg["subject"] == "us-central1-docker.pkg.dev/acme/app@" + good and sg["signedAt"].endswith("Z"), sg
assert sorted(x["kind"] for x in sg["signatures"]) == ["dsse", "dsse", "hashedrekord"], sg
assert all(x["keyId"] == sg["keyId"] and x["logIndex"] > sg["logIndex"] for x in sg["signatures"]), sg
assert wk["signing"] == "not-logged" and wk["signings"] == [], wk
assert "CONT-PROV-SIGNING-NOT-LOGGED" not in subjects  # only the signed image is allowed
PY
pass "report.json: 7 of 7 images, probe denied, audit-mode sandbox, kube-system uncovered, drift, expired exception, tag-only workload, signer and time from the log"

# The report's SHA-256 is in the log at the printed index, and the log verifies.
SHA=$(sha256sum r1/report.json | cut -d' ' -f1)
python3 -c "import json,sys; s=json.load(open('summary.json')); assert s['reportJsonSha256']=='$SHA', s; print(s['logIndex'])" > idx || fail "summary sha"
[[ $(cat idx) == 4 ]] || fail "the report's entry index $(cat idx), want 4 (after the signing's record and 3 signatures)"
grep -rqF "$SHA" state/log/tile || fail "the report's SHA-256 is not in the log's entries"
expect_exit 0 "log verify" "$SIGNET" log verify state/log
pass "report SHA-256 appended to the log (index 4), log verifies"

# The same seed and inputs give the same report; another seed another sample. (r1's log grew by
# its own report entry since, so the repeats read the log as it is now, through --log.)
sed -n 's/^ *verifier_key: "\(.*\)"$/\1/p' state/appliance.yaml > log.vkey
[[ -s log.vkey ]] || fail "no verifier_key in appliance.yaml"
expect_exit 1 "audit again" audit r2 --log state/log
expect_exit 1 "audit a third time" audit r2b --log state/log --log-vkey log.vkey
cmp -s r2/report.json r2b/report.json || fail "same seed, different report.json"
cmp -s r2/report.html r2b/report.html || fail "same seed, different report.html"
python3 - r1/report.json r2/report.json <<'PY' || fail "r1 and r2 differ in more than the log's size"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["signingLog"]["treeSize"] == a["signingLog"]["treeSize"] + 1
a["signingLog"] = b["signingLog"] = None
assert a == b
PY
expect_exit 1 "audit, seed 8" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --policy policy.yaml \
  --verifier "$URL" --verifier-ca ca.pem --sample 3 --seed 8 --at "$AT" --out r3
python3 -c "
import json; r=json.load(open('r3/report.json'))
assert len(r['images']) == 3 and {i['namespace'] for i in r['images']} >= {'payments','shop'}
assert all(i['drift'] == 'no-rendered-input' for i in r['images'])" || fail "seed 8 sample"
pass "reproducible: same seed -> same report.json and report.html; --sample 3 still covers both production namespaces"

# A clean cluster: only the signed image, in payments: exit 0.
python3 - "$FX/pods.json" clean-pods.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["items"] = [p for p in d["items"] if p["metadata"]["name"].startswith("api-")]
json.dump(d, open(sys.argv[2], "w"))
PY
sed 's/^production_namespaces: .*/production_namespaces: [payments]/' policy.yaml > clean-policy.yaml
expect_exit 0 "clean audit" "$SIGNET" audit --pods clean-pods.json --webhooks "$FX/vwc.json" --policy clean-policy.yaml \
  --verifier "$URL" --verifier-ca ca.pem --verifier-policy default --at "$AT" --out clean
grep -q "probe in payments: denied" "$W/out" || fail "clean summary"
grep -q "CONT-PROV-POLICY-MISMATCH" clean/report.json || fail "another policy file than verifierd's is not reported"
pass "clean cluster: exit 0 (and a policy file other than verifierd's is reported)"

# --- negative paths ---
expect_exit 2 "malformed pods" "$SIGNET" audit --pods "$FX/vwc.json" --webhooks "$FX/vwc.json" --policy policy.yaml --verifier "$URL" --out n1
expect_exit 2 "malformed webhooks" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/pods.json" --policy policy.yaml --verifier "$URL" --out n2
printf 'kind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: [{name: c}]}}}\n' > bad.yaml
mkdir badrendered && cp bad.yaml badrendered/
expect_exit 2 "malformed rendered manifest" audit n3 --rendered badrendered
expect_exit 2 "missing policy" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --policy nope.yaml --verifier "$URL" --out n4
expect_exit 2 "non-empty --out" audit r1
expect_exit 2 "--sample 0" audit n5 --sample 0
expect_exit 2 "tag probe image" audit n6 --probe-image docker.io/library/busybox:latest
expect_exit 2 "http verifier" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --policy policy.yaml --verifier "http://127.0.0.1:$PORT" --out n7
expect_exit 3 "untrusted verifier certificate" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --policy policy.yaml --verifier "$URL" --verifier-ca otherca.pem --out n8
grep -q "TLS handshake with the server failed" "$W/err" || fail "untrusted CA: $(cat "$W/err")"
expect_exit 3 "unknown verifier policy" audit n9 --verifier-policy nope
# A closed port: find one by binding port 0 and closing it.
CLOSED=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()")
expect_exit 3 "verifier unreachable" "$SIGNET" audit --pods "$FX/pods.json" --webhooks "$FX/vwc.json" --policy policy.yaml --verifier "https://127.0.0.1:$CLOSED" --verifier-ca ca.pem --out n10
expect_exit 2 "uninitialised --state-dir" audit n11 --state-dir "$W/nostate"
# A log that does not verify stops the audit before anything is asked (no report).
cp -r state/log badlog
printf 'x' >> "badlog/tile/entries/000.p/$(ls badlog/tile/entries/000.p | head -1)"
expect_exit 1 "tampered --log" audit n12 --log badlog --log-vkey log.vkey
grep -q TLOG_TILES_INVALID "$W/err" || fail "tampered --log: $(cat "$W/err")"
expect_exit 2 "--log without a key" audit n13 --log badlog
expect_exit 2 "--log-vkey without --log" audit n14 --log-vkey state/appliance.yaml
for d in n3 n5 n6 n8 n9 n10 n11 n12 n13 n14; do [[ ! -e $d/report.json ]] || fail "$d: a report was written on failure"; done
pass "exit 2 for malformed pods/webhooks/rendered, missing policy, non-empty --out, --sample 0, tag probe, http, uninitialised --state-dir, --log without its key; exit 1 for a tampered --log; exit 3 for an untrusted or unreachable verifier and an unknown verifier policy"

# --- report.html in a real browser ---
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$HERE/browser_check.js" "$W/r1/report.html" "$OUT/audit-report.png" 7 "$W/chromium.pid" "$rlabel" \
  > "$W/out" 2>&1 || fail "browser check: $(cat "$W/out")"
cat "$W/out"
[[ -s $OUT/audit-report.png ]] || fail "no screenshot"
pass "chromium: 7 evidence rows, probe row says denied, the signed row names $rlabel and its signing time, no request left the page, screenshot $OUT/audit-report.png"
echo "PASS: signet audit end to end"
