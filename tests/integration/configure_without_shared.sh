#!/usr/bin/env bash
# Configuring the tests without the shared evidence folder must fail at once and name what is
# missing (a build whose vector tests silently find nothing would pass while testing nothing).
# usage: configure_without_shared.sh SOURCE_DIR
set -u
SRC=$1
fail() { echo "FAIL: $*"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-noshared-XXXXXX")
trap 'rm -rf "$W"' EXIT
out=$(cmake -S "$SRC" -B "$W/build" -G Ninja -DSIGNET_SHARED_DIR="$W/no-shared" 2>&1); rc=$?
[[ $rc != 0 ]] || fail "configure without ../shared succeeded"
grep -q "Signet's tests need the shared evidence folder" <<<"$out" || fail "no explanation: $out"
grep -q "$W/no-shared/vectors" <<<"$out" || fail "the missing vectors folder is not named: $out"
grep -q "$W/no-shared/conformance/bundle-verify" <<<"$out" || fail "the missing conformance folder is not named: $out"
# It fails before looking for libraries: nothing under the build dir but CMake's own files.
grep -q "Could NOT find\|Found OpenSSL" <<<"$out" && fail "configure got as far as find_package: $out"
# Without tests it configures.
cmake -S "$SRC" -B "$W/build2" -G Ninja -DSIGNET_SHARED_DIR="$W/no-shared" -DBUILD_TESTING=OFF >/dev/null 2>&1 \
  || fail "configure with -DBUILD_TESTING=OFF and no shared folder failed"
echo "configure without shared OK"
