#!/usr/bin/env bash
# The TSA end to end on a private copy of the SoftHSM2 token (keys: Ed25519 log key, ECDSA P-256
# TSA key and TSA CA key):
#  - `signet log init --tsa-key --tsa-ca-key` writes DIR/tsa/chain.pem (leaf first, one critical
#    timeStamping EKU, chains to the CA) and names both keys, without a PIN, in appliance.yaml;
#    --tsa-key without --tsa-ca-key, one key for both, and a second init are refused (exit 2);
#  - `openssl ts -verify` accepts a token from `signet tsa stamp` and one from signerd's
#    POST /v1/timestamp (query from `openssl ts -query -sha256 -cert`), and refuses other data;
#  - tokens carry the nonce, the policy OID and the accuracy; a SHA-1 query is rejected (badAlg),
#    a client that is not a caller gets 403; signerd_timestamps_total counts them;
#  - @sigstore/verify (the code that reads a bundle's rfc3161Timestamps) accepts the CLI token;
#  - serial numbers are unique across runs and after SIGKILLs in the middle of runs.
# (The clock check is tested through its seam in tsa_unit_test: the real clock is not ours.)
# usage: tsa_e2e.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-tsa-e2e-XXXXXX")
source "$SRC/tests/integration/signerd/lib.sh"
private_token  # SIGKILLs below: never on the shared token store
expect_exit() {  # expect_exit CODE WHAT CMD...
  local want=$1 what=$2 rc=0; shift 2
  "$@" > "$W/out" 2>&1 || rc=$?
  [[ $rc == "$want" ]] || { cat "$W/out"; fail "$what: exit $rc, want $want"; }
}

TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
uri() { echo "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$1;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE"; }
label="tsa-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label-log" --type ed25519 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-tsa" --type ecdsa-p256 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-ca" --type ecdsa-p256 > /dev/null
SIGNET_TEST_PIN=$(cat "$SIGNET_TEST_PIN_FILE"); export SIGNET_TEST_PIN
PIN=(--pin-env SIGNET_TEST_PIN)
LOGKEY=$(uri "$label-log") TSAKEY=$(uri "$label-tsa") CAKEY=$(uri "$label-ca")
S=$W/state

expect_exit 2 "--tsa-key without --tsa-ca-key" "$SIGNET" log init --state-dir "$W/x" --origin tsa.example \
  --log-key "$LOGKEY" --tsa-key "$TSAKEY" "${PIN[@]}"
expect_exit 2 "one key as TSA and CA" "$SIGNET" log init --state-dir "$W/y" --origin tsa.example \
  --log-key "$LOGKEY" --tsa-key "$TSAKEY" --tsa-ca-key "$TSAKEY" "${PIN[@]}"
[[ ! -e $W/y/appliance.yaml ]] || fail "a refused init wrote appliance.yaml"
expect_exit 0 "init with the TSA" "$SIGNET" log init --state-dir "$S" --origin tsa.example \
  --log-key "$LOGKEY" --tsa-key "$TSAKEY" --tsa-ca-key "$CAKEY" "${PIN[@]}"
[[ -f $S/tsa/chain.pem && -f $S/log/checkpoint ]] || fail "init made no chain or log"
grep -q "key: \"$TSAKEY\"" "$S/appliance.yaml" || fail "appliance.yaml does not name the TSA key"
grep -q "ca_key: \"$CAKEY\"" "$S/appliance.yaml" || fail "appliance.yaml does not name the TSA CA key"
if grep -qi "pin-value\|$SIGNET_TEST_PIN" "$S/appliance.yaml"; then fail "appliance.yaml holds a PIN"; fi
expect_exit 2 "init twice" "$SIGNET" log init --state-dir "$S" --origin tsa.example \
  --log-key "$LOGKEY" --tsa-key "$TSAKEY" --tsa-ca-key "$CAKEY" "${PIN[@]}"
# The machine's NTP state is not the test's: switch the clock check off (documented test switch).
sed -i 's/require_synchronized_clock: true/require_synchronized_clock: false/' "$S/appliance.yaml"
grep -q 'require_synchronized_clock: false' "$S/appliance.yaml" || fail "no clock switch in appliance.yaml"

# Split the chain: leaf first, then the CA.
awk -v dir="$W" '/BEGIN CERTIFICATE/{n++} {print > (dir "/cert" n ".pem")}' "$S/tsa/chain.pem"
mv "$W/cert1.pem" "$W/leaf.pem"; mv "$W/cert2.pem" "$W/tsaca.pem"
[[ ! -e $W/cert3.pem ]] || fail "chain.pem holds more than two certificates"
openssl verify -CAfile "$W/tsaca.pem" -purpose timestampsign "$W/leaf.pem" > /dev/null || fail "leaf does not chain to the CA"
openssl x509 -in "$W/leaf.pem" -noout -ext extendedKeyUsage > "$W/eku"
grep -q "critical" "$W/eku" && grep -q "Time Stamping" "$W/eku" && [[ $(wc -l < "$W/eku") == 2 ]] ||
  fail "leaf EKU is not exactly timeStamping, critical: $(cat "$W/eku")"
