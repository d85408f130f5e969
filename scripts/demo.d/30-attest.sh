# Demo part: TPM-quoted attestation of the appliance's own build (sourced by scripts/demo;
# SIGNET, DEMO, ROOT, step() and the swtpm fixture variables are in scope).
A=$DEMO/attest; mkdir -p "$A"

step "Attestation key: created under the swtpm's EK, enrolled by MakeCredential (software) + ActivateCredential (TPM)"
$SIGNET attest enroll --tcti "$SIGNET_TEST_TCTI" --out "$A/ak.json"

step "The release: a service binary and its config; the vendor publishes their reference digests"
printf '#!/bin/sh\necho "  [service] started, pid $$"\n' > "$A/signet-service"
printf 'listen = 127.0.0.1:8443\n' > "$A/signet.conf"
$SIGNET attest reference --measure binary="$A/signet-service" --measure config="$A/signet.conf" --out "$A/reference.json"
jq -r '.measurements[] | "  \(.id)  sha256:\(.sha256[0:16])…"' "$A/reference.json"

step "signet launch: hash binary + config into typed event records, extend PCR 23 (a test PCR), then exec the service"
$SIGNET launch --tcti "$SIGNET_TEST_TCTI" --pcr 23 --reset-pcr --event-log "$A/boot-log.json" \
  --measure binary="$A/signet-service" --measure config="$A/signet.conf" -- /bin/sh "$A/signet-service"
jq -r '.events[] | "  event \(.seq): \(.kind) \(.path)"' "$A/boot-log.json"

step "A client sends a fresh nonce; the appliance quotes; the client verifies with public inputs only"
NONCE=$(openssl rand -hex 32)
$SIGNET attest quote --tcti "$SIGNET_TEST_TCTI" --ak "$A/ak.json" --nonce "$NONCE" \
  --event-log "$A/boot-log.json" --out "$A/evidence.json"
$SIGNET attest verify --evidence "$A/evidence.json" --nonce "$NONCE" --ek-roots "$SIGNET_TEST_EK_ROOTS" \
  --reference "$A/reference.json" --out "$A/result.json" >/dev/null
jq -r '"  result: \(.result) (exit 0); \(.claims | map(select(.result == "pass")) | length)/9 claims pass; matched \(.matched_reference_ids | join(", ")); resetCount \(.tpm.reset_count)"' "$A/result.json"

step "One byte of the measured binary changes: relaunch, quote with a new nonce, verify again"
sed 's/started/startad/' "$A/signet-service" > "$A/signet-service.patched"
{ cmp -l "$A/signet-service" "$A/signet-service.patched" || true; } | awk '{printf "  byte %d differs\n", $1}'
$SIGNET launch --tcti "$SIGNET_TEST_TCTI" --pcr 23 --reset-pcr --event-log "$A/boot-log-2.json" \
  --measure binary="$A/signet-service.patched" --measure config="$A/signet.conf" -- /bin/sh "$A/signet-service.patched"
NONCE=$(openssl rand -hex 32)
$SIGNET attest quote --tcti "$SIGNET_TEST_TCTI" --ak "$A/ak.json" --nonce "$NONCE" \
  --event-log "$A/boot-log-2.json" --out "$A/evidence-2.json"
rc=0
$SIGNET attest verify --evidence "$A/evidence-2.json" --nonce "$NONCE" --ek-roots "$SIGNET_TEST_EK_ROOTS" \
  --reference "$A/reference.json" --out "$A/result-2.json" >/dev/null 2>&1 || rc=$?
if [[ $rc -ne 1 ]]; then echo "  UNEXPECTED: verify exit $rc for a changed binary"; exit 1; fi
jq -r '"  result: \(.result) (exit 1), finding \(.finding) at step \(.claims | map(select(.result == "fail"))[0].step)"' "$A/result-2.json"
