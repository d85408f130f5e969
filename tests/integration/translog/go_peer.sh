#!/usr/bin/env bash
# The log checked by Go's golang.org/x/mod/sumdb (tlog + note), built offline from Debian's
# golang-golang-x-mod-dev, at sizes that cross tile boundaries (1, 256, 257, 700, 65,600: a
# level-2 tile), with Signet's inclusion and consistency proofs; then each tampering (a tile
# byte, an entry, the checkpoint, a rollback, a fork the witness saw) is detected by
# `signet log verify` / `signet log witness`, and by the Go checker where it applies.
# usage: go_peer.sh TLOG_TOOL SIGNET GO_SRC_DIR BUILD_DIR
set -euo pipefail
TOOL=$1 SIGNET=$2 GOSRC=$3 BUILD=$4
command -v go >/dev/null || { echo "FAIL: go is missing: run scripts/setup (golang-go golang-golang-x-mod-dev)"; exit 1; }
[[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]] || { echo "FAIL: golang-golang-x-mod-dev is missing: run scripts/setup"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-tlog-go-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
CHECK=$BUILD/tlogcheck
(cd "$GOSRC" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$W/gocache" go build -o "$CHECK" .) \
  || fail "building the Go checker"

openssl genpkey -algorithm ed25519 -out "$W/log.key" 2>/dev/null
mkdir "$W/state"
VKEY=$("$TOOL" init "$W/state" log.example "$W/log.key")
LOG=$W/state/log
echo "verifier key: $VKEY"
go_ok() { "$CHECK" -log "$LOG" -vkey "$VKEY" "$@" || fail "the Go checker refused the log at size $size"; }
size=0
for target in 1 256 257 700 65600; do
  "$TOOL" append "$W/state" "$W/log.key" $((target - size)) "e$target" 4096 > /dev/null
  size=$target
  "$TOOL" proofs "$W/state" "$W/proofs.json"
  go_ok -proofs "$W/proofs.json"
  "$SIGNET" log verify "$LOG" > /dev/null || fail "signet log verify refused the log at size $size"
  cp "$LOG/checkpoint" "$W/cp.$size"
  [[ $size == 257 ]] && cp -r "$LOG" "$W/snap257"
  if [[ $size == 700 ]]; then  # the witness sees the log at 700
    "$SIGNET" log witness --state "$W/witness" --log "$LOG" > "$W/cosigned" || fail "the witness refused a good log"
  fi
done
"$SIGNET" log verify "$LOG" --from "$W/cp.257" | grep -q "consistent with the checkpoint of size 257" \
  || fail "--from did not prove consistency"

# expect_refused WHAT: both signet log verify (exit 1) and the Go checker refuse.
expect_refused() {
  local rc=0
  "$SIGNET" log verify "$LOG" > "$W/out" 2>&1 || rc=$?
  [[ $rc == 1 ]] || { cat "$W/out"; fail "signet log verify did not refuse $1 (exit $rc)"; }
  if "$CHECK" -log "$LOG" -vkey "$VKEY" > /dev/null 2>&1; then fail "the Go checker did not refuse $1"; fi
  echo "refused: $1 ($(tail -1 "$W/out"))"
}
flip() {  # flip FILE OFFSET: xor one byte with 1
  local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
for f in tile/0/000 tile/1/000 tile/2/000.p/1 tile/0/256.p/64 tile/entries/100 tile/entries/256.p/64 checkpoint; do
  [[ -f $LOG/$f ]] || fail "no $f in the log"
  cp "$LOG/$f" "$W/saved"
  flip "$LOG/$f" 7
  expect_refused "a flipped byte in $f"
  cp "$W/saved" "$LOG/$f"
done
"$SIGNET" log verify "$LOG" > /dev/null || fail "the restored log does not verify"

# The witness saw the log at 700: it refuses a rollback and a fork, then accepts the real log.
grep -q "^— signet-witness " "$W/cosigned" || fail "no cosignature line"
# Rollback: the log served as it was at size 257 (a snapshot of the directory then).
mkdir -p "$W/rollback"; cp "$W/state/appliance.yaml" "$W/rollback/"; cp -r "$W/snap257" "$W/rollback/log"
"$SIGNET" log verify "$W/rollback/log" > /dev/null || fail "the snapshot at 257 does not verify on its own"
rc=0; "$SIGNET" log witness --state "$W/witness" --log "$W/rollback/log" > "$W/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || { cat "$W/out"; fail "the witness did not refuse a rollback (exit $rc)"; }
grep -q TLOG_ROLLBACK "$W/out" || fail "rollback refused for another reason: $(cat "$W/out")"
rc=0; "$SIGNET" log verify "$W/rollback/log" --from "$W/cp.700" > "$W/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "log verify --from did not refuse a rollback (exit $rc)"
# Fork: the same key signs another history, larger than what the witness saw.
mkdir "$W/fork"
"$TOOL" init "$W/fork" log.example "$W/log.key" > /dev/null
"$TOOL" append "$W/fork" "$W/log.key" 800 fork 4096 > /dev/null
"$CHECK" -log "$W/fork/log" -vkey "$VKEY" > /dev/null || fail "the fork itself is a well-formed log for Go"
rc=0; "$SIGNET" log witness --state "$W/witness" --log "$W/fork/log" > "$W/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || { cat "$W/out"; fail "the witness did not refuse a fork (exit $rc)"; }
grep -q CONSISTENCY_PROOF_INVALID "$W/out" || fail "fork refused for another reason: $(cat "$W/out")"
rc=0; "$SIGNET" log verify "$W/fork/log" --from "$W/cosigned" > "$W/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "log verify --from did not refuse a fork (exit $rc)"
# The witness accepts the real log, grown from 700; Go's note package accepts the cosigned note
# (it ignores the cosignature line, from a key it does not know).
"$SIGNET" log witness --state "$W/witness" --log "$LOG" --json > "$W/out" || fail "the witness refused the grown log"
grep -q '"previous_size": 700' "$W/out" || fail "the witness did not accept the grown log: $(cat "$W/out")"
cp "$W/witness/checkpoint" "$LOG/checkpoint"
"$CHECK" -log "$LOG" -vkey "$VKEY" > /dev/null || fail "Go refuses the cosigned checkpoint"
echo "PASS: Go peer checks, tampering and witness"
