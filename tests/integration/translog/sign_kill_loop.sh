#!/usr/bin/env bash
# Crash safety of `signet sign --state-dir` (issue 16): signet sign is SIGKILLed at a random point,
# ROUNDS times, while it signs into the state directory's transparency log. After each round:
#  - `signet log verify DIR/log --from PREV` passes: the log verifies and its checkpoint is
#    consistent with the previous round's;
#  - every output set is whole or absent.
# At the end, every released signature has an entry covered by a checkpoint:
#  - @sigstore/verify accepts each released image/vsa bundle against the exported trusted root
#    (its inclusion proof leads to a checkpoint the log key signed), and
#  - `signet log verify DIR/log --from <that bundle's checkpoint>` proves the final log contains
#    the tree that checkpoint covers; the simple-signing signature's hashedrekord entry is in the
#    entry bundles.
# usage: sign_kill_loop.sh FIXTURE_DIR SIGNET SOURCE_DIR [ROUNDS]
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3 ROUNDS=${4:-50}
set -a; source "$FIX/softhsm/env"; source "$FIX/sigstore-js/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-sign-kill-XXXXXX")
pid=""
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "FAIL: round ${round:-setup}: $*"; exit 1; }

# SoftHSM2's file store is not crash-safe (see tests/integration/signing/kill_loop.sh): work on a
# private copy of the token, restored before every round.
cp -a "$(dirname "$SOFTHSM2_CONF")/tokens" "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF=$W/softhsm2.conf
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
obj() { echo "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$1;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"; }
label="sign-kill-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" --type ecdsa-p256 > /dev/null
"$SIGNET" key generate --token "$TOKEN" --label "$label-log" --type ed25519 > /dev/null
KEY=$(obj "$label")
"$SIGNET" key export --key "$KEY" --format pem > "$W/release.pub"
cp -a "$W/tokens" "$W/tokens-pristine"
restore_token() { rm -rf "$W/tokens"; cp -a "$W/tokens-pristine" "$W/tokens"; }
"$SIGNET" log init --state-dir "$W/state" --origin log.example --log-key "$(obj "$label-log")" > /dev/null
cp "$W/state/log/checkpoint" "$W/prev"

source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy
digest() { printf 'sign kill loop %s %s' "$$" "$1" | sha256sum | cut -d' ' -f1; }
sign() {  # sign I   (exec: in a background subshell, $! is then signet itself)
  exec "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$(digest "$1")" \
    --provenance "$W/prov$1.dsse.json" --out "$W/out$1" --state-dir "$W/state" > /dev/null 2>&1
}
# The span of one unkilled signing (at least 40 ms) bounds the kill delays: crashes anywhere
# from start-up (key and log recovery) to the outputs.
make_provenance prov0 "$(digest 0)"
t0=$(date +%s%N)
(sign 0) || fail "the unkilled signing failed"
span_ms=$(( ($(date +%s%N) - t0) * 5 / 4 / 1000000 ))
((span_ms >= 40)) || span_ms=40
"$SIGNET" log verify "$W/state/log" --from "$W/prev" > /dev/null || fail "log verify after the first signing"
cp "$W/state/log/checkpoint" "$W/prev"
killed=0
for round in $(seq 1 "$ROUNDS"); do
  make_provenance "prov$round" "$(digest "$round")"
  restore_token
  ms=$((RANDOM % (span_ms + 1)))
  sign "$round" & pid=$!
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  pid=""
  ((rc == 137)) && killed=$((killed + 1))
  "$SIGNET" log verify "$W/state/log" --from "$W/prev" > "$W/verify" 2>&1 || { cat "$W/verify"; fail "log verify --from the previous checkpoint"; }
  cp "$W/state/log/checkpoint" "$W/prev"
  if [[ -e $W/out$round ]]; then
    set -- $(cd "$W/out$round" && LC_ALL=C ls -A)
    [[ "$*" == "decision.json image.sigstore.json simplesigning.json simplesigning.sig vsa.sigstore.json" ]] \
      || fail "a partial or mixed output set: $*"
  fi
done
round=final
((killed > 0)) || fail "no round killed a signing"
"$SIGNET" trust export --state-dir "$W/state" --out "$W/root.json" > /dev/null 2>&1 || fail "trust export"
# Every released bundle: @sigstore/verify, and its checkpoint is a prefix of the final log.
NODE_PATH=$SIGNET_TEST_NODE_PATH node -e '
  const fs = require("fs"), crypto = require("crypto");
  const { Verifier, toSignedEntity, toTrustMaterial } = require("@sigstore/verify");
  const { bundleFromJSON } = require("@sigstore/bundle");
  const { TrustedRoot } = require("@sigstore/protobuf-specs");
  const [dir, rounds] = [process.argv[1], Number(process.argv[2])];
  const key = crypto.createPublicKey(fs.readFileSync(dir + "/release.pub"));
  const finder = () => ({ publicKey: key, validFor: () => true });
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(dir + "/root.json", "utf8")));
  const v = new Verifier(toTrustMaterial(root, finder), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 });
  let n = 0;
  for (let i = 0; i <= rounds; i++) {
    for (const b of ["image", "vsa"]) {
      const p = `${dir}/out${i}/${b}.sigstore.json`;
      if (!fs.existsSync(p)) continue;
      const json = JSON.parse(fs.readFileSync(p, "utf8"));
      v.verify(toSignedEntity(bundleFromJSON(json)));
      fs.writeFileSync(`${dir}/cp.${i}.${b}`, json.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope);
      n++;
    }
  }
  console.log(n);' "$W" "$ROUNDS" > "$W/node.out" 2>&1 || { cat "$W/node.out"; fail "@sigstore/verify refuses a released bundle"; }
released=0
for cp in "$W"/cp.*; do
  [[ -e $cp ]] || continue
  "$SIGNET" log verify "$W/state/log" --from "$cp" > "$W/verify" 2>&1 || { cat "$W/verify"; fail "the log does not contain the checkpoint of $(basename "$cp")"; }
  released=$((released + 1))
done
# The simple-signing signatures: each released one has its hashedrekord entry in the log.
for i in $(seq 0 "$ROUNDS"); do
  [[ -e $W/out$i ]] || continue
  sig=$(tr -d '\n' < "$W/out$i/simplesigning.sig")
  grep -rqF "\"content\":\"$sig\"" "$W/state/log/tile/entries" || fail "round $i: simplesigning.sig has no log entry"
done
echo "PASS: $ROUNDS rounds, $killed killed, $released released bundles verified and covered by the final log"
