#!/usr/bin/env bash
# signerd with a transparency log in its state_dir (issue 16: signerd's state_dir is the directory
# `signet log init` made): the records and each released signature are entries of state_dir/log,
# the bundles signerd returns carry their entry, and @sigstore/verify accepts them against the
# root `signet trust export` writes (tlogThreshold 1); a deny is one entry; `signet log verify`.
# usage: signerd_state_dir.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signerd-state-XXXXXX")
source "$(dirname "$0")/lib.sh"

make_tls
make_key "signerd-state-$$"
make_builder
make_policy
D=$(printf 'signerd state image %s' "$$" | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'signerd state other %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
STATE=$W/state
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$SIGNET" key generate --token "$TOKEN" --label "signerd-state-log-$$" --type ed25519 > /dev/null
LOGKEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=signerd-state-log-$$;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$SIGNET" log init --state-dir "$STATE" --origin log.example --log-key "$LOGKEY" > /dev/null || fail "log init"
cp "$STATE/log/checkpoint" "$W/cp0"
write_config "$W/good.yaml" "$STATE" "$KEY" 50
start_signerd "$W/good.yaml" "$W/signerd.log"
grep -q "logging into the transparency log" "$W/signerd.log" || fail "signerd did not open the transparency log"

body "$W/allow.json" "$D"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r1") == 200 ]] || fail "allowed sign: $(cat "$W/r1" "$W/r1.err")"
mkdir "$W/out"
for f in image.sigstore.json vsa.sigstore.json; do json "$W/r1" "j['outputs']['$f']" | base64 -d > "$W/out/$f"; done
"$SIGNET" trust export --state-dir "$STATE" --out "$W/root.json" 2> /dev/null || fail "trust export"
for b in image vsa; do
  NODE_PATH=$SIGNET_TEST_NODE_PATH node "$SRC/tests/integration/interop/sigstore_verify_root.js" "$W/out/$b.sigstore.json" \
    "$W/release.pub" "$W/root.json" 1 0 > "$W/js.out" 2>&1 || fail "@sigstore/verify refuses $b.sigstore.json: $(cat "$W/js.out")"
done
pass "signerd's bundles carry their log entries; @sigstore/verify accepts them with tlogThreshold 1"

body "$W/deny.json" "$OTHER"
[[ $(sign_as pipeline-a "$W/deny.json" "$W/r2") == 200 ]] || fail "deny: $(cat "$W/r2")"
"$SIGNET" log verify "$STATE/log" --from "$W/cp0" --json > "$W/verify.json" || fail "log verify: $(cat "$W/verify.json")"
grep -q '"tree_size": 5' "$W/verify.json" || fail "the log does not hold 4 + 1 entries: $(cat "$W/verify.json")"
grep -q '"name":"signerd-caller:pipeline-a"' "$STATE/log/tile/entries/000.p/5" || fail "the records do not name the caller"
pass "a deny is one entry; the log verifies and is consistent with its first checkpoint"
echo "signerd state_dir OK"
