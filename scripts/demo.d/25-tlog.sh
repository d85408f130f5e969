# Demo part: the appliance's own transparency log and timestamp authority (issue 16), sourced by
# scripts/demo after 20-sign.sh (SIGNET, DEMO, ROOT, step(), KEY_URI, S, the builder's provenance
# and the sigstore-js env are in scope). Stock Sigstore verifiers then accept the bundles offline
# with their default thresholds: one log entry and one timestamp.
T=$DEMO/tlog; mkdir -p "$T"
TOKEN_URI="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
obj_uri() { echo "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$1;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"; }

step "The log key (Ed25519) and the TSA's CA and signing keys (ECDSA P-256), all generated in the token"
$SIGNET key generate --token "$TOKEN_URI" --label log-2026 --type ed25519 > /dev/null
$SIGNET key generate --token "$TOKEN_URI" --label tsa-2026 --type ecdsa-p256 > /dev/null
$SIGNET key generate --token "$TOKEN_URI" --label tsa-ca-2026 --type ecdsa-p256 > /dev/null
echo "  log-2026 (ed25519), tsa-2026, tsa-ca-2026 (ecdsa-p256): private halves never leave the token"

step "signet log init: an empty tile log with its first signed checkpoint, the TSA certificates, appliance.yaml"
$SIGNET log init --state-dir "$T/state" --origin log.demo.internal --log-key "$(obj_uri log-2026)" \
  --tsa-key "$(obj_uri tsa-2026)" --tsa-ca-key "$(obj_uri tsa-ca-2026)"
if [[ $(python3 -c 'import ctypes; b = ctypes.create_string_buffer(512); print(ctypes.CDLL("libc.so.6").adjtimex(b))') == 5 ]]; then
  echo "  (this machine's clock reports itself unsynchronised, as in a container without NTP: the TSA would"
  echo "   refuse to stamp; the demo turns that check off with tsa.require_synchronized_clock: false)"
  sed -i 's/require_synchronized_clock: true/require_synchronized_clock: false/' "$T/state/appliance.yaml"
fi
sed 's/^/  /' "$T/state/appliance.yaml" | cut -c1-150

step "signet sign --state-dir: the decision and each signature go into the log; the bundles carry entry, proof, checkpoint and a timestamp"
$SIGNET sign --key "$KEY_URI" --policy "$S/policy.yaml" --image "$IMAGE@sha256:$DIGEST" \
  --provenance "$S/provenance.dsse.json" --attestation "$S/sbom.dsse.json" \
  --out "$T/out" --state-dir "$T/state" > "$T/decision.out"
jq -r '.verificationMaterial | "  image.sigstore.json: log index \(.tlogEntries[0].logIndex), kind \(.tlogEntries[0].kindVersion.kind) \(.tlogEntries[0].kindVersion.version), \(.timestampVerificationData.rfc3161Timestamps | length) RFC 3161 timestamp"' "$T/out/image.sigstore.json"

step "signet trust export, then @sigstore/verify with its default thresholds (1 log entry, 1 timestamp), offline"
$SIGNET trust export --state-dir "$T/state" --out "$T/trusted_root.json"
for b in image vsa; do
  NODE_PATH=$SIGNET_TEST_NODE_PATH node "$ROOT/tests/integration/interop/sigstore_verify_root.js" \
    "$T/out/$b.sigstore.json" "$S/release.pub" "$T/trusted_root.json" 1 1 | sed "s/^/  $b.sigstore.json: /"
done
$SIGNET log verify "$T/state/log"
