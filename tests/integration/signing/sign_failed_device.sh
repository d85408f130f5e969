#!/usr/bin/env bash
# A failed signing leaves a record (issue 12, item 10): the gate allows, but the device returns
# a signature that does not verify (fault_module.cc in mode "corrupt" over SoftHSM2). `signet
# sign` must append a `failed` record, release nothing (no --out at all) and exit 3; the log
# must still verify and the next good signing must follow it.
# usage: sign_failed_device.sh FIXTURE_DIR SIGNET SOURCE_DIR FAULT_MODULE
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3 FAULT=$4
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-sign-failed-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="sign-failed-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" > /dev/null
# The same key, reached through the shim.
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$FAULT&pin-source=$SIGNET_TEST_PIN_FILE"
export SIGNET_FAULT_P11_TARGET=$SIGNET_TEST_PKCS11_MODULE
source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy
D=$(printf 'failed device %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
LOG=$W/audit.log
sign() {
  "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
    --provenance "$W/prov.dsse.json" --out "$W/out" --audit-log "$LOG"
}

set +e; SIGNET_FAULT_P11_MODE=corrupt sign > "$W/bad.out" 2> "$W/bad.err"; rc=$?; set -e
[[ $rc == 3 ]] || { cat "$W/bad.out" "$W/bad.err"; fail "a corrupt device signature exited $rc, want 3"; }
grep -q "does not verify" "$W/bad.err" || fail "stderr does not say why: $(cat "$W/bad.err")"
[[ ! -e $W/out ]] || fail "outputs were released after a failed signing: $(ls -A "$W/out")"
[[ $(wc -l < "$LOG") == 1 ]] || fail "want exactly one record, got $(wc -l < "$LOG")"
grep -q '"decision":"failed"' "$LOG" || fail "no failed record: $(cat "$LOG")"
grep -q '"findings":\["SIGNATURE_INVALID"\]' "$LOG" || fail "the failed record does not say why: $(cat "$LOG")"
grep -q "\"subject\":\"$IMAGE@sha256:$D\"" "$LOG" || fail "the failed record names another subject"
grep -q '"key_id":"[0-9a-f]\{64\}"' "$LOG" || fail "the failed record lacks the key id"
"$SIGNET" log verify "$LOG" > /dev/null || fail "the log does not verify after a failed record"

# The device recovers: the next signing is allowed, released and chained after the failure.
SIGNET_FAULT_P11_MODE= sign > /dev/null 2> "$W/good.err" || { cat "$W/good.err"; fail "signing after recovery failed"; }
[[ -s $W/out/simplesigning.sig ]] || fail "no signature after recovery"
tail -1 "$LOG" | grep -q '"decision":"allow".*"seq":1' || fail "the allow record does not follow the failed one"
"$SIGNET" log verify "$LOG" > /dev/null || fail "the log does not verify"
echo "failed signing OK: one failed record, nothing released, exit 3"
