#!/usr/bin/env bash
# CLI smoke test: --help and --version work, exit codes follow the documented contract.
set -u
SIGNET=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$SIGNET" --help) || fail "--help exited $?"
grep -q "Exit codes" <<<"$out" || fail "--help does not document exit codes"
# version_ok accepts exactly "signet X.Y.Z (commit <12 hex>|unknown)" on the first line. The
# alternation is grouped: an ungrouped `…{12}|unknown\)` once accepted any text containing "unknown)".
version_ok() { head -n1 <<<"$1" | grep -Eqx 'signet [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}|unknown)\)'; }
# The checker itself must refuse near misses, or the check below proves nothing.
for bad in "garbage unknown)" "signet 0.1.0 (commit unknown) trailing" "signet 0.1 (commit 0123456789ab)" \
           "signet 0.1.0 (commit 0123456789a)" "xsignet 0.1.0 (commit unknown)"; do
  if version_ok "$bad"; then fail "version check accepts '$bad'"; fi
done
version_ok "signet 0.1.0 (commit 0123456789ab)" || fail "version check refuses a good line"
version_ok "signet 0.1.0 (commit unknown)" || fail "version check refuses a build without git"
out=$("$SIGNET" --version) || fail "--version exited $?"
version_ok "$out" || fail "bad version: $out"
"$SIGNET" version >/dev/null || fail "version subcommand"
"$SIGNET" --no-such-flag >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown flag exited $rc, want 2"
"$SIGNET" no-such-command >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown command exited $rc, want 2"
"$SIGNET" >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "no command exited $rc, want 2"
echo "cli smoke OK"
