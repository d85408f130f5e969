#!/usr/bin/env bash
# swtpm restarted (issue 19 part 6): verifierd, measured by `signet launch` into PCR 15 (not
# resettable; kept across a TPM Resume), serves POST /v1/attestation from an swtpm of its own
# (a copy of the fixture's provisioned state, so the fixture's TPM is left alone). Then the swtpm
# is shut down (TPM2_Shutdown(STATE), process stopped):
#  - every attestation request while it is down answers 503 without evidence (never a stale
#    quote), /healthz stays 200;
#  - the swtpm comes back on the same state directory and port (TPM2_Startup(STATE)): the same
#    verifierd process answers 200 again by itself, and `signet attest verify --url` (fresh
#    nonce, channel binding) passes, with a TPM restart count one higher than before.
# usage: swtpm_restart.sh SIGNET VERIFIERD FIXTURE_DIR SOURCE_DIR
set -euo pipefail
SIGNET=$1 VERIFIERD=$2 FIX=$3 SRC=$4
source "$SRC/scripts/lib/daemon.sh"
source "$SRC/scripts/lib/swtpm.sh"
source "$FIX/swtpm/env"
[[ -z ${SIGNET_TEST_REAL_HARDWARE:-} ]] || { echo "FAIL: needs the swtpm fixture (a TPM this test may stop)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-faults-swtpm-XXXXXX")
PIDS=()
SWTPM_PID=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  [[ -n $SWTPM_PID ]] && swtpm_stop "$SWTPM_PID" "$((PORT_TPM + 1))"
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $W/verifierd.log ]] && tail -20 "$W/verifierd.log"; exit 1; }
pass() { echo "ok: $*"; }
cd "$W"
export TSS2_LOG=all+NONE

cp -a "$SIGNET_TEST_SWTPM_DIR/state" "$W/tpmstate"
swtpm_start "$W" "$W/tpmstate" not-need-init,startup-clear || fail "swtpm did not start: $(cat "$W/start.err")"
PORT_TPM=$SWTPM_PORT
TCTI="swtpm:host=127.0.0.1,port=$PORT_TPM"
export TPM2TOOLS_TCTI=$TCTI

tls_ca ca
tls_cert server ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
# verifierd needs one policy to start; the attestation endpoint does not use it.
source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy

# The AK and the verifier's enrollment (README "Attestation of the appliance itself").
"$SIGNET" attest enroll --tcti "$TCTI" --out ak.json > /dev/null || fail "attest enroll"
"$SIGNET" attest challenge --ak ak.json --ek-roots "$SIGNET_TEST_EK_ROOTS" --out challenge.json --state state.json > /dev/null
"$SIGNET" attest activate --tcti "$TCTI" --ak ak.json --challenge challenge.json --out response.json > /dev/null
"$SIGNET" attest accept --state state.json --response response.json --out enrollment.json > /dev/null || fail "attest accept"

cp "$VERIFIERD" verifierd
cat > verifierd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
limits: {max_body: 64KiB, header_timeout: 60s}
attestation: {tcti: "$TCTI", ak: ak.json, event_log: $W/boot-log.json, pcr: 15, batch_window: 50ms}
Y
"$SIGNET" attest reference --pcr 15 --measure binary="$W/verifierd" --measure config="$W/verifierd.yaml" --out reference.json
daemon_start "$W/verifierd.log" "$SIGNET" launch --tcti "$TCTI" --pcr 15 --event-log "$W/boot-log.json" \
  --measure binary="$W/verifierd" --measure config="$W/verifierd.yaml" -- "$W/verifierd" --config "$W/verifierd.yaml" ||
  fail "verifierd did not start under signet launch"
PIDS+=("$PID")
VD=$PID
URL=https://127.0.0.1:$PORT
VERIFY=("$SIGNET" attest verify --url "$URL" --cacert ca.pem --enrollment enrollment.json --reference reference.json
        --ek-roots "$SIGNET_TEST_EK_ROOTS")
attest() {  # attest OUT: POST /v1/attestation with a fresh nonce; prints the status
  curl -sS --max-time 30 --cacert ca.pem -H 'content-type: application/json' -d '{"nonce":"'"$(openssl rand -hex 32)"'"}' \
    -o "$1" -w '%{http_code}' "$URL/v1/attestation" 2> /dev/null || true
}
"${VERIFY[@]}" --json > before.json || fail "attest verify --url before the restart: $(cat before.json)"
restarts_before=$(python3 -c 'import json,sys; print(json.load(open("before.json"))["tpm"]["restart_count"])')
pass "attestation verifies on the running swtpm"

# Down: TPM2_Shutdown(STATE), then the process stops.
tpm2_shutdown || fail "tpm2_shutdown"
swtpm_stop "$SWTPM_PID" "$((PORT_TPM + 1))"
SWTPM_PID=""
for i in 1 2 3; do
  s=$(attest "down$i.json")
  [[ $s == 503 ]] || fail "attestation with the swtpm down answered $s: $(cat "down$i.json")"
  ! grep -q '"evidence"' "down$i.json" || fail "evidence served with the swtpm down"
done
s=$(curl -sS --cacert ca.pem -o /dev/null -w '%{http_code}' "$URL/healthz")
[[ $s == 200 ]] || fail "/healthz with the swtpm down: $s"
"${VERIFY[@]}" > down.out 2>&1 && fail "attest verify --url passed with the swtpm down"
pass "swtpm down: 503 without evidence, never a stale quote"

# Back: the same state and port, TPM2_Startup(STATE) (a Resume keeps PCR 15).
swtpm_start "$W" "$W/tpmstate" not-need-init,startup-state "$PORT_TPM" || fail "swtpm did not restart: $(cat "$W/start.err")"
ok=""
for _ in $(seq 100); do
  [[ $(attest back.json) == 200 ]] && { ok=1; break; }
  sleep 0.1
done
[[ -n $ok ]] || fail "attestation did not recover after the swtpm came back: $(cat back.json)"
"${VERIFY[@]}" --json > after.json || fail "attest verify --url after the restart: $(cat after.json)"
restarts_after=$(python3 -c 'import json,sys; print(json.load(open("after.json"))["tpm"]["restart_count"])')
(( restarts_after > restarts_before )) || fail "the quote after the restart does not come from the restarted TPM ($restarts_before -> $restarts_after)"
kill -0 "$VD" || fail "verifierd is not the same process"
pass "swtpm back: the same verifierd attests again by itself (restart count $restarts_before -> $restarts_after)"
echo "faults swtpm restart OK"
