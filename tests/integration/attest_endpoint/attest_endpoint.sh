#!/usr/bin/env bash
# The attestation endpoint end to end on the swtpm (issue 14), with verifierd's TLS key in the TPM
# (`signet attest tls-key`, `tls.key: tpm2:key.tss2` through the tpm2-openssl provider): every TPM
# user (launch, the attestation worker, the provider, the CLI) shares the swtpm through
# tpm2-abrmd, as in production through /dev/tpmrm0. verifierd launched under
# `signet launch` (PCR 23, resettable: --allow-resettable-pcr), its AK enrolled over HTTP
# (POST /v1/attestation/enroll + /activate around `signet attest challenge` / `accept`), then
#   - `signet attest verify --url` passes (fresh nonce, channel binding of the connection used);
#   - tpm2_checkquote verifies the batched quote with -q = the batch qualifying data;
#   - CLIENTS (200; 40 under the asan preset) concurrent clients, each with its own nonce, all
#     verify, with far fewer quotes
#     (verifierd_attestation_quotes_total on /metrics);
#   - a relay through a TLS proxy holding another key (socat) fails CHANNEL_BINDING_MISMATCH;
#   - a changed verifierd binary fails REFERENCE_DIGEST_MISMATCH.
# usage: attest_endpoint.sh SIGNET VERIFIERD FIXTURE_DIR [CLIENTS]
set -euo pipefail
SIGNET=$1
VERIFIERD=$2
FIX=$3
CLIENTS=${4:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/daemon.sh"
set -a; source "$FIX/swtpm/env"; source "$FIX/abrmd/env"; set +a
TCTI=$SIGNET_TEST_TABRMD_TCTI   # swtpm serves one client at a time; abrmd multiplexes it
unset TPM2OPENSSL_TCTI
VEC=${SIGNET_SHARED_DIR:?}/vectors
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-attest-endpoint-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -n ${LOG:-} && -f ${LOG:-} ]] && tail -20 "$LOG"; exit 1; }
pass() { echo "ok: $*"; }
cd "$W"
export TSS2_LOG=all+NONE

# verifierd's TLS key: made in the TPM, its CSR signed there, the certificate from a throwaway CA.
tls_ca ca
"$SIGNET" attest tls-key --tcti "$TCTI" --out key.tss2 --csr server.csr --subject /CN=localhost \
  --san IP:127.0.0.1 --san DNS:localhost > tls-key.out || fail "attest tls-key: $(cat tls-key.out)"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem -extfile server.ext 2> /dev/null
openssl req -in server.csr -noout -pubkey | openssl pkey -pubin -outform DER > tpm.spki.der
tls_cert proxy ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"   # same CA, a software key

# verifierd needs one policy to start; the attestation endpoint does not use it.
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
P

"$SIGNET" attest enroll --tcti "$TCTI" --out ak.json > /dev/null
cp "$VERIFIERD" verifierd   # the binary that is measured and run
cat > verifierd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: "tpm2:key.tss2", tcti: "$TCTI"}
policies: {default: policy.yaml}
# header_timeout covers the handshake too: clients starting at once (10x slower under the
# asan preset) must not be cut off by the slowloris guard, which is tested elsewhere.
limits: {max_body: 64KiB, header_timeout: 60s, idle_timeout: 60s, max_connections: 512}
attestation: {tcti: "$TCTI", ak: ak.json, event_log: $W/boot-log.json, pcr: 23, batch_window: 250ms, max_batch: 4096}
Y
"$SIGNET" attest reference --pcr 23 --measure binary="$W/verifierd" --measure config="$W/verifierd.yaml" \
  --out reference.json

launch() {  # launch BINARY LOG: verifierd under `signet launch`, measured into PCR 23
  LOG=$W/$2
  daemon_start "$LOG" "$SIGNET" launch --tcti "$TCTI" --pcr 23 --reset-pcr --event-log "$W/boot-log.json" \
    --measure binary="$1" --measure config="$W/verifierd.yaml" -- "$1" --config "$W/verifierd.yaml"
  PIDS+=("$PID")
}
stop() { kill "$PID"; wait "$PID" 2> /dev/null || true; }
post() { curl -sS --cacert ca.pem -H 'content-type: application/json' -d "$2" "https://127.0.0.1:$PORT$1"; }

rm -f boot-log.json
launch "$W/verifierd" verifierd.log
URL=https://127.0.0.1:$PORT

# --- enrollment over HTTP: the verifier's own challenge/accept around the daemon's TPM ---
post /v1/attestation/enroll '{}' > enroll.json
jq '{version: "signet-tpm-ak-v1", ak_public: .akPublic, ek_certificate: .ekCertificate}' enroll.json > akpub.json
"$SIGNET" attest challenge --ak akpub.json --ek-roots "$SIGNET_TEST_EK_ROOTS" --out challenge.json --state state.json > /dev/null
jq '{challengeId: .challenge_id, akName: .ak_name, credentialBlob: .credential_blob, encryptedSecret: .encrypted_secret}' \
  challenge.json > activate.json
post /v1/attestation/activate "$(cat activate.json)" > activated.json
jq '{version: "signet-tpm-enroll-response-v1", challenge_id: .challengeId, ak_name: .akName, secret: .secret}' \
  activated.json > response.json
"$SIGNET" attest accept --state state.json --response response.json --out enrollment.json > /dev/null \
  || fail "accept of the activation served over HTTP"
pass "AK enrolled over HTTP (enroll, challenge, activate, accept)"

