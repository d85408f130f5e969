# Demo part: the attestation endpoint (issue 14), sourced by scripts/demo after 40-verifierd.sh
# (VERIFIERD, the AK of 30-attest.sh in $DEMO/attest, daemon.sh and the swtpm env are in scope).
# verifierd runs under `signet launch` (PCR 23: a resettable test PCR, hence
# --allow-resettable-pcr); a client attests it over TLS with a fresh nonce. The TLS key is a file
# here; issue 14 part 1 moves it into the TPM (tls.key: tpm2:...).
E=$DEMO/attest-endpoint; mkdir -p "$E"
A=$DEMO/attest

step "attestation endpoint: verifierd's TLS certificate, its config with an attestation section, the published reference values"
(cd "$E" && tls_ca ca && tls_cert server ca /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1" &&
  tls_cert relay ca /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1")
cp "$VERIFIERD" "$E/verifierd"
cp "$V/policy.yaml" "$V/builder.pub" "$V/release.pub" "$E/"
cat > "$E/verifierd.yaml" <<EOT
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
attestation: {tcti: "$SIGNET_TEST_TCTI", ak: $A/ak.json, event_log: $E/boot-log.json, pcr: 23, batch_window: 50ms, max_batch: 4096}
EOT
# launch_verifierd BINARY LOG: verifierd under `signet launch` (sets EPID, EPORT);
# attest_verify PORT: a client's `signet attest verify --url` against it.
launch_verifierd() {
  daemon_start "$2" $SIGNET launch --tcti "$SIGNET_TEST_TCTI" --pcr 23 --reset-pcr \
    --event-log "$E/boot-log.json" --measure binary="$1" --measure config="$E/verifierd.yaml" \
    -- "$1" --config "$E/verifierd.yaml"
  EPID=$PID EPORT=$PORT
}
attest_verify() {
  $SIGNET attest verify --url "https://127.0.0.1:$1" --cacert "$E/ca.pem" --enrollment "$A/enrollment.json" \
    --reference "$E/reference.json" --ek-roots "$SIGNET_TEST_EK_ROOTS" --allow-resettable-pcr "${@:2}"
}
$SIGNET attest reference --pcr 23 --measure binary="$E/verifierd" --measure config="$E/verifierd.yaml" --out "$E/reference.json"
jq -r '.measurements[] | "  \(.id)  sha256:\(.sha256[0:16])…"' "$E/reference.json"

step "signet launch measures verifierd and its config into PCR 23, then execs it"
launch_verifierd "$E/verifierd" "$E/verifierd.log"
echo "  verifierd pid $EPID on https://127.0.0.1:$EPORT"

step "A client attests it: fresh nonce, POST /v1/attestation, channel binding of the connection it used, batch proof, quote, reference values"
attest_verify "$EPORT" --json > "$E/result.json"
jq -r '"  result: \(.result) (exit 0); matched \(.matched_reference_ids | join(", ")); TPM clock \(.tpm.clock), firmware \(.tpm.firmware_version)"' "$E/result.json"

step "The same evidence relayed through another TLS endpoint (socat holding another key) is refused"
RP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat OPENSSL-LISTEN:"$RP",bind=127.0.0.1,reuseaddr,fork,cert="$E/relay.pem",key="$E/relay.key",verify=0 \
  OPENSSL:127.0.0.1:"$EPORT",verify=0 2> /dev/null &
RELAY=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$RP") 2> /dev/null && break; sleep 0.05; done
rc=0
attest_verify "$RP" 2> "$E/relay.err" > /dev/null || rc=$?
kill "$RELAY"; wait "$RELAY" 2> /dev/null || true
if [[ $rc -ne 1 ]]; then echo "  UNEXPECTED: relay exit $rc"; cat "$E/relay.err"; exit 1; fi
echo "  exit 1: $(cat "$E/relay.err")"
kill "$EPID"; wait "$EPID" 2> /dev/null || true

step "A changed verifierd binary (one byte appended) is launched and attested: refused"
cp "$E/verifierd" "$E/verifierd.changed"; printf 'x' >> "$E/verifierd.changed"
rm -f "$E/boot-log.json"
launch_verifierd "$E/verifierd.changed" "$E/verifierd-2.log"
rc=0
attest_verify "$EPORT" 2> "$E/changed.err" > /dev/null || rc=$?
kill "$EPID"; wait "$EPID" 2> /dev/null || true
if [[ $rc -ne 1 ]]; then echo "  UNEXPECTED: changed binary exit $rc"; cat "$E/changed.err"; exit 1; fi
echo "  exit 1: $(cat "$E/changed.err")"
