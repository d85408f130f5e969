#!/usr/bin/env bash
# Keyring verifier rules end to end through the CLI (issue 17 points 2-4):
#   - ceremony approve signs the transcript head and keyring.json/revocations.json beside it;
#     ceremony verify exits 1 naming who is missing, 0 at the threshold;
#   - verify-image --keyring: an active key verifies; one approval of a threshold-2 keyring is
#     KEYRING_QUORUM_NOT_MET; an edited keyring is refused; a retired key without trusted time is
#     KEY_OUTSIDE_VALIDITY; a revoked key KEY_REVOKED; a stale list REVOCATION_LIST_STALE; a
#     custodian-swapped version 2 KEYRING_CHAIN_BROKEN until the old quorum signs it;
#   - verify-bundle --keyring with a verified log time: accepted inside the window (also for a
#     retired key: old signatures survive rotation), refused outside it and at/after revoked_at.
# usage: keyring_cli.sh SIGNET SHARED_DIR
set -u
signet=$1 shared=$2
fail() { echo "FAIL: $*"; [[ -f $tmp/err ]] && cat "$tmp/err"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

run() { "$signet" "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }
expect() {  # expect RC FINDING-or-empty DESCRIPTION -- args...
  local want=$1 finding=$2 what=$3; shift 4
  local rc; rc=$(run "$@")
  [[ $rc == "$want" ]] || fail "$what: exit $rc, want $want"
  [[ -z $finding ]] || cat "$tmp/err" "$tmp/out" | grep -q "$finding" || fail "$what: no $finding"
}
keyid() { openssl pkey -pubin -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.pem" 2>/dev/null &&
           openssl pkey -in "$1.pem" -pubout -out "$1.pub"; }
for n in alice bob carol dave erin k-active k-retired k-revoked; do newkey "$n" || fail "keygen $n"; done

# keyring.py DIR VERSION THRESHOLD CUSTODIANS KEYSPEC [PREVIOUS]: an unsigned keyring.json.
# KEYSPEC is label:pubfile:not_before:not_after:status:revoked_at[,...].
cat >keyring.py <<'PY'
import json, subprocess, sys
d, version, threshold, custodians, keyspec = sys.argv[1:6]
prev = json.load(open(sys.argv[6])) if len(sys.argv) > 6 else None
def kid(p):
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", p, "-outform", "DER"], capture_output=True, check=True).stdout
    import hashlib; return hashlib.sha256(der).hexdigest()
keys = []
for spec in keyspec.split(","):
    label, pub, nb, na, status, rev = spec.split("|")
    keys.append({"label": label, "purpose": "release", "algorithm": "ecdsa-p256", "key_id": kid(pub),
                 "public_key": open(pub).read(), "token_uri": "pkcs11:token=release;object=" + label,
                 "backup": True, "not_before": nb, "not_after": na, "status": status,
                 "revoked_at": rev, "reason": "compromise" if rev else ""})
doc = {"schema": "signet.keyring/v1", "ceremony": "00112233445566778899aabbccddeeff",
       "version": int(version), "threshold": int(threshold),
       "custodians": [{"name": n, "public_key": open(n + ".pub").read(), "key_id": kid(n + ".pub")}
                      for n in custodians.split(",")],
       "keys": keys, "previous": prev, "signatures": []}
json.dump(doc, open(d + "/keyring.json", "w"), indent=2)
zero = "0" * 64
open(d + "/transcript.jsonl", "w").write(json.dumps(
    {"seq": 1, "time": "2026-01-01T00:00:00Z", "step": "init", "details": {"version": int(version)}, "prev": zero},
    separators=(",", ":")) + "\n")
PY
keys="k-active|k-active.pub|2020-01-01T00:00:00Z||active|,k-retired|k-retired.pub|2020-01-01T00:00:00Z|2021-01-01T00:00:00Z|retired|"
mkdir v1 && python3 keyring.py v1 1 2 alice,bob,carol "$keys" || fail "keyring.py v1"
cat >ceremony.yaml <<'Y'
threshold: 2
custodians:
  - {name: alice, public_key: alice.pub}
  - {name: bob, public_key: bob.pub}
  - {name: carol, public_key: carol.pub}
Y

# Image signatures (cosign simple-signing) by each release key.
image="registry.example/team/app@sha256:$(printf 'a%.0s' {1..64})"
for k in k-active k-retired k-revoked; do
  mkdir "sig-$k"
  printf '{"critical":{"identity":{"docker-reference":"registry.example/team/app"},"image":{"docker-manifest-digest":"sha256:%s"},"type":"cosign container image signature"},"optional":null}' \
    "$(printf 'a%.0s' {1..64})" >"sig-$k/simplesigning.json"
  openssl dgst -sha256 -sign "$k.pem" "sig-$k/simplesigning.json" | base64 -w0 >"sig-$k/simplesigning.sig"
done
vi() { run verify-image --image "$image" "$@"; }

# One approval: the ceremony and the keyring lack their quorum.
expect 0 "" "approve alice" -- ceremony approve --transcript v1/transcript.jsonl --key alice.pem
grep -q '"custodian": "alice"' v1/keyring.json || fail "approve did not sign keyring.json"
expect 1 KEYRING_QUORUM_NOT_MET "ceremony verify with one approval" -- ceremony verify --transcript v1/transcript.jsonl --config ceremony.yaml
grep -q "missing: bob, carol" "$tmp/err" || fail "ceremony verify does not name who is missing"
expect 1 KEYRING_QUORUM_NOT_MET "verify-image, 1 of 2 signatures" -- verify-image --image "$image" --keyring v1/keyring.json --signature sig-k-active
expect 2 "" "approve by a stranger" -- ceremony approve --transcript v1/transcript.jsonl --key dave.pem
expect 0 "" "approve bob" -- ceremony approve --transcript v1/transcript.jsonl --key bob.pem
expect 0 "" "ceremony verify at threshold" -- ceremony verify --transcript v1/transcript.jsonl --config ceremony.yaml

# The verifier rules.
expect 0 "" "active key" -- verify-image --image "$image" --keyring v1/keyring.json --signature sig-k-active
expect 1 KEY_OUTSIDE_VALIDITY "retired key without trusted time" -- verify-image --image "$image" --keyring v1/keyring.json --signature sig-k-retired
expect 1 SIGNATURE_INVALID "a key outside the keyring" -- verify-image --image "$image" --keyring v1/keyring.json --signature sig-k-revoked
expect 2 "" "--key and --keyring" -- verify-image --image "$image" --keyring v1/keyring.json --key k-active.pub --signature sig-k-active
expect 2 "" "malformed keyring" -- verify-image --image "$image" --keyring ceremony.yaml --signature sig-k-active
# An edited keyring: its signatures no longer verify.
sed 's/"not_after": "2021-01-01T00:00:00Z"/"not_after": "2031-01-01T00:00:00Z"/' v1/keyring.json >edited.json
cmp -s edited.json v1/keyring.json && fail "the edit changed nothing"
expect 1 KEYRING_QUORUM_NOT_MET "edited keyring" -- verify-image --image "$image" --keyring edited.json --signature sig-k-retired
# A later step moves the head: a fresh quorum is needed.
printf '{"seq":4,"time":"2026-01-02T00:00:00Z","step":"rotate","details":{},"prev":"%s"}\n' \
  "$(tail -n1 v1/transcript.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)" >>v1/transcript.jsonl
expect 1 KEYRING_QUORUM_NOT_MET "ceremony verify after a new step" -- ceremony verify --transcript v1/transcript.jsonl --config ceremony.yaml
sed -i '2s/"custodian":"alice"/"custodian":"carol"/' v1/transcript.jsonl
expect 1 TRANSCRIPT_CHAIN_BROKEN "edited transcript" -- ceremony verify --transcript v1/transcript.jsonl --config ceremony.yaml
grep -q "line 3" "$tmp/err" || fail "the broken chain does not name line 3"

# Revocation: a key revoked before its signature is refused; a stale list fails closed.
mkdir rv && python3 keyring.py rv 1 2 alice,bob,carol \
  "k-active|k-active.pub|2020-01-01T00:00:00Z||active|,k-revoked|k-revoked.pub|2020-01-01T00:00:00Z||active|" || fail "keyring rv"
now=$(date -u +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
revlist() {  # revlist DIR ISSUED NEXT
  python3 - "$@" <<'PY'
import json, subprocess, sys, hashlib
d, issued, nxt = sys.argv[1:4]
der = subprocess.run(["openssl", "pkey", "-pubin", "-in", "k-revoked.pub", "-outform", "DER"], capture_output=True, check=True).stdout
json.dump({"schema": "signet.revocations/v1", "ceremony": "00112233445566778899aabbccddeeff", "issued": issued,
           "next_update": nxt, "revoked": [{"label": "k-revoked", "key_id": hashlib.sha256(der).hexdigest(),
           "revoked_at": "2021-06-01T00:00:00Z", "reason": "compromise"}], "signatures": []}, open(d + "/revocations.json", "w"), indent=2)
PY
}
revlist rv "$(iso $((now - 3600)))" "$(iso $((now + 86400)))"
for c in alice carol; do expect 0 "" "approve $c (rv)" -- ceremony approve --transcript rv/transcript.jsonl --key "$c.pem"; done
grep -q '"custodian": "carol"' rv/revocations.json || fail "approve did not sign revocations.json"
expect 0 "" "revoked key without the list" -- verify-image --image "$image" --keyring rv/keyring.json --signature sig-k-revoked
expect 1 KEY_REVOKED "revoked key with the list" -- verify-image --image "$image" --keyring rv/keyring.json --revocations rv/revocations.json --signature sig-k-revoked
expect 0 "" "other key with the list" -- verify-image --image "$image" --keyring rv/keyring.json --revocations rv/revocations.json --signature sig-k-active
mkdir stale && cp rv/keyring.json rv/transcript.jsonl stale/ && revlist stale "$(iso $((now - 7200)))" "$(iso $((now - 60)))"
for c in alice bob; do expect 0 "" "approve $c (stale)" -- ceremony approve --transcript stale/transcript.jsonl --key "$c.pem"; done
expect 1 REVOCATION_LIST_STALE "stale list" -- verify-image --image "$image" --keyring stale/keyring.json --revocations stale/revocations.json --signature sig-k-active
cp rv/revocations.json half.json
python3 -c 'import json,sys; d=json.load(open("half.json")); d["signatures"]=d["signatures"][:1]; json.dump(d, open("half.json","w"), indent=2)'
expect 1 KEYRING_QUORUM_NOT_MET "list with one signature" -- verify-image --image "$image" --keyring rv/keyring.json --revocations half.json --signature sig-k-active

# Version 2 with every custodian swapped: refused until the old quorum signs it too.
mkdir v2 && python3 keyring.py v2 2 2 dave,erin "$keys" rv/keyring.json || fail "keyring v2"
for c in dave erin; do expect 0 "" "approve $c (v2)" -- ceremony approve --transcript v2/transcript.jsonl --key "$c.pem"; done
expect 1 KEYRING_CHAIN_BROKEN "custodian-swapped version 2" -- verify-image --image "$image" --keyring v2/keyring.json --signature sig-k-active
expect 0 "" "approve alice (v2, previous custodian)" -- ceremony approve --transcript v2/transcript.jsonl --key alice.pem
expect 1 KEYRING_CHAIN_BROKEN "one previous custodian" -- verify-image --image "$image" --keyring v2/keyring.json --signature sig-k-active
expect 0 "" "approve bob (v2, previous custodian)" -- ceremony approve --transcript v2/transcript.jsonl --key bob.pem
expect 0 "" "handover signed by both quorums" -- verify-image --image "$image" --keyring v2/keyring.json --signature sig-k-active

# verify-bundle: a managed-key bundle whose log entry gives a verified signing time.
mk=$shared/conformance/bundle-verify/managed-key-happy-path
root=$shared/vectors/trust/trusted_root.sigstore-public-good.json
a=$shared/conformance/bundle-verify/a.txt
cp "$mk/key.pub" mk.pub
t=$("$signet" verify-bundle --bundle "$mk/bundle.sigstore.json" --key mk.pub --trusted-root "$root" --json "$a" |
    python3 -c 'import json,sys; print(min(t["time"] for t in json.load(sys.stdin)["signingTimes"]))') || fail "bundle time"
ts=$(date -u -d "$t" +%s) || fail "bundle time $t"
vb() {  # vb NAME STATUS NOT_BEFORE NOT_AFTER REVOKED_AT
  mkdir "$1" && python3 keyring.py "$1" 1 2 alice,bob,carol "mk|mk.pub|$3|$4|$2|$5" || fail "keyring $1"
  for c in alice bob; do expect 0 "" "approve $c ($1)" -- ceremony approve --transcript "$1/transcript.jsonl" --key "$c.pem"; done
}
vb inside retired "$(iso $((ts - 86400)))" "$(iso $((ts + 86400)))" ""
expect 0 "" "retired key, trusted time inside its window" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring inside/keyring.json --trusted-root "$root" "$a"
vb after active "$(iso $((ts + 1)))" "" ""
expect 1 KEY_OUTSIDE_VALIDITY "trusted time before not_before" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring after/keyring.json --trusted-root "$root" "$a"
vb closed retired "$(iso $((ts - 86400)))" "$(iso "$ts")" ""
expect 1 KEY_OUTSIDE_VALIDITY "trusted time at not_after" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring closed/keyring.json --trusted-root "$root" "$a"
vb revoked revoked "$(iso $((ts - 86400)))" "" "$(iso "$ts")"
expect 1 KEY_REVOKED "trusted time at revoked_at" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring revoked/keyring.json --trusted-root "$root" "$a"
vb revoked-later revoked "$(iso $((ts - 86400)))" "" "$(iso $((ts + 1)))"
expect 0 "" "trusted time before revoked_at" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring revoked-later/keyring.json --trusted-root "$root" "$a"
expect 2 "" "--keyring with --key" -- verify-bundle --bundle "$mk/bundle.sigstore.json" --keyring inside/keyring.json --key mk.pub --trusted-root "$root" "$a"
echo "keyring CLI OK"
