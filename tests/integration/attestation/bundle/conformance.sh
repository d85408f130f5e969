#!/usr/bin/env bash
# Runs the sigstore-conformance bundle-verify suite (../shared/conformance/run) against
# `signet verify-bundle`: 70 cases x 2 input forms (path, sha256: digest). All 140 must pass.
# usage: conformance.sh SIGNET SHARED_DIR
set -u
signet=$1 shared=$2
runner=$shared/conformance/run
[[ -x $runner || -f $runner ]] || { echo "FAIL: no conformance runner at $runner"; exit 1; }
out=$(cd "$shared/conformance" && bash ./run "$signet" bundle-verify ../vectors/trust/trusted_root.sigstore-public-good.json)
echo "$out"
summary=$(tail -n 1 <<<"$out")
if [[ $summary != "140 passed, 0 failed" ]]; then
  echo "FAIL: conformance: $summary (want 140 passed, 0 failed)"
  exit 1
fi
echo "conformance OK"
