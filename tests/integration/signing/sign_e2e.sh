#!/usr/bin/env bash
# End-to-end `signet sign` on a SoftHSM2 key, with independent verifiers:
#  - the openssl CLI verifies simplesigning.sig over the byte-exact cosign payload;
#  - @sigstore/verify (sigstore-js) verifies image.sigstore.json and vsa.sigstore.json;
#  - `signet verify-image` and `signet log verify` pass;
#  - a deny (provenance replayed for another digest) writes no signature and one deny record;
#  - bad input (unreadable provenance, policy failing lint, key URI matching nothing,
#    unwritable output directory) fails with exit 2 and writes nothing.
# usage: sign_e2e.sh FIXTURE_DIR SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-sign-e2e-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { local want=$1; shift; set +e; "$@" > "$W/last.out" 2> "$W/last.err"; local rc=$?; set -e
  [[ $rc == "$want" ]] || { cat "$W/last.out" "$W/last.err"; fail "'$*' exited $rc, want $want"; }; }

TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="sign-e2e-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" --type ecdsa-p256 > /dev/null
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$SIGNET" key export --key "$KEY" --format pem > "$W/release.pub"

source "$SRC/scripts/lib/builder.sh"
make_builder
D=$(printf 'signet demo image %s' "$$" | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'another image %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
make_sbom sbom "$D"
make_policy require-sbom
LOG=$W/audit.log

# 1. Allowed: sign.
expect_rc 0 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --attestation "$W/sbom.dsse.json" --out "$W/out" --audit-log "$LOG"
for f in simplesigning.json simplesigning.sig image.sigstore.json vsa.sigstore.json decision.json; do
  [[ -s $W/out/$f ]] || fail "missing output $f"
done
want="{\"critical\":{\"identity\":{\"docker-reference\":\"$IMAGE\"},\"image\":{\"docker-manifest-digest\":\"sha256:$D\"},\"type\":\"cosign container image signature\"},\"optional\":null}"
[[ $(cat "$W/out/simplesigning.json") == "$want" ]] || fail "simple-signing payload is not byte-exact"
[[ $(wc -c < "$W/out/simplesigning.json") == ${#want} ]] || fail "payload has extra bytes"
base64 -d < "$W/out/simplesigning.sig" > "$W/sig.der"
openssl dgst -sha256 -verify "$W/release.pub" -signature "$W/sig.der" "$W/out/simplesigning.json" | grep -q "Verified OK" \
  || fail "openssl does not verify simplesigning.sig"
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify.js" "$W/out/image.sigstore.json" "$W/release.pub" "$D" \
  | grep -q "verified: https://sigstore.dev/cosign/sign/v1" || fail "sigstore-js refuses image.sigstore.json"
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify.js" "$W/out/vsa.sigstore.json" "$W/release.pub" "$D" \
  | grep -q "verified: https://slsa.dev/verification_summary/v1" || fail "sigstore-js refuses vsa.sigstore.json"
expect_rc 0 "$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/out"
vsa=$(grep -o '"payload": *"[^"]*"' "$W/out/vsa.sigstore.json" | sed 's/.*: *"//; s/"$//' | base64 -d)
grep -q '"verifiedLevels":\["SLSA_BUILD_LEVEL_2"\]' <<<"$vsa" || fail "VSA lacks the policy's verified_levels: $vsa"
grep -q "\"resourceUri\":\"$IMAGE@sha256:$D\"" <<<"$vsa" || fail "VSA resourceUri"
grep -q '"verificationResult":"PASSED"' <<<"$vsa" || fail "VSA result"
expect_rc 1 "$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$OTHER" --signature "$W/out"
expect_rc 1 "$SIGNET" verify-image --key "$W/builder.pub" --image "$IMAGE@sha256:$D" --signature "$W/out"
[[ $(wc -l < "$LOG") == 1 ]] || fail "one allow record expected"
grep -q '"decision":"allow"' "$LOG" || fail "allow record missing"

# 2. Denied: the same provenance for another digest. No signature file, one deny record.
expect_rc 1 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$OTHER" \
  --provenance "$W/prov.dsse.json" --attestation "$W/sbom.dsse.json" --out "$W/denied" --audit-log "$LOG"
[[ ! -e $W/denied ]] || fail "a deny created --out: $(ls -A "$W/denied")"
[[ $(wc -l < "$LOG") == 2 ]] || fail "deny record missing"
tail -1 "$LOG" | grep -q '"decision":"deny"' || fail "last record is not a deny"
expect_rc 1 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE:v1" \
  --provenance "$W/prov.dsse.json" --out "$W/denied" --audit-log "$LOG"
grep -q MUTABLE_REFERENCE "$W/last.out" || fail "tag without digest not refused with MUTABLE_REFERENCE"
[[ $(wc -l < "$LOG") == 3 ]] || fail "MUTABLE_REFERENCE deny not logged"
expect_rc 0 "$SIGNET" log verify "$LOG"

# 3. Bad input: exit 2, nothing written, no log entry.
n=$(wc -l < "$LOG")
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/missing.json" --out "$W/bad1" --audit-log "$LOG"
{ cat "$W/policy.yaml"; printf 'exceptions:\n  - finding: VULN_SEVERITY\n    subject: sha256:%s\n    match: CVE-1\n' "$D"; } > "$W/lint-fails.yaml"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/lint-fails.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "$W/bad2" --audit-log "$LOG"
grep -q "lint" "$W/last.err" || fail "lint failure not explained: $(cat "$W/last.err")"
NOKEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=no-such-key;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
expect_rc 2 "$SIGNET" sign --key "$NOKEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "$W/bad3" --audit-log "$LOG"
touch "$W/afile"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "$W/afile/sub" --audit-log "$LOG"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov.dsse.json" --out "/proc/signet-out" --audit-log "$LOG"
for d in bad1 bad2 bad3; do [[ ! -e $W/$d || -z $(ls -A "$W/$d") ]] || fail "$d has files"; done
[[ $(wc -l < "$LOG") == "$n" ]] || fail "bad input was logged as a decision"
grep -q -i "pin\b.*[0-9a-f]\{16\}" "$W/last.err" && fail "PIN leaked"
if grep -rq "$(cat "$SIGNET_TEST_PIN_FILE")" "$LOG" "$W"/*.out "$W"/*.err 2>/dev/null; then fail "PIN leaked into output"; fi
echo "sign e2e OK"
