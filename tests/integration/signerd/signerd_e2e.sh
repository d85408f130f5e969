#!/usr/bin/env bash
# signerd end to end on SoftHSM2 with a per-run CA and curl:
#  - --help lists every config key; --check-config refuses a config without tls.client_ca, a PIN
#    in the key URI, a PIN file or config writable by others, an unknown key;
#  - an allowed sign whose outputs openssl (simplesigning.sig) and @sigstore/verify
#    (image.sigstore.json, vsa.sigstore.json) verify; the audit entry names the caller;
#  - a deny (200, allowed false, no outputs); a caller outside its images (403 + a deny record
#    naming the caller); a client that is no caller (403); no client certificate, an untrusted
#    client CA and an expired client certificate (the handshake fails); 429 past the rate limit;
#  - a device returning a bad signature (fault_module.cc "corrupt"): 500, a failed record,
#    nothing released;
#  - `signet log verify` passes, /metrics has signerd_sign_total, the PIN appears nowhere.
# usage: signerd_e2e.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR FAULT_MODULE
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4 FAULT=$5
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signerd-e2e-XXXXXX")
source "$(dirname "$0")/lib.sh"

make_tls
make_key "signerd-e2e-$$"
make_builder
make_policy
D=$(printf 'signerd image %s' "$$" | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'signerd other %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
STATE=$W/state

# --- --help and --check-config ---
help=$("$SIGNERD" --help)
for k in listen tls certificate client_ca key pin_file pin_credential policy state_dir callers subject san images \
         limits requests_per_minute_per_caller; do
  grep -qw -- "$k" <<< "$help" || fail "--help does not list $k"
done
write_config "$W/good.yaml" "$STATE" "$KEY" 5
[[ $("$SIGNERD" --check-config "$W/good.yaml") == ok ]] || fail "--check-config of a good config"
checkbad() {  # checkbad NAME WANT FILE
  set +e; out=$("$SIGNERD" --check-config "$3" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || fail "$1: exit $rc, want 2: $out"
  grep -q -- "$2" <<< "$out" || fail "$1: does not say '$2': $out"
  pass "--check-config refuses $1"
}
grep -v client_ca "$W/good.yaml" > "$W/noca.yaml"
echo "tls: {certificate: $W/server.pem, key: $W/server.key}" >> "$W/noca.yaml"; chmod 600 "$W/noca.yaml"
checkbad "no client_ca" "client_ca is required" "$W/noca.yaml"
write_config "$W/pinuri.yaml" "$STATE" "$KEY&pin-value=1234"
checkbad "a PIN in the key URI" "must not carry a PIN" "$W/pinuri.yaml"
cp "$W/good.yaml" "$W/unknown.yaml"; echo "colour: blue" >> "$W/unknown.yaml"
checkbad "an unknown key" "colour" "$W/unknown.yaml"
cp "$W/good.yaml" "$W/groupw.yaml"; chmod 620 "$W/groupw.yaml"
checkbad "a config writable by group" "written by group or others" "$W/groupw.yaml"
chmod 622 "$W/pin"
checkbad "a PIN file writable by others" "PIN file" "$W/good.yaml"
chmod 600 "$W/pin"
set +e; "$SIGNERD" --config "$W/groupw.yaml" 2> "$W/groupw.err"; rc=$?; set -e
[[ $rc == 2 ]] || fail "signerd started with a group-writable config (exit $rc)"

# --- serve ---
start_signerd "$W/good.yaml" "$W/signerd.log"
# Secrets live in OpenSSL's secure heap, locked in RAM (VmLck counts it).
[[ $(awk '/^VmLck:/ {print $2}' "/proc/$PID/status") -gt 0 ]] || fail "signerd holds no locked memory for its secrets"
[[ $(get /healthz) == 200 ]] || fail "/healthz"
[[ $(get /readyz) == 200 ]] || fail "/readyz: $(cat "$W/get.out")"

# 1. Allowed.
body "$W/allow.json" "$D"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r1") == 200 ]] || fail "allowed sign: $(cat "$W/r1" "$W/r1.err")"
[[ $(json "$W/r1" 'j["decision"]["allowed"]') == True ]] || fail "decision not allowed: $(cat "$W/r1")"
mkdir "$W/out"
for f in simplesigning.json simplesigning.sig image.sigstore.json vsa.sigstore.json; do
  json "$W/r1" "j['outputs']['$f']" | base64 -d > "$W/out/$f"
  [[ -s $W/out/$f ]] || fail "output $f missing"
done
base64 -d < "$W/out/simplesigning.sig" > "$W/sig.der"
openssl dgst -sha256 -verify "$W/release.pub" -signature "$W/sig.der" "$W/out/simplesigning.json" | grep -q "Verified OK" \
  || fail "openssl does not verify simplesigning.sig"
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify.js" "$W/out/image.sigstore.json" "$W/release.pub" "$D" \
  | grep -q "verified: https://sigstore.dev/cosign/sign/v1" || fail "sigstore-js refuses image.sigstore.json"
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify.js" "$W/out/vsa.sigstore.json" "$W/release.pub" "$D" \
  | grep -q "verified: https://slsa.dev/verification_summary/v1" || fail "sigstore-js refuses vsa.sigstore.json"
"$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/out" > /dev/null \
  || fail "signet verify-image refuses the outputs"
LOG=$STATE/audit.log
seq=$(json "$W/r1" 'j["auditEntry"]["seq"]'); hash=$(json "$W/r1" 'j["auditEntry"]["hash"]')
sed -n "$((seq + 1))p" "$LOG" | grep -q "\"hash\":\"$hash\"" || fail "auditEntry does not name the log's entry"
sed -n "$((seq + 1))p" "$LOG" | grep -q '"decision":"allow".*' || fail "no allow record"
sed -n "$((seq + 1))p" "$LOG" | grep -q '"name":"signerd-caller:pipeline-a"' || fail "the record does not name the caller"
pass "allowed sign verified by openssl, sigstore-js and signet; the record names the caller"

# 1b. The pipeline client, `signet sign --signerd`, writes the files local signing writes.
"$SIGNET" sign --signerd "https://127.0.0.1:$PORT" --cacert "$W/ca.pem" --client-cert "$W/pipeline-a.pem" \
  --client-key "$W/pipeline-a.key" --image "$IMAGE@sha256:$D" --provenance "$W/prov.dsse.json" --out "$W/client-out" \
  > "$W/client.txt" 2>&1 || fail "signet sign --signerd: $(cat "$W/client.txt")"
"$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/client-out" > /dev/null \
  || fail "signet verify-image refuses what signet sign --signerd wrote"
rc=0; "$SIGNET" sign --signerd "https://127.0.0.1:$PORT" --cacert "$W/ca.pem" --client-cert "$W/pipeline-a.pem" \
  --client-key "$W/pipeline-a.key" --image "$IMAGE@sha256:$OTHER" --provenance "$W/prov.dsse.json" --out "$W/client-deny" \
  > "$W/client-deny.txt" 2>&1 || rc=$?
[[ $rc == 1 && ! -e $W/client-deny/simplesigning.sig ]] || fail "signet sign --signerd on a deny: exit $rc: $(cat "$W/client-deny.txt")"
pass "signet sign --signerd: outputs verify; a deny exits 1 with nothing released"

# 1c. A caller named by its URI subjectAltName.
[[ $(sign_as spiffe "$W/allow.json" "$W/r1c") == 200 ]] || fail "SAN caller: $(cat "$W/r1c")"
tail -1 "$STATE/audit.log" | grep -q '"name":"signerd-caller:pipeline-d"' || fail "the SAN caller is not named"
pass "a caller matched by its URI SAN"

# 2. Denied: the provenance is about another digest.
body "$W/deny.json" "$OTHER"
[[ $(sign_as pipeline-a "$W/deny.json" "$W/r2") == 200 ]] || fail "deny status: $(cat "$W/r2")"
[[ $(json "$W/r2" 'j["decision"]["allowed"]') == False ]] || fail "not a deny"
[[ $(json "$W/r2" 'len(j["outputs"])') == 0 ]] || fail "a deny released outputs"
tail -1 "$LOG" | grep -q '"decision":"deny"' || fail "deny not logged"
pass "deny: 200, allowed false, no outputs, logged"

# 3. A caller outside its images: 403 and a deny record naming it.
n=$(wc -l < "$LOG")
[[ $(sign_as pipeline-b "$W/allow.json" "$W/r3") == 403 ]] || fail "outside images: $(cat "$W/r3")"
grep -q CALLER_IMAGE_NOT_ALLOWED "$W/r3" || fail "403 body: $(cat "$W/r3")"
[[ $(wc -l < "$LOG") == $((n + 1)) ]] || fail "the attempt was not logged"
tail -1 "$LOG" | grep '"decision":"deny"' | grep 'CALLER_IMAGE_NOT_ALLOWED' | grep -q 'signerd-caller:pipeline-b' \
  || fail "the deny record does not name the caller: $(tail -1 "$LOG")"
pass "caller outside its images: 403, deny record naming pipeline-b"

# 4. Not a caller, no certificate, untrusted CA, expired certificate.
[[ $(sign_as stranger "$W/allow.json" "$W/r4") == 403 ]] || fail "stranger: $(cat "$W/r4")"
grep -q CALLER_NOT_LISTED "$W/r4" || fail "stranger body"
[[ $(wc -l < "$LOG") == $((n + 1)) ]] || fail "an unlisted client was logged"
code=$(curl -sS --max-time 10 --cacert "$W/ca.pem" -H 'Content-Type: application/json' --data-binary "@$W/allow.json" \
  -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/v1/sign" 2> /dev/null || true)
[[ $code == 000 ]] || fail "no client certificate got HTTP $code"
(cd "$W" && tls_ca otherca && tls_cert rogue otherca /CN=pipeline-a "extendedKeyUsage=clientAuth")
[[ $(sign_as rogue "$W/allow.json" "$W/r5") == 000 ]] || fail "an untrusted client CA got an answer"
mkdir -p "$W/ca-db"; : > "$W/ca-db/index.txt"; echo 01 > "$W/ca-db/serial"
cat > "$W/ca.cnf" <<C
[ca]
default_ca = d
[d]
database = $W/ca-db/index.txt
new_certs_dir = $W/ca-db
serial = $W/ca-db/serial
default_md = sha256
policy = p
[p]
commonName = supplied
C
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/expired.key" -out "$W/expired.csr" \
  -subj /CN=pipeline-a 2> /dev/null
openssl ca -batch -config "$W/ca.cnf" -cert "$W/ca.pem" -keyfile "$W/ca.key" -in "$W/expired.csr" -out "$W/expired.pem" \
  -startdate 20200101000000Z -enddate 20200102000000Z -notext 2> /dev/null
openssl x509 -in "$W/expired.pem" -noout -checkend 0 > /dev/null && fail "the expired certificate is not expired"
[[ $(sign_as expired "$W/allow.json" "$W/r6") == 000 ]] || fail "an expired client certificate got an answer"
[[ $(wc -l < "$LOG") == $((n + 1)) ]] || fail "a refused handshake was logged"
pass "no certificate, untrusted CA, expired certificate: handshake refused; stranger: 403"

# 5. Rate limit (5 per minute per caller): pipeline-c gets 429 with Retry-After.
got429=""
for i in 1 2 3 4 5 6 7; do
  s=$(sign_as pipeline-c "$W/deny.json" "$W/rl$i")
  if [[ $s == 429 ]]; then got429=$i; break; fi
  [[ $s == 200 ]] || fail "rate-limit round $i: $s"
done
[[ $got429 == 6 ]] || fail "want the 6th request refused with 429, got '${got429:-none}'"
grep -qi '^Retry-After: [1-9]' "$W/rl$got429.h" || fail "429 without Retry-After"
grep -q RATE_LIMITED "$W/rl$got429" || fail "429 body"
[[ $(sign_as pipeline-a "$W/deny.json" "$W/r7") == 200 ]] || fail "another caller is limited by pipeline-c's bucket"
pass "429 after 5 requests per minute, with Retry-After; other callers unaffected"

# 6. Metrics, log, secrets.
[[ $(get /metrics) == 200 ]] || fail "/metrics"
grep -q 'signerd_sign_total{verdict="allow"} 3' "$W/get.out" || fail "signerd_sign_total: $(grep signerd_sign "$W/get.out")"
grep -q 'signerd_requests_total' "$W/get.out" || fail "signerd_requests_total missing"
"$SIGNET" log verify "$LOG" > /dev/null || fail "signet log verify"
if grep -rqF "$(cat "$W/pin")" "$W"/*.log "$LOG" "$W"/r? 2> /dev/null; then fail "the PIN leaked"; fi
pass "metrics, log verify, no PIN anywhere"

# 7. A device whose signature does not verify: 500, a failed record, nothing released.
write_config "$W/fault.yaml" "$W/fault-state" "${KEY/module-path=$SIGNET_TEST_PKCS11_MODULE/module-path=$FAULT}"
export SIGNET_FAULT_P11_TARGET=$SIGNET_TEST_PKCS11_MODULE SIGNET_FAULT_P11_MODE=corrupt
start_signerd "$W/fault.yaml" "$W/fault.log"
unset SIGNET_FAULT_P11_MODE
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r8") == 500 ]] || fail "corrupt signature: $(cat "$W/r8")"
grep -q SIGNING_FAILED "$W/r8" || fail "500 body: $(cat "$W/r8")"
! grep -q simplesigning "$W/r8" || fail "a bad signature was released"
grep '"decision":"failed"' "$W/fault-state/audit.log" | grep -q SIGNATURE_INVALID || fail "no failed record"
grep -q 'signerd-caller:pipeline-a' "$W/fault-state/audit.log" || fail "failed record does not name the caller"
pass "bad device signature: 500 SIGNING_FAILED, failed record, nothing released"
echo "signerd e2e OK"
