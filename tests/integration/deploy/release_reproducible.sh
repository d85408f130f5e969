#!/usr/bin/env bash
# Reproducible builds (issue 19): two builds of the same tree, in different directories at
# different times, give bit-identical signet, signerd and verifierd and the same reference values.
# The first is the `release` fixture's scripts/release of a copy of the tree (its own build
# directory, no ccache base_dir); the second is this preset's own build (ci: SIGNET_REPRODUCIBLE,
# RelWithDebInfo, built before the tests ran, with ccache where the developer has it), staged by
# `scripts/release --from-build` exactly as a release is. So CI pays for one extra build, not two.
# On a difference it names the files and shows the first differing strings, which usually name the
# leaking path or stamp. Usage: release_reproducible.sh SOURCE_DIR BUILD_DIR FIRST_RELEASE_DIR
set -euo pipefail
SRC=$1 BUILD=$2 FIRST=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $FIRST/reference.json ]] || fail "no first release in $FIRST (the release fixture did not run)"
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-repro.XXXXXX")
trap 'rm -rf "$W"' EXIT
read -r commit epoch < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["commit"], d["source_date_epoch"])' "$FIRST/reference.json")

# --from-build refuses what it cannot vouch for (exit 2, nothing written).
mkdir "$W/plain"
printf 'CMAKE_BUILD_TYPE:STRING=Release\nSIGNET_REPRODUCIBLE:BOOL=OFF\n' > "$W/plain/CMakeCache.txt"
rc=0; SIGNET_GIT_COMMIT=$commit "$SRC/scripts/release" --from-build "$W/plain" --out "$W/x" 2> /dev/null || rc=$?
[[ $rc == 2 && ! -e $W/x ]] || fail "--from-build of a build that is not reproducible-configured: exit $rc"
rc=0; env -u SIGNET_GIT_COMMIT "$SRC/scripts/release" --from-build "$BUILD" --out "$W/x" 2> /dev/null || rc=$?
[[ $rc == 2 && ! -e $W/x ]] || fail "--from-build without SIGNET_GIT_COMMIT: exit $rc"
rc=0; SIGNET_GIT_COMMIT=000000000000 "$SRC/scripts/release" --from-build "$BUILD" --out "$W/x" 2> /dev/null || rc=$?
[[ $rc == 2 && ! -e $W/x ]] || fail "--from-build naming another commit: exit $rc"

SIGNET_GIT_COMMIT=$commit SOURCE_DATE_EPOCH=$epoch "$SRC/scripts/release" --from-build "$BUILD" --out "$W/out" > "$W/release.log" 2>&1 ||
  { cat "$W/release.log" >&2; fail "scripts/release --from-build $BUILD"; }

bad=0
files=$(cd "$FIRST" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
[[ $files == "$(cd "$W/out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)" ]] || fail "the two releases hold different files"
for f in $files; do
  if cmp -s "$FIRST/$f" "$W/out/$f"; then
    echo "identical: $f ($(sha256sum < "$W/out/$f" | cut -c1-16)...)"
  else
    echo "DIFFERENT: $f" >&2
    bad=1
    if [[ $f == bin/* ]]; then
      diff <(strings -n 8 "$FIRST/$f") <(strings -n 8 "$W/out/$f") | head -20 >&2 || true
    fi
  fi
done
((bad == 0)) || fail "the two builds differ"
# Neither the source tree (the fixture's copy sits under the build directory) nor the build
# directory reached a binary, nor a source path made relative by ccache's base_dir and left
# unmapped (OpenSSL's OPENSSL_free and friends put __FILE__ into our objects: "../../core/src/x.cc").
for f in signet signerd verifierd; do
  if grep -q -a -e "$SRC/" -e "$BUILD/" "$W/out/bin/$f"; then fail "bin/$f names a build or source directory"; fi
  if grep -q -a -E '\.\./[a-z_-]+/(src|include)/[a-z_/-]+\.(cc|h)' "$W/out/bin/$f"; then
    fail "bin/$f names a relative source path: $(grep -a -o -E '(\.\./)+[a-z_-]+/(src|include)/[a-z_/-]+\.(cc|h)' "$W/out/bin/$f" | head -3)"
  fi
done
echo "two builds, two directories: bit-identical"
