#!/usr/bin/env bash
# `signet log init|verify|witness|migrate` with the log key in SoftHSM2 (Ed25519, CKM_EDDSA):
#  - init makes DIR/log (an empty tree, its first checkpoint) and DIR/appliance.yaml without a PIN;
#  - init refuses a non-Ed25519 key, an existing log, and --tsa-key without --tsa-ca-key (exit 2);
#  - migrate copies a hash-chained audit log (made by `signet sign`) entry by entry, and refuses
#    a broken one (exit 1) and a non-empty log (exit 2);
#  - log verify FILE still checks the audit log; log verify DIR/log checks the tile log.
# usage: cli.sh FIXTURE_DIR SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-tlog-cli-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_exit() {  # expect_exit CODE WHAT CMD...
  local want=$1 what=$2 rc=0; shift 2
  "$@" > "$W/out" 2>&1 || rc=$?
  [[ $rc == "$want" ]] || { cat "$W/out"; fail "$what: exit $rc, want $want"; }
}
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="tlog-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" --type ed25519 > /dev/null || fail "SoftHSM2 cannot make an Ed25519 key"
"$SIGNET" key generate --token "$TOKEN" --label "$label-ec" > /dev/null
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
ECKEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label-ec;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"

expect_exit 2 "init with an ECDSA key" "$SIGNET" log init --state-dir "$W/ec" --origin log.example --log-key "$ECKEY"
expect_exit 2 "init with --tsa-key but no --tsa-ca-key" "$SIGNET" log init --state-dir "$W/x" --origin log.example --log-key "$KEY" --tsa-key "$KEY"
expect_exit 0 "init" "$SIGNET" log init --state-dir "$W/state" --origin log.example --log-key "$KEY"
grep -q "verifier key: log.example+" "$W/out" || fail "init printed no verifier key"
[[ -f $W/state/log/checkpoint && -f $W/state/appliance.yaml ]] || fail "init made no log or appliance.yaml"
if grep -q "pin-value" "$W/state/appliance.yaml"; then fail "appliance.yaml holds a PIN"; fi
cp "$W/state/appliance.yaml" "$W/appliance.before"
expect_exit 2 "init over an existing log" "$SIGNET" log init --state-dir "$W/state" --origin other.example --log-key "$KEY"
cmp -s "$W/state/appliance.yaml" "$W/appliance.before" || fail "a refused init changed appliance.yaml"
expect_exit 0 "verify the empty log" "$SIGNET" log verify "$W/state/log"
cp "$W/state/log/checkpoint" "$W/cp0"

# An audit log from real signings (two allowed, one refused).
source "$SRC/scripts/lib/builder.sh"
make_builder; make_policy
for i in 1 2 3; do
  d=$(printf 'tlog cli %s %s' $$ $i | sha256sum | cut -d' ' -f1)
  make_provenance "prov$i" "$d"
  img="$IMAGE@sha256:$d"; [[ $i == 3 ]] && img="$IMAGE:latest"
  "$SIGNET" sign --key "$ECKEY" --policy "$W/policy.yaml" --image "$img" --provenance "$W/prov$i.dsse.json" \
    --out "$W/out$i" --audit-log "$W/audit.log" > /dev/null 2>&1 || true
done
[[ $(wc -l < "$W/audit.log") == 3 ]] || fail "expected 3 audit entries"
expect_exit 0 "log verify FILE (audit log)" "$SIGNET" log verify "$W/audit.log"
grep -q "audit log OK: 3 entries" "$W/out" || fail "audit log verify output: $(cat "$W/out")"

# A broken audit log is refused.
sed '2s/"seq":1/"seq":7/' "$W/audit.log" > "$W/broken.log"
expect_exit 1 "migrate a broken audit log" "$SIGNET" log migrate --audit-log "$W/broken.log" --state-dir "$W/state"
expect_exit 0 "migrate" "$SIGNET" log migrate --audit-log "$W/audit.log" --state-dir "$W/state"
grep -q "migrated 3 audit entries" "$W/out" || fail "migrate output: $(cat "$W/out")"
expect_exit 0 "verify after migrate" "$SIGNET" log verify "$W/state/log" --from "$W/cp0" --json
grep -q '"tree_size": 3' "$W/out" || fail "the log does not hold 3 entries: $(cat "$W/out")"
# The entries are the audit lines, verbatim.
tail -c +3 "$W/state/log/tile/entries/000.p/3" | grep -q '"decision":"allow"' || fail "entries are not the audit lines"
expect_exit 2 "migrate into a non-empty log" "$SIGNET" log migrate --audit-log "$W/audit.log" --state-dir "$W/state"
# A witness over the HSM-signed log.
expect_exit 0 "witness" "$SIGNET" log witness --state "$W/witness" --log "$W/state/log"
expect_exit 2 "witness over a URL" "$SIGNET" log witness --state "$W/witness" --log "https://log.example/log"
# verify options that only apply to a directory.
expect_exit 2 "--from on an audit log" "$SIGNET" log verify "$W/audit.log" --from "$W/cp0"
echo "PASS: log init/verify/migrate/witness on SoftHSM2"