# The connection ends in the TPM: the served certificate carries the key `attest tls-key` made.
openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -verify_return_error < /dev/null > sclient.txt 2>&1 ||
  fail "openssl s_client: $(tail -5 sclient.txt)"
openssl x509 -in sclient.txt -noout -pubkey | openssl pkey -pubin -outform DER > served.spki.der
cmp -s served.spki.der tpm.spki.der || fail "verifierd does not serve the TPM-held key"
binding=$(sha256sum < tpm.spki.der | cut -d' ' -f1)
grep -q "$binding" tls-key.out || fail "tls-key did not print the channel binding $binding"
pass "verifierd serves TLS with the key in the TPM (channel binding $binding)"

VERIFY=("$SIGNET" attest verify --cacert ca.pem --enrollment enrollment.json --reference reference.json
        --ek-roots "$SIGNET_TEST_EK_ROOTS" --allow-resettable-pcr)
"${VERIFY[@]}" --url "$URL" --json > result.json || fail "verify --url of the launched verifierd"
[[ $(jq -r .result result.json) == pass ]] || fail "result is not pass"
[[ $(jq -r '.matched_reference_ids | length' result.json) == 2 ]] || fail "both references matched"
pass "signet attest verify --url passes (exit 0), claims: $(jq -c '[.tpm.clock, .tpm.firmware_version, .matched_reference_ids]' result.json)"

# --- malformed requests ---
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem -H 'content-type: application/json' -d '{"nonce":"00"}' "$URL/v1/attestation")
[[ $code == 400 ]] || fail "short nonce answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem -H 'content-type: application/json' -d '{"nonce":"'$(openssl rand -hex 32)'","x":1}' "$URL/v1/attestation")
[[ $code == 400 ]] || fail "unknown member answered $code"
pass "malformed attestation requests are 400"

# --- tpm2_checkquote on a batched quote, -q = SHA-256("signet-attest-batch-v1" || root) ---
post /v1/attestation '{"nonce":"'"$(openssl rand -hex 32)"'"}' | jq .evidence > batched.json
mkdir export
"$SIGNET" attest export --evidence batched.json --dir export > /dev/null
root=$(jq -r .batch_root batched.json)
want=$( (printf 'signet-attest-batch-v1'; printf '%s' "$root" | xxd -r -p) | sha256sum | cut -d' ' -f1)
[[ $(cat export/qualification.hex) == "$want" ]] || fail "exported qualification is not the batch qualifying data"
tpm2_checkquote -u export/ak.tpm2b.pub -m export/quote.msg -s export/quote.sig -f export/pcrs.bin -F values \
  -g sha256 -l "$(cat export/pcr-list.txt)" -q "$want" > checkquote.out 2>&1 || { cat checkquote.out; fail "tpm2_checkquote"; }
pass "tpm2_checkquote verifies the batched quote with the batch qualifying data"

# --- CLIENTS concurrent clients, each with its own nonce ---
before=$(curl -sS --cacert ca.pem "$URL/metrics" | awk '/^verifierd_attestation_quotes_total/ {print $2}')
seq "$CLIENTS" | xargs -P "$CLIENTS" -I{} sh -c '"$@" --url "'"$URL"'" > /dev/null 2> client-{}.err || echo "client {} exit $?"' _ "${VERIFY[@]}" > clients.out
[[ ! -s clients.out ]] || { head clients.out; cat "client-$(awk 'NR == 1 {print $2}' clients.out).err"; fail "some clients did not verify"; }
after=$(curl -sS --cacert ca.pem "$URL/metrics" | awk '/^verifierd_attestation_quotes_total/ {print $2}')
quotes=$((after - before))
((quotes < CLIENTS / 2)) || fail "$CLIENTS clients took $quotes quotes"
pass "$CLIENTS concurrent clients all verified with $quotes TPM quotes"

# --- a relay through a TLS endpoint holding another key ---
RP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat OPENSSL-LISTEN:"$RP",bind=127.0.0.1,reuseaddr,fork,cert=proxy.pem,key=proxy.key,verify=0 \
  OPENSSL:127.0.0.1:"$PORT",verify=0 2> socat.log &
PIDS+=("$!")
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$RP") 2> /dev/null && break; sleep 0.05; done
rc=0
"${VERIFY[@]}" --url "https://127.0.0.1:$RP" > relay.out 2> relay.err || rc=$?
[[ $rc == 1 ]] || { cat relay.err; fail "relay: exit $rc, not 1"; }
grep -q CHANNEL_BINDING_MISMATCH relay.err || { cat relay.err; fail "relay: not CHANNEL_BINDING_MISMATCH"; }
pass "evidence relayed through another TLS key fails CHANNEL_BINDING_MISMATCH (exit 1)"

# --- a changed verifierd binary ---
stop
cp verifierd verifierd.changed
printf 'x' >> verifierd.changed   # one more byte: still the same program, another digest
rm -f boot-log.json
launch "$W/verifierd.changed" verifierd-changed.log
rc=0
"${VERIFY[@]}" --url "https://127.0.0.1:$PORT" > changed.out 2> changed.err || rc=$?
[[ $rc == 1 ]] || { cat changed.err; fail "changed binary: exit $rc, not 1"; }
grep -q REFERENCE_DIGEST_MISMATCH changed.err || { cat changed.err; fail "changed binary: not REFERENCE_DIGEST_MISMATCH"; }
pass "a changed verifierd binary fails REFERENCE_DIGEST_MISMATCH (exit 1)"
stop
echo "attest_endpoint: all checks passed"
