#!/usr/bin/env bash
# Crash safety of the audit log and of the outputs: `signet sign` is SIGKILLed at random points
# in a loop of signings. Afterwards:
#  - every signature that was released (an output set present) has its allow entry in the log,
#    and the log verifies (after the next writer cuts any torn entry);
#  - some kills landed AFTER the audit write (the round's entry is in the log but the process
#    died): they are counted and there must be more than zero, else the loop proved nothing
#    about the window between the audit write and the outputs. The loop runs ROUNDS rounds and
#    goes on (up to 4 x ROUNDS) until at least one such kill is seen;
#  - every output directory is one whole set or absent (never a mix, never *.tmp-* files), and
#    a killed run's staging directory is removed by the next run for the same --out.
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
digest() { printf 'kill loop %s %s' "$$" "$1" | sha256sum | cut -d' ' -f1; }
LOG=$W/audit.log
sign() {  # sign I   (exec: in a background subshell, $! is then signet itself)
  exec "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$(digest "$1")" \
    --provenance "$W/prov$1.dsse.json" --out "$W/out$1" --audit-log "$LOG" > /dev/null 2>&1
}
# Aim the kills: one unkilled signing gives the span from start-up to exit (at least 40 ms).
# Odd rounds (and the first four) kill uniformly between 0 and the shortest delay a run has
# outlived so far (initially 1.25 x the span): crashes anywhere. Even rounds aim between the
# longest delay that still killed a run before its audit write and that shortest outlived one:
# the audit write and the outputs lie between those two.
restore_token
make_provenance prov0 "$(digest 0)"
t0=$(date +%s%N)
(sign 0) || fail "the unkilled signing failed"
span_ms=$(( ($(date +%s%N) - t0) * 5 / 4 / 1000000 ))
((span_ms >= 40)) || span_ms=40
rm -rf "$W/out0"
killed=0 after_audit=0 i=0
before_max=0 outlived_min=$span_ms
max_rounds=$((4 * ROUNDS))
while ((i < ROUNDS || (after_audit == 0 && i < max_rounds))); do
  i=$((i + 1))
  make_provenance "prov$i" "$(digest "$i")"
  restore_token
  if ((i <= 4 || i % 2 == 1)); then
    ms=$((RANDOM % (outlived_min + 1)))
  else
    lo=$((before_max < outlived_min ? before_max : outlived_min - 5))
    hi=$((before_max < outlived_min ? outlived_min : before_max + 5))
    ((lo >= 0)) || lo=0
    ms=$((lo + RANDOM % (hi - lo + 1)))
  fi
  sign "$i" & pid=$!
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  if ((rc == 137)); then
    killed=$((killed + 1))
    # Killed after its decision was written: the round's whole entry (it ends with "v":1}) is in the log.
    if grep -q "\"subject\":\"$IMAGE@sha256:$(digest "$i")\",\"time\":\"[^\"]*\",\"v\":1}\$" "$LOG" 2>/dev/null; then
      after_audit=$((after_audit + 1))
    elif ((ms > before_max)); then
      before_max=$ms
    fi
  elif ((ms < outlived_min)); then
    outlived_min=$ms
  fi
done
rounds=$i
restore_token
# The next writer cuts a torn final entry (never acknowledged, so nothing was released for it).
(sign 0) || fail "a signing after the crash loop failed"
"$SIGNET" log verify "$LOG" > "$W/verify.out" || { cat "$W/verify.out"; fail "log does not verify after the crash loop"; }
released=0 leftover=""
for i in $(seq 0 "$rounds"); do
  if compgen -G "$W/out$i.staging-*" > /dev/null; then leftover=$i; fi
  [[ -e $W/out$i ]] || continue
  set -- $(cd "$W/out$i" && LC_ALL=C ls -A)
  [[ "$*" == "decision.json image.sigstore.json simplesigning.json simplesigning.sig vsa.sigstore.json" ]] \
    || fail "round $i left a partial or mixed output set: $*"
  released=$((released + 1))
  grep -q "\"decision\":\"allow\".*\"subject\":\"$IMAGE@sha256:$(digest "$i")\"" "$LOG" \
    || fail "signature for round $i was released without its audit entry"
done
if compgen -G "$W/*.tmp-*" > /dev/null || compgen -G "$W/out*/*.tmp-*" > /dev/null; then fail "temporary files left behind"; fi
if [[ -n $leftover ]]; then
  # A killed run's staging directory is removed by the next run for the same --out.
  restore_token
  (sign "$leftover") || fail "re-signing round $leftover failed"
  compgen -G "$W/out$leftover.staging-*" > /dev/null && fail "the next run left round $leftover's staging directory"
fi
((after_audit > 0)) || fail "no kill landed after the audit write in $rounds rounds ($killed killed): the window between the audit entry and the outputs was never tested"
echo "kill loop OK: $rounds rounds, $killed killed, $after_audit after the audit write, $released output sets released, all logged ($(wc -l < "$LOG") entries)${leftover:+, staging of round $leftover cleaned}"