pass "log init certified the TSA (chain.pem leaf first, one critical EKU)"

ts_verify() {  # ts_verify TOKEN DATA
  openssl ts -verify -in "$1" -data "$2" -CAfile "$W/tsaca.pem" -untrusted "$W/leaf.pem" > "$W/verify.out" 2>&1
}
serial_of() { openssl ts -reply -in "$1" -text 2> /dev/null | awk '/^Serial number:/{print $3}'; }

# 1. The CLI path.
printf 'data to stamp %s\n' "$$" > "$W/data"
expect_exit 0 "tsa stamp" "$SIGNET" tsa stamp --state-dir "$S" --in "$W/data" --out "$W/cli.tsr" "${PIN[@]}"
ts_verify "$W/cli.tsr" "$W/data" || { cat "$W/verify.out"; fail "openssl ts -verify refused the CLI token"; }
printf 'other data\n' > "$W/other"
if ts_verify "$W/cli.tsr" "$W/other"; then fail "openssl ts -verify accepted the token for other data"; fi
openssl ts -reply -in "$W/cli.tsr" -text > "$W/cli.txt"
grep -q "Policy OID: 1.3.6.1.4.1.32473.3161.1" "$W/cli.txt" || fail "default policy OID: $(cat "$W/cli.txt")"
grep -q "Accuracy: 0x01 seconds" "$W/cli.txt" || fail "accuracy: $(cat "$W/cli.txt")"
grep -q "Nonce: 0x" "$W/cli.txt" || fail "no nonce in the CLI token"
expect_exit 2 "tsa stamp without a TSA" "$SIGNET" tsa stamp --state-dir "$W/x" --in "$W/data" --out "$W/no.tsr" "${PIN[@]}"
expect_exit 2 "tsa stamp of a missing file" "$SIGNET" tsa stamp --state-dir "$S" --in "$W/missing" --out "$W/no.tsr" "${PIN[@]}"
[[ ! -e $W/no.tsr ]] || fail "a refused stamp wrote a token"
expect_exit 0 "tsa stamp --help" "$SIGNET" tsa stamp --help
pass "signet tsa stamp: openssl ts -verify accepts it, refuses other data"
# The same token as @sigstore/verify 3.1.1 reads a bundle's signedTimestamp, against the chain.
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/tsa/sigstore_tsa.js" "$W/cli.tsr" "$W/data" "$S/tsa/chain.pem" > "$W/js.out" 2>&1 ||
  fail "@sigstore/verify refused the token: $(cat "$W/js.out")"
if NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/tsa/sigstore_tsa.js" "$W/cli.tsr" "$W/other" "$S/tsa/chain.pem" > /dev/null 2>&1; then
  fail "@sigstore/verify accepted the token for other data"
fi
pass "@sigstore/verify accepts the token (and refuses other data)"

# 2. Serial numbers: unique across runs, and across SIGKILLs in the middle of runs.
expect_exit 0 "second stamp" "$SIGNET" tsa stamp --state-dir "$S" --in "$W/data" --out "$W/cli2.tsr" "${PIN[@]}"
[[ $(serial_of "$W/cli.tsr") != "$(serial_of "$W/cli2.tsr")" ]] || fail "two runs gave one serial"
# SoftHSM2's file store is not crash-safe (a kill during its own writes can lose the token), and
# this test is about the TSA's serial counter: the token is restored before each round.
[[ -n ${SIGNET_TEST_REAL_HARDWARE:-} ]] || cp -a "$W/tokens" "$W/tokens-pristine"
for i in $(seq 8); do
  [[ -n ${SIGNET_TEST_REAL_HARDWARE:-} ]] || { rm -rf "$W/tokens"; cp -a "$W/tokens-pristine" "$W/tokens"; }
  "$SIGNET" tsa stamp --state-dir "$S" --in "$W/data" --out "$W/kill$i.tsr" "${PIN[@]}" > /dev/null 2>&1 &
  p=$!
  sleep "0.0$((RANDOM % 9))$((RANDOM % 10))"
  kill -9 "$p" 2> /dev/null || true
  wait "$p" 2> /dev/null || true
done
[[ -n ${SIGNET_TEST_REAL_HARDWARE:-} ]] || { rm -rf "$W/tokens"; cp -a "$W/tokens-pristine" "$W/tokens"; }
for i in $(seq 4); do
  expect_exit 0 "stamp after the kills" "$SIGNET" tsa stamp --state-dir "$S" --in "$W/data" --out "$W/after$i.tsr" "${PIN[@]}"
