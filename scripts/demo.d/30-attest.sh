# Demo part: TPM-quoted attestation of the appliance's own build (sourced by scripts/demo;
# SIGNET, DEMO, ROOT, step() and the swtpm fixture variables are in scope).
A=$DEMO/attest; mkdir -p "$A"

step "Attestation key: created under the swtpm's EK"
$SIGNET attest enroll --tcti "$SIGNET_TEST_TCTI" --out "$A/ak.json"

step "The verifier enrolls it: MakeCredential to the certified EK (verifier), ActivateCredential (TPM), compare (verifier)"
$SIGNET attest challenge --ak "$A/ak.json" --ek-roots "$SIGNET_TEST_EK_ROOTS" \
  --out "$A/challenge.json" --state "$A/state.json"
$SIGNET attest activate --tcti "$SIGNET_TEST_TCTI" --ak "$A/ak.json" \
  --challenge "$A/challenge.json" --out "$A/response.json"
$SIGNET attest accept --state "$A/state.json" --response "$A/response.json" --out "$A/enrollment.json"

step "The release: a service binary and its config; the vendor publishes their reference digests"
printf '#!/bin/sh\necho "  [service] started, pid $$"\n' > "$A/signet-service"
chmod +x "$A/signet-service"
printf 'listen = 127.0.0.1:8443\n' > "$A/signet.conf"
$SIGNET attest reference --pcr 23 --measure binary="$A/signet-service" --measure config="$A/signet.conf" --out "$A/reference.json"
jq -r '.measurements[] | "  \(.id)  sha256:\(.sha256[0:16])…"' "$A/reference.json"

step "signet launch: hash binary + config into typed event records, extend PCR 23 (a test PCR), then exec the bytes it hashed"
$SIGNET launch --tcti "$SIGNET_TEST_TCTI" --pcr 23 --reset-pcr --event-log "$A/boot-log.json" \
  --measure binary="$A/signet-service" --measure config="$A/signet.conf" -- "$A/signet-service"
jq -r '.events[] | "  event \(.seq): \(.kind) \(.path)"' "$A/boot-log.json"

step "A client sends a fresh nonce; the appliance quotes; the client verifies with its own enrollment record (PCR 23 is resettable: allowed for the demo only)"
NONCE=$(openssl rand -hex 32)
$SIGNET attest quote --tcti "$SIGNET_TEST_TCTI" --ak "$A/ak.json" --nonce "$NONCE" \
  --event-log "$A/boot-log.json" --out "$A/evidence.json"
$SIGNET attest verify --evidence "$A/evidence.json" --nonce "$NONCE" --ek-roots "$SIGNET_TEST_EK_ROOTS" \
  --reference "$A/reference.json" --enrollment "$A/enrollment.json" --allow-resettable-pcr \
  --out "$A/result.json" >/dev/null
jq -r '"  result: \(.result) (exit 0); \(.claims | map(select(.result == "pass")) | length)/9 claims pass; matched \(.matched_reference_ids | join(", ")); resetCount \(.tpm.reset_count)"' "$A/result.json"

step "One byte of the measured binary changes: relaunch, quote with a new nonce, verify again"
sed 's/started/startad/' "$A/signet-service" > "$A/signet-service.patched"
chmod +x "$A/signet-service.patched"
{ cmp -l "$A/signet-service" "$A/signet-service.patched" || true; } | awk '{printf "  byte %d differs\n", $1}'
$SIGNET launch --tcti "$SIGNET_TEST_TCTI" --pcr 23 --reset-pcr --event-log "$A/boot-log-2.json" \
  --measure binary="$A/signet-service.patched" --measure config="$A/signet.conf" -- "$A/signet-service.patched"
NONCE=$(openssl rand -hex 32)
$SIGNET attest quote --tcti "$SIGNET_TEST_TCTI" --ak "$A/ak.json" --nonce "$NONCE" \
  --event-log "$A/boot-log-2.json" --out "$A/evidence-2.json"
rc=0
$SIGNET attest verify --evidence "$A/evidence-2.json" --nonce "$NONCE" --ek-roots "$SIGNET_TEST_EK_ROOTS" \
  --reference "$A/reference.json" --enrollment "$A/enrollment.json" --allow-resettable-pcr \
  --out "$A/result-2.json" >/dev/null 2>&1 || rc=$?
if [[ $rc -ne 1 ]]; then echo "  UNEXPECTED: verify exit $rc for a changed binary"; exit 1; fi
jq -r '"  result: \(.result) (exit 1), finding \(.finding) at step \(.claims | map(select(.result == "fail"))[0].step)"' "$A/result-2.json"
