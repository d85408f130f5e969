# Demo part: the attestation endpoint (issue 14), sourced by scripts/demo after 40-verifierd.sh
# (VERIFIERD, the AK of 30-attest.sh in $DEMO/attest, daemon.sh and the swtpm env are in scope).
# verifierd runs under `signet launch` (PCR 23: a resettable test PCR, hence
# --allow-resettable-pcr); a client attests it over TLS with a fresh nonce. Its TLS key lives in
# the TPM (signet attest tls-key, tls.key: tpm2:...): launch, the attestation worker and the tpm2
# OpenSSL provider then share the swtpm through tpm2-abrmd, as through /dev/tpmrm0 in production.
E=$DEMO/attest-endpoint; mkdir -p "$E"
A=$DEMO/attest

step "tpm2-abrmd in front of the swtpm: from here on every TPM user goes through it"
"$ROOT/scripts/fixtures/abrmd" up "$DEMO"
set -a; source "$DEMO/abrmd/env"; set +a
TT=$SIGNET_TEST_TABRMD_TCTI
unset TPM2OPENSSL_TCTI
echo "  TCTI $TT"

step "verifierd's TLS key is made in the TPM (non-duplicable, sign-only); its CSR is signed there; a CA issues the certificate"
(cd "$E" && tls_ca ca && tls_cert relay ca /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1")
$SIGNET attest tls-key --tcti "$TT" --out "$E/key.tss2" --csr "$E/server.csr" --subject /CN=127.0.0.1 --san IP:127.0.0.1 |
  sed 's/^/  /'
printf 'subjectAltName=IP:127.0.0.1\n' > "$E/server.ext"
openssl x509 -req -in "$E/server.csr" -CA "$E/ca.pem" -CAkey "$E/ca.key" -CAcreateserial -days 2 -out "$E/server.pem" \
  -extfile "$E/server.ext" 2> /dev/null
head -1 "$E/key.tss2" | sed 's/^/  key.tss2: /'

step "attestation endpoint: verifierd's config (TLS key in the TPM, an attestation section), the published reference values"
cp "$VERIFIERD" "$E/verifierd"
cp "$V/policy.yaml" "$V/builder.pub" "$V/release.pub" "$E/"
cat > "$E/verifierd.yaml" <<EOT
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: "tpm2:key.tss2", tcti: "$TT"}
policies: {default: policy.yaml}
attestation: {tcti: "$TT", ak: $A/ak.json, event_log: $E/boot-log.json, pcr: 23, batch_window: 50ms, max_batch: 4096}
EOT
sed 's/^/  /' "$E/verifierd.yaml"
# launch_verifierd BINARY LOG: verifierd under `signet launch` (sets EPID, EPORT);
# attest_verify PORT: a client's `signet attest verify --url` against it.
EPID="" RELAY=""
stop_endpoint() { local p; for p in $EPID $RELAY; do kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done; }
trap 'rc=$?; stop_endpoint; (exit $rc); cleanup' EXIT
launch_verifierd() {
  daemon_start "$2" $SIGNET launch --tcti "$TT" --pcr 23 --reset-pcr \
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
openssl s_client -connect "127.0.0.1:$EPORT" -CAfile "$E/ca.pem" < /dev/null 2> /dev/null |
  openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1 |
  sed 's/^/  the served key (SHA-256 of its SPKI, the channel binding): /'

step "Many clients at once share one quote: 50 concurrent verifications, then the daemon's quote counter"
q0=$(curl -sS --cacert "$E/ca.pem" "https://127.0.0.1:$EPORT/metrics" | awk '/^verifierd_attestation_quotes_total/ {print $2}')
seq 50 | xargs -P 50 -I{} sh -c '"$@" > /dev/null 2>&1 || echo "client {} failed"' _ $SIGNET attest verify \
  --url "https://127.0.0.1:$EPORT" --cacert "$E/ca.pem" --enrollment "$A/enrollment.json" --reference "$E/reference.json" \
  --ek-roots "$SIGNET_TEST_EK_ROOTS" --allow-resettable-pcr > "$E/clients.out"
q1=$(curl -sS --cacert "$E/ca.pem" "https://127.0.0.1:$EPORT/metrics" | awk '/^verifierd_attestation_quotes_total/ {print $2}')
if [[ -s $E/clients.out ]]; then echo "  UNEXPECTED:"; cat "$E/clients.out"; exit 1; fi
echo "  50 clients verified with $((q1 - q0)) TPM quotes"

step "The same evidence relayed through another TLS endpoint (socat holding another key) is refused"
RP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat OPENSSL-LISTEN:"$RP",bind=127.0.0.1,reuseaddr,fork,cert="$E/relay.pem",key="$E/relay.key",verify=0 \
  OPENSSL:127.0.0.1:"$EPORT",verify=0 2> /dev/null &
RELAY=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$RP") 2> /dev/null && break; sleep 0.05; done
rc=0
attest_verify "$RP" 2> "$E/relay.err" > /dev/null || rc=$?
kill "$RELAY"; wait "$RELAY" 2> /dev/null || true; RELAY=""
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
EPID="" RELAY=""
trap cleanup EXIT
