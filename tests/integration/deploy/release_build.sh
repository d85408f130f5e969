#!/usr/bin/env bash
# The `release` fixture (issue 19): scripts/release on a copy of the tree, in another directory
# (BUILD/release/src, built in BUILD/release/src/build/ci), into BUILD/release/out. It builds
# the commit that this build's `signet --version` names and takes SOURCE_DATE_EPOCH from the
# tree's history, so release_reproducible can require the preset's own binaries to equal it byte
# for byte, and package_install and verifierd_image use it.
# The copy holds the files git knows plus the untracked, unignored ones (what CMake's globs see in
# the tree being tested). Its build directory is build/ci in the copy, where the preset's is in the
# tree: where ccache runs with base_dir (developers' machines) the compile commands, made relative,
# and the working directory ccache hashes (after the prefix maps) are then the preset's, and every
# compile is a cache hit, so a developer's run costs little more than
# the links; CI has no ccache and compiles everything, which is the run that proves it.
# Usage: release_build.sh SOURCE_DIR RELEASE_DIR BUILT_SIGNET
set -euo pipefail
SRC=$1 R=$2 SIGNET=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
commit=$("$SIGNET" --version | sed -n 's/^signet [^ ]* (commit \([^)]*\))$/\1/p')
[[ -n $commit ]] || fail "no commit in '$("$SIGNET" --version)'"
epoch=$(git -C "$SRC" log -1 --format=%ct) || fail "no git history in $SRC for SOURCE_DATE_EPOCH"
rm -rf "$R/src" "$R/out"
mkdir -p "$R/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2> /dev/null) | tar -xf - -C "$R/src"
start=$(date +%s)
SIGNET_GIT_COMMIT=$commit SOURCE_DATE_EPOCH=$epoch "$R/src/scripts/release" --out "$R/out" --build-dir "$R/src/build/ci"
echo "release build in $R/src/build/ci: $(($(date +%s) - start)) s"
