#!/usr/bin/env bash
# `signet sign --state-dir` end to end on SoftHSM2 (issue 16 part 2 and 4): `signet log init` ->
# `signet sign --state-dir` -> `signet trust export` -> @sigstore/verify 3.1.1 (a peer that is not
# ours) accepts image.sigstore.json and vsa.sigstore.json with the release public key as key
# material and TLOG_THRESHOLD log entries / TIMESTAMP_THRESHOLD timestamps. Also:
#  - every record and each released signature is an entry of DIR/log, and `signet log verify`
#    passes (consistent with the checkpoint before signing);
#  - a bundle whose entry was edited (body, index, checkpoint) is refused, and so is a bundle
#    checked against a root with another log key;
#  - a deny writes one log entry and no outputs; --state-dir with --audit-log is exit 2.
# usage: state_dir_e2e.sh FIXTURE_DIR SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3
# The state dir has a TSA (log init --tsa-key), so every bundle carries an RFC 3161 timestamp:
# @sigstore/verify's default thresholds, one log entry and one timestamp.
TLOG_THRESHOLD=1 TIMESTAMP_THRESHOLD=${SIGNET_TEST_TIMESTAMP_THRESHOLD:-1}
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-state-e2e-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { local want=$1; shift; set +e; "$@" > "$W/last.out" 2> "$W/last.err"; local rc=$?; set -e
  [[ $rc == "$want" ]] || { cat "$W/last.out" "$W/last.err"; fail "'$*' exited $rc, want $want"; }; }
verify_js() {  # verify_js BUNDLE ROOT: @sigstore/verify's verdict, output in $W/js.out
  NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify_root.js" "$1" "$W/release.pub" \
    "$2" "$TLOG_THRESHOLD" "$TIMESTAMP_THRESHOLD" > "$W/js.out" 2>&1
}
log_size() { "$SIGNET" log verify "$W/state/log" --json | sed -n 's/.*"tree_size": *\([0-9]*\).*/\1/p'; }

TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
obj() { echo "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$1;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"; }
label="state-e2e-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" --type ecdsa-p256 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-log" --type ed25519 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-log2" --type ed25519 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-tsa" --type ecdsa-p256 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-tsa-ca" --type ecdsa-p256 > /dev/null
KEY=$(obj "$label")
"$SIGNET" key export --key "$KEY" --format pem > "$W/release.pub"

expect_rc 0 "$SIGNET" log init --state-dir "$W/state" --origin log.example --log-key "$(obj "$label-log")" \
  --tsa-key "$(obj "$label-tsa")" --tsa-ca-key "$(obj "$label-tsa-ca")"
# The test machine's clock may report itself unsynchronised (containers): the TSA's switch for tests.
sed -i 's/require_synchronized_clock: true/require_synchronized_clock: false/' "$W/state/appliance.yaml"
cp "$W/state/log/checkpoint" "$W/cp0"

