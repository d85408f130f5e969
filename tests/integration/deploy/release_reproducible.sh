#!/usr/bin/env bash
# Reproducible builds (issue 19): a second `scripts/release` of the same tree, copied to another
# directory and built in another build directory, later, without ccache, gives bit-identical
# signet, signerd and verifierd, and the same reference values, as the first (the `release`
# fixture's build, reused so CI pays for one extra build only). On a difference it names the
# files and shows the first differing strings, which usually name the leaking path or stamp.
# Usage: release_reproducible.sh SOURCE_DIR FIRST_RELEASE_DIR
set -euo pipefail
SRC=$1 FIRST=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $FIRST/reference.json ]] || fail "no first release in $FIRST (the release fixture did not run)"
W=$(mktemp -d /tmp/signet-repro.XXXXXX)
trap 'rm -rf "$W"' EXIT

# The same inputs: the tracked files as they are now (no .git: the commit and SOURCE_DATE_EPOCH
# come from the first release, as a rebuilder takes them from the published reference.json).
mkdir "$W/src-elsewhere"
(cd "$SRC" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$W/src-elsewhere"
read -r commit epoch < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["commit"], d["source_date_epoch"])' "$FIRST/reference.json")

start=$(date +%s)
CCACHE_DISABLE=1 SIGNET_GIT_COMMIT=$commit SOURCE_DATE_EPOCH=$epoch \
  "$W/src-elsewhere/scripts/release" --out "$W/out" --build-dir "$W/build-elsewhere" > "$W/release.log" 2>&1 ||
  { tail -50 "$W/release.log" >&2; fail "the second release build failed"; }
echo "second release build: $(($(date +%s) - start)) s"

bad=0
for f in bin/signet bin/signerd bin/verifierd reference-signerd.json reference-verifierd.json reference.json SHA256SUMS; do
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
# The source and build directories reached neither binary.
for f in signet signerd verifierd; do
  if grep -q -a -e "$W" -e "$SRC/" "$W/out/bin/$f"; then fail "bin/$f names a build or source directory"; fi
done
echo "two builds, two directories: bit-identical"
