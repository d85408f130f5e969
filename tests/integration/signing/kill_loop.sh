#!/usr/bin/env bash
# Crash safety of the audit log: `signet sign` is SIGKILLed at random points in a loop of
# signings. Afterwards every signature that was released (simplesigning.sig present) must have
# its allow entry in the log, and the log must verify (after the next writer cuts any torn line).
# usage: kill_loop.sh FIXTURE_DIR SIGNET SOURCE_DIR [ROUNDS]
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3 ROUNDS=${4:-20}
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-kill-loop-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# SoftHSM2's file store is not crash-safe: a SIGKILL while it rewrites token.object (it does
# on login) can destroy the token. This test is about Signet's audit log, so it runs on a private
# copy of the token, restored from a pristine copy before every round.
cp -a "$(dirname "$SOFTHSM2_CONF")/tokens" "$W/tokens-pristine"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF=$W/softhsm2.conf
restore_token() { rm -rf "$W/tokens"; cp -a "$W/tokens-pristine" "$W/tokens"; }
restore_token
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="kill-loop-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" > /dev/null
rm -rf "$W/tokens-pristine"; cp -a "$W/tokens" "$W/tokens-pristine"
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy
declare -a DIGESTS
for i in $(seq 0 "$ROUNDS"); do
  DIGESTS[$i]=$(printf 'kill loop %s %s' "$$" "$i" | sha256sum | cut -d' ' -f1)
  make_provenance "prov$i" "${DIGESTS[$i]}"
done
LOG=$W/audit.log
sign() {  # sign I   (exec: in a background subshell, $! is then signet itself)
  exec "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:${DIGESTS[$1]}" \
    --provenance "$W/prov$1.dsse.json" --out "$W/out$1" --audit-log "$LOG" > /dev/null 2>&1
}
killed=0
for i in $(seq 1 "$ROUNDS"); do
  restore_token
  sign "$i" & pid=$!
  # Kill anywhere from start-up to about the end of a signing (0-40 ms on these machines).
  sleep "0.$(printf '%03d' $((RANDOM % 40)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  if ((rc == 137)); then killed=$((killed + 1)); fi
done
restore_token
# The next writer cuts a torn final line (never acknowledged, so nothing was released for it).
(sign 0) || fail "a signing after the crash loop failed"
"$SIGNET" log verify "$LOG" > "$W/verify.out" || { cat "$W/verify.out"; fail "log does not verify after the crash loop"; }
released=0
for i in $(seq 0 "$ROUNDS"); do
  [[ -f $W/out$i/simplesigning.sig ]] || continue
  released=$((released + 1))
  grep -q "\"decision\":\"allow\".*\"subject\":\"$IMAGE@sha256:${DIGESTS[$i]}\"" "$LOG" \
    || fail "signature for round $i was released without its audit entry"
done
echo "kill loop OK: $ROUNDS rounds, $killed killed, $released signatures released, all logged ($(wc -l < "$LOG") entries)"
