#!/usr/bin/env bash
# The `release` fixture (issue 19): scripts/release on a copy of the tree, in another directory
# (BUILD/release/src, built in BUILD/release/build), into BUILD/release/out. It builds the commit
# that this build's `signet --version` names and takes SOURCE_DATE_EPOCH from the tree's history,
# so release_reproducible can require the preset's own binaries to equal it byte for byte, and
# package_install packs it.
# The copy holds the files git knows plus the untracked, unignored ones (what CMake's globs see in
# the tree being tested). Usage: release_build.sh SOURCE_DIR RELEASE_DIR BUILT_SIGNET
set -euo pipefail
SRC=$1 R=$2 SIGNET=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
commit=$("$SIGNET" --version | sed -n 's/^signet [^ ]* (commit \([^)]*\))$/\1/p')
[[ -n $commit ]] || fail "no commit in '$("$SIGNET" --version)'"
epoch=$(git -C "$SRC" log -1 --format=%ct) || fail "no git history in $SRC for SOURCE_DATE_EPOCH"
rm -rf "$R/src" "$R/out" "$R/build.configure.log"
mkdir -p "$R/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2> /dev/null) | tar -xf - -C "$R/src"
start=$(date +%s)
SIGNET_GIT_COMMIT=$commit SOURCE_DATE_EPOCH=$epoch "$R/src/scripts/release" --out "$R/out" --build-dir "$R/build"
echo "release build in $R/build: $(($(date +%s) - start)) s"
