#!/usr/bin/env bash
# Full disk (issue 19 part 6): the state directory (and --out) on a 1 MiB tmpfs, mounted in a
# private mount namespace (unshare -m) so nothing outlives the test. The disk is filled to every
# level of free space from 0 to 64 KiB, so that each write of a signing (tiles, log-state, the
# checkpoint, the output set, an audit line) runs out of space in some round:
#  1. `signet sign --state-dir` exits 0 (a complete output set that verifies) or 3 (no --out, no
#     staging directory); no temporary file stays; `signet log verify` passes after every round
#     and the tree never shrinks; with space again signing works and the log verifies.
#  2. signerd on the same state directory: /v1/sign answers 200 or 503 LOG_UNAVAILABLE with
#     Retry-After; the log verifies after every round; with space again the same process signs.
#  3. signerd on a hash-chained state_dir/audit.log: signing on a full disk until an append
#     fails part-way; the log never holds a torn line (`signet log verify`), the same process
#     signs again once there is space, and every signature received has its entry.
# Needs root (mount). usage: full_disk.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR
set -euo pipefail
if [[ -z ${SIGNET_FAULTS_UNSHARED:-} ]]; then
  [[ $(id -u) == 0 ]] || { echo "FAIL: the full-disk test mounts a tmpfs and needs root"; exit 1; }
  exec env SIGNET_FAULTS_UNSHARED=1 unshare -m --propagation private -- "$0" "$@"
fi
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-faults-disk-XXXXXX")
source "$(dirname "$0")/lib.sh"
FS=$W/fs
mkdir "$FS"
mount -t tmpfs -o size=1m,mode=0755 signet-faults "$FS"
trap 'for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done; umount -l "$FS"; rm -rf "$W"' EXIT

make_tls
make_key "faults-disk-$$"
make_builder
make_policy
D=$(printf 'faults full disk %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
STATE=$FS/state
mkdir "$STATE"
init_state "$STATE" "faults-disk-$$"
LEVELS=(0 0 4 8 12 16 20 24 28 32 40 48 56 64)

# 1. The CLI.
cli_sign() {  # cli_sign OUT: the exit code of one signing into STATE
  local rc=0
  "$SIGNET" sign --key "$KEY&pin-source=$W/pin" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
    --provenance "$W/prov.dsse.json" --out "$1" --state-dir "$STATE" > "$W/cli.out" 2> "$W/cli.err" || rc=$?
  echo "$rc"
}
check_outputs() {  # check_outputs DIR: a whole output set that verifies
  for f in simplesigning.json simplesigning.sig image.sigstore.json vsa.sigstore.json decision.json; do
    [[ -s $1/$f ]] || fail "$1/$f missing or empty"
  done
  "$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$1" > /dev/null ||
    fail "the outputs in $1 do not verify"
}
[[ $(cli_sign "$FS/out-first") == 0 ]] || fail "sign with space: $(cat "$W/cli.err")"
check_outputs "$FS/out-first"
size=$(log_size "$STATE")
refused=0 signed=0
for i in "${!LEVELS[@]}"; do
  free_disk "$FS"; fill_disk "$FS" "${LEVELS[$i]}"
  out=$FS/out-$i
  rc=$(cli_sign "$out")
  case $rc in
    0) check_outputs "$out"; signed=$((signed + 1)) ;;
    3) [[ ! -e $out ]] || fail "exit 3 left $out"; refused=$((refused + 1)) ;;
    *) fail "sign on a full disk (${LEVELS[$i]} KiB free) exited $rc: $(cat "$W/cli.err")" ;;
  esac
  [[ -z $(leftovers "$FS") ]] || fail "temporary files left (${LEVELS[$i]} KiB free): $(leftovers "$FS")"
  now=$(log_size "$STATE")
  (( now >= size )) || fail "the log shrank from $size to $now"
  size=$now