source "$SRC/scripts/lib/builder.sh"
make_builder
D=$(printf 'signet state-dir image %s' "$$" | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'another state-dir image %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
make_policy

# 1. --state-dir and --audit-log are exclusive.
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "$W/out" --state-dir "$W/state" --audit-log "$W/audit.log"
[[ ! -e $W/out && ! -e $W/audit.log ]] || fail "a refused flag combination wrote something"

# 2. Allowed: the record and the three signatures are entries; the bundles carry theirs.
expect_rc 0 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "$W/out" --state-dir "$W/state"
grep -q "image.sigstore.json: dsse entry" "$W/last.err" || fail "no log entry reported: $(cat "$W/last.err")"
[[ $(log_size) == 4 ]] || fail "the log does not hold the record and 3 signature entries: size $(log_size)"
expect_rc 0 "$SIGNET" log verify "$W/state/log" --from "$W/cp0"
grep -q '"kind":"hashedrekord"' "$W/state/log/tile/entries/000.p/4" || fail "no hashedrekord entry in the log"
grep -q '"decision":"allow"' "$W/state/log/tile/entries/000.p/4" || fail "no allow record in the log"
for b in image vsa; do
  grep -q '"integratedTime": "0"' "$W/out/$b.sigstore.json" || fail "$b bundle: integratedTime is not 0"
  if grep -q inclusionPromise "$W/out/$b.sigstore.json"; then fail "$b bundle carries a SET"; fi
done

# 3. The trusted root, and @sigstore/verify.
expect_rc 0 "$SIGNET" trust export --state-dir "$W/state" --out "$W/trusted_root.json"
grep -q '"baseUrl": "https://log.example"' "$W/trusted_root.json" || fail "trusted root: baseUrl"
verify_js "$W/out/image.sigstore.json" "$W/trusted_root.json" || { cat "$W/js.out"; fail "@sigstore/verify refuses image.sigstore.json"; }
grep -q "verified: https://sigstore.dev/cosign/sign/v1" "$W/js.out" || fail "image bundle: $(cat "$W/js.out")"
verify_js "$W/out/vsa.sigstore.json" "$W/trusted_root.json" || { cat "$W/js.out"; fail "@sigstore/verify refuses vsa.sigstore.json"; }
grep -q "verified: https://slsa.dev/verification_summary/v1" "$W/js.out" || fail "vsa bundle: $(cat "$W/js.out")"

# 4. Edited entries are refused.
edit() {  # edit OUT JS-EXPRESSION-ON-e (e = the bundle's tlog entry)
  node -e '
    const fs = require("fs");
    const b = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const e = b.verificationMaterial.tlogEntries[0];
    const body = () => JSON.parse(Buffer.from(e.canonicalizedBody, "base64").toString());
    const setBody = (o) => { e.canonicalizedBody = Buffer.from(JSON.stringify(o)).toString("base64"); };
    eval(process.argv[3]);
    fs.writeFileSync(process.argv[2], JSON.stringify(b));' "$W/out/image.sigstore.json" "$1" "$2"
}
edit "$W/e1.json" 'const o = body(); o.spec.dsseV002.payloadHash.digest = Buffer.alloc(32, 7).toString("base64"); setBody(o);'
edit "$W/e2.json" 'e.inclusionProof.logIndex = String(Number(e.inclusionProof.logIndex) + 1);'
edit "$W/e3.json" 'e.inclusionProof.checkpoint.envelope = e.inclusionProof.checkpoint.envelope.replace(/\n\d+\n/, "\n9\n");'
edit "$W/e4.json" 'e.inclusionProof.hashes = e.inclusionProof.hashes.slice(1);'
for n in 1 2 3 4; do
  if verify_js "$W/e$n.json" "$W/trusted_root.json"; then fail "@sigstore/verify accepts edited entry $n"; fi
  grep -q "refused: TLOG" "$W/js.out" || fail "edited entry $n refused for another reason: $(cat "$W/js.out")"
done
# A bundle with no entry at all falls short of the threshold.
edit "$W/e5.json" 'b.verificationMaterial.tlogEntries = [];'
if verify_js "$W/e5.json" "$W/trusted_root.json"; then fail "@sigstore/verify accepts a bundle without its entry"; fi

# 5. A root naming another log key refuses the bundle.
expect_rc 0 "$SIGNET" log init --state-dir "$W/state2" --origin log.example --log-key "$(obj "$label-log2")"
mkdir -p "$W/state2/tsa" && cp "$W/state/tsa/chain.pem" "$W/state2/tsa/"  # the same TSA: only the log key differs
expect_rc 0 "$SIGNET" trust export --state-dir "$W/state2" --out "$W/other_root.json"
if verify_js "$W/out/image.sigstore.json" "$W/other_root.json"; then fail "a root with another log key accepts the bundle"; fi
grep -q "refused: TLOG" "$W/js.out" || fail "other root: refused for another reason: $(cat "$W/js.out")"

# 6. A deny: one entry, no outputs.
expect_rc 1 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$OTHER" \
  --provenance "$W/prov.dsse.json" --out "$W/denied" --state-dir "$W/state"
[[ ! -e $W/denied ]] || fail "a deny created --out"
[[ $(log_size) == 5 ]] || fail "the deny is not one log entry: size $(log_size)"
grep -q '"decision":"deny"' "$W/state/log/tile/entries/000.p/5" || fail "the deny record is not in the log"
expect_rc 0 "$SIGNET" log verify "$W/state/log" --from "$W/cp0"

# 7. trust export refuses a directory that is not a state directory.
mkdir "$W/empty"
expect_rc 2 "$SIGNET" trust export --state-dir "$W/empty" --out "$W/x.json"
[[ ! -e $W/x.json ]] || fail "a refused export wrote its output"
echo "PASS: state-dir signing, trust export, @sigstore/verify (tlog $TLOG_THRESHOLD, timestamp $TIMESTAMP_THRESHOLD)"
