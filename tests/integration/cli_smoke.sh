#!/usr/bin/env bash
# CLI smoke test: --help and --version work, exit codes follow the documented contract.
set -u
SIGNET=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$SIGNET" --help) || fail "--help exited $?"
grep -q "Exit codes" <<<"$out" || fail "--help does not document exit codes"
out=$("$SIGNET" --version) || fail "--version exited $?"
grep -Eq '^signet [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}|unknown\)' <<<"$out" || fail "bad version: $out"
"$SIGNET" version >/dev/null || fail "version subcommand"
"$SIGNET" --no-such-flag >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown flag exited $rc, want 2"
"$SIGNET" no-such-command >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown command exited $rc, want 2"
"$SIGNET" >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "no command exited $rc, want 2"
echo "cli smoke OK"