done
(( refused > 0 )) || fail "no round ran out of space"
free_disk "$FS"
rm -rf "$FS"/out-*
[[ $(cli_sign "$FS/out-after") == 0 ]] || fail "sign after freeing space: $(cat "$W/cli.err")"
check_outputs "$FS/out-after"
(( $(log_size "$STATE") > size )) || fail "the log did not grow after freeing space"
pass "signet sign --state-dir: exit 3 and nothing half-written on a full disk; the log verifies; signs again with space"

# 2. signerd on the transparency log.
write_config "$W/signerd.yaml" "$STATE"
start_signerd "$W/signerd.yaml" "$W/signerd.log"
body "$W/allow.json" "$D"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r0") == 200 ]] || fail "signerd with space: $(cat "$W/r0")"
size=$(log_size "$STATE")
unavailable=0
for i in "${!LEVELS[@]}"; do
  free_disk "$FS"; fill_disk "$FS" "${LEVELS[$i]}"
  s=$(sign_as pipeline-a "$W/allow.json" "$W/r$i")
  case $s in
    200) [[ $(json "$W/r$i" 'j["decision"]["allowed"]') == True ]] || fail "200 without an allow" ;;
    503) grep -q LOG_UNAVAILABLE "$W/r$i" || fail "503 body: $(cat "$W/r$i")"
         grep -qi '^Retry-After: [1-9]' "$W/r$i.h" || fail "503 without Retry-After"
         unavailable=$((unavailable + 1)) ;;
    *) fail "/v1/sign on a full disk (${LEVELS[$i]} KiB free) answered $s: $(cat "$W/r$i")" ;;
  esac
  now=$(log_size "$STATE")
  (( now >= size )) || fail "the log shrank from $size to $now"
  size=$now
done
(( unavailable > 0 )) || fail "signerd never ran out of space"
free_disk "$FS"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r-after") == 200 ]] || fail "signerd after freeing space: $(cat "$W/r-after")"
kill -0 "$PID" || fail "signerd is not the same process"
(( $(log_size "$STATE") > size )) || fail "the log did not grow after freeing space"
pass "signerd (transparency log): 503 LOG_UNAVAILABLE on a full disk, the log verifies, signs again with space ($unavailable refusals)"
kill "$PID"; wait "$PID" || fail "signerd did not exit 0 on SIGTERM"

# 3. signerd on a hash-chained audit log.
mkdir "$FS/chain"
write_config "$W/chain.yaml" "$FS/chain"
start_signerd "$W/chain.yaml" "$W/chain.log"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/c-first") == 200 ]] || fail "signerd (audit log) with space"
free_disk "$FS"; fill_disk "$FS" 0
got503=""
for i in $(seq 60); do
  s=$(sign_as pipeline-a "$W/allow.json" "$W/c$i")
  "$SIGNET" log verify "$FS/chain/audit.log" > "$W/chain.verify" 2>&1 ||
    fail "the audit log does not verify after a full-disk append: $(cat "$W/chain.verify")"
  if [[ $s == 503 ]]; then
    grep -q LOG_UNAVAILABLE "$W/c$i" || fail "503 body: $(cat "$W/c$i")"
    got503=1; break
  fi
  [[ $s == 200 ]] || fail "/v1/sign (audit log, full disk) answered $s: $(cat "$W/c$i")"
done
[[ -n $got503 ]] || fail "60 signings never filled the last page of the audit log"
free_disk "$FS"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/c-after") == 200 ]] || fail "signerd (audit log) after freeing space: $(cat "$W/c-after")"
"$SIGNET" log verify "$FS/chain/audit.log" > /dev/null || fail "log verify after recovery"
answers=("$W/c-first" "$W/c-after")
for i in $(seq 60); do [[ -f $W/c$i ]] && answers+=("$W/c$i"); done
python3 "$SRC/tests/integration/signerd/check_released.py" "$FS/chain/audit.log" "${answers[@]}" > /dev/null ||
  fail "a received signature has no entry"
pass "signerd (audit log): no torn line on a full disk, signs again with space, every released signature logged"
echo "faults full disk OK"