done
n=0
for t in "$W"/*.tsr; do serial_of "$t"; n=$((n + 1)); done > "$W/serials"
[[ $(sort "$W/serials" | uniq -d | wc -l) == 0 ]] || fail "a serial was reused: $(sort "$W/serials" | uniq -d)"
[[ $(wc -l < "$W/serials") == "$n" ]] || fail "a token had no serial"
for t in "$W"/after*.tsr; do ts_verify "$t" "$W/data" || fail "a token after the kills does not verify"; done
pass "serials unique over $n tokens across runs and SIGKILLs"

# 3. signerd's POST /v1/timestamp over mTLS, state_dir = the same state directory.
make_tls
make_key "$label-sign"
make_builder
make_policy
write_config "$W/signerd.yaml" "$S"
start_signerd "$W/signerd.yaml" "$W/signerd.log"
grep -q "timestamp authority open" "$W/signerd.log" || fail "signerd did not open the TSA"
stamp_as() {  # stamp_as CLIENT QUERY OUT: prints the HTTP status
  curl -sS --max-time 60 --cacert "$W/ca.pem" --cert "$W/$1.pem" --key "$W/$1.key" \
    -H 'Content-Type: application/timestamp-query' --data-binary "@$2" -D "$3.h" -o "$3" -w '%{http_code}' \
    "https://127.0.0.1:$PORT/v1/timestamp" 2> "$3.err" || true
}
openssl ts -query -data "$W/data" -sha256 -cert -out "$W/q.tsq" 2> /dev/null
[[ $(stamp_as pipeline-a "$W/q.tsq" "$W/d.tsr") == 200 ]] || fail "POST /v1/timestamp: $(cat "$W/d.tsr" "$W/d.tsr.err")"
grep -qi '^Content-Type: application/timestamp-reply' "$W/d.tsr.h" || fail "reply content type: $(cat "$W/d.tsr.h")"
ts_verify "$W/d.tsr" "$W/data" || { cat "$W/verify.out"; fail "openssl ts -verify refused signerd's token"; }
openssl ts -verify -in "$W/d.tsr" -queryfile "$W/q.tsq" -CAfile "$W/tsaca.pem" -untrusted "$W/leaf.pem" > /dev/null 2>&1 ||
  fail "signerd's token does not match its query (nonce, imprint)"
if ts_verify "$W/d.tsr" "$W/other"; then fail "signerd's token verified for other data"; fi
grep -qx "$(serial_of "$W/d.tsr")" "$W/serials" && fail "signerd reused a serial of the CLI"
openssl ts -query -data "$W/data" -sha1 -cert -out "$W/q1.tsq" 2> /dev/null
[[ $(stamp_as pipeline-a "$W/q1.tsq" "$W/sha1.tsr") == 200 ]] || fail "SHA-1 query: $(cat "$W/sha1.tsr")"
openssl ts -reply -in "$W/sha1.tsr" -text > "$W/sha1.txt" 2>&1
grep -q "Status: Rejected" "$W/sha1.txt" || fail "a SHA-1 query was not rejected: $(cat "$W/sha1.txt")"
grep -q "unrecognized or unsupported algorithm" "$W/sha1.txt" || fail "SHA-1 rejection is not badAlg: $(cat "$W/sha1.txt")"
printf 'garbage' > "$W/junk.tsq"
[[ $(stamp_as pipeline-a "$W/junk.tsq" "$W/junk.tsr") == 200 ]] || fail "junk query"
openssl ts -reply -in "$W/junk.tsr" -text 2>&1 | grep -q "Status: Rejected" || fail "a junk query was not rejected"
[[ $(stamp_as stranger "$W/q.tsq" "$W/s.tsr") == 403 ]] || fail "a stranger got a timestamp"
grep -q CALLER_NOT_LISTED "$W/s.tsr" || fail "403 body: $(cat "$W/s.tsr")"
[[ $(get /metrics) == 200 ]] || fail "/metrics"
grep -q 'signerd_timestamps_total{result="granted"} 1' "$W/get.out" || fail "granted not counted: $(grep timestamps "$W/get.out")"
grep -q 'signerd_timestamps_total{result="rejected"} 2' "$W/get.out" || fail "rejected not counted"
grep -q 'signerd_timestamps_total{result="refused"} 1' "$W/get.out" || fail "refused not counted"
pass "signerd POST /v1/timestamp: openssl ts -verify accepts it; SHA-1 and junk rejected; stranger 403; metrics"
echo "PASS: TSA on SoftHSM2 (CLI and signerd)"
