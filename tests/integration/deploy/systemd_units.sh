#!/usr/bin/env bash
# The units in deploy/systemd/ score "OK" (exposure <= 2.0) in `systemd-analyze security
# --offline=yes`, start their daemon through `signet launch`, and carry the issue's hardening list.
# (`systemd-analyze verify` needs the binaries the units name: the package test runs it on the
# installed units.) Usage: systemd_units.sh SOURCE_DIR
set -euo pipefail
SRC=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze > /dev/null || fail "systemd-analyze is missing (Debian package systemd)"

for unit in signerd verifierd; do
  f=$SRC/deploy/systemd/$unit.service
  [[ -f $f ]] || fail "$f is missing"
  out=$(systemd-analyze security --offline=yes --no-pager "$f" 2>&1) || fail "$unit: systemd-analyze security failed: $out"
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<< "$out")
  [[ -n $score ]] || fail "$unit: no exposure level in: $out"
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "$unit: exposure $score > 2.0: $(grep '✗' <<< "$out")"
  grep -q "OK" <<< "$(tail -1 <<< "$out")" || fail "$unit: not rated OK: $(tail -1 <<< "$out")"
  echo "$unit.service: exposure $score OK"

  # The issue's list, each line exactly (a unit that loses one fails here even if the score holds).
  for want in 'User=signet' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
    'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    'SystemCallFilter=@system-service' 'CapabilityBoundingSet=' 'DevicePolicy=closed' 'DeviceAllow=/dev/tpmrm0 rw'; do
    grep -qxF -- "$want" "$f" || fail "$unit: no line '$want'"
  done
  # Only the TPM resource manager is allowed.
  [[ $(grep -c '^DeviceAllow=' "$f") == 1 ]] || fail "$unit: a DeviceAllow= besides /dev/tpmrm0"
  # The daemon is started by the measured launch, which measures the binary it then runs.
  exec_line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$f" | tr -d '\\\n')
  grep -q "^ExecStart=/usr/bin/signet launch " <<< "$exec_line" || fail "$unit: ExecStart is not signet launch"
  grep -q -- "--measure binary=/usr/bin/$unit " <<< "$exec_line" || fail "$unit: does not measure /usr/bin/$unit"
  grep -q -- "-- /usr/bin/$unit --config /etc/signet/$unit.yaml" <<< "$exec_line" || fail "$unit: does not run /usr/bin/$unit"
done
# signerd's PIN arrives as a credential, and its config names that credential.
grep -qx 'LoadCredential=signerd-pin:/etc/signet/credentials/signerd-pin' "$SRC/deploy/systemd/signerd.service" ||
  fail "signerd: no LoadCredential= for the PIN"
grep -qx 'pin_credential: signerd-pin' "$SRC/deploy/config/signerd.yaml" || fail "signerd.yaml does not use the credential"

# Negative: a unit without the hardening is refused by the same check.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[Service]\nExecStart=/usr/bin/true\n' > "$tmp/bare.service"
out=$(systemd-analyze security --offline=yes --no-pager "$tmp/bare.service" 2>&1 || true)
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<< "$out")
awk -v s="$score" 'BEGIN { exit !(s > 2.0) }' || fail "an unhardened unit scored $score: the check proves nothing"
echo "an unhardened unit scores $score (refused)"
