#!/usr/bin/env bash
# The full key ceremony on SoftHSM2 with three custodians and threshold 2 (issue 17 "Tests"):
#  - `ceremony init` (its refusals leave nothing on the token or in --out), approvals, `ceremony
#    verify` (one approval is not enough and names who is missing);
#  - sign an image, `key rotate`, sign another; both verify with `verify-image --keyring`, and
#    verifierd (the real daemon, policy release_signers: [keyring.json] with the state dir's
#    trusted root) admits both, the first judged at its trusted TSA/log time inside the old key's
#    window; after the revocation it refuses the first with KEY_REVOKED;
#  - a keyring edited after approval is refused;
#  - `key revoke` of the first key effective before its signature: that signature is refused;
#  - the token is deleted and restored into a fresh one with two shares: the restored key's
#    signature verifies under the original public key; one share is not enough (exit 2, nothing
#    created); a flipped byte in a share is refused (exit 1).
# Its own SoftHSM2 tokens (the SO PIN is needed), in a temp dir; every file under $W.
# usage: ceremony_e2e.sh FIXTURE_DIR SIGNET SOURCE_DIR VERIFIERD
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3 VERIFIERD=$4
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-ceremony-e2e-XXXXXX")
VPID=""
trap '[[ -n $VPID ]] && { kill "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null; }; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { local want=$1; shift; set +e; "$@" > "$W/last.out" 2> "$W/last.err"; local rc=$?; set -e
  [[ $rc == "$want" ]] || { cat "$W/last.out" "$W/last.err"; fail "'$*' exited $rc, want $want"; }; }

# A private SoftHSM2 store: this test deletes its token.
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF=$W/softhsm2.conf
umask 077
od -An -N8 -tx1 /dev/urandom | tr -d ' \n' > "$W/so.pin"
od -An -N8 -tx1 /dev/urandom | tr -d ' \n' > "$W/user.pin"
# objects TOKEN: every object on the token as pkcs11-tool (a peer) lists it.
objects() { pkcs11-tool --module "$SIGNET_TEST_PKCS11_MODULE" --token-label "$1" --login --pin "$(cat "$W/user.pin")" \
  --list-objects 2>/dev/null || true; }
new_token() { softhsm2-util --init-token --free --label "$1" --so-pin "$(cat "$W/so.pin")" --pin "$(cat "$W/user.pin")" > /dev/null; }
new_token ceremony
MOD=$SIGNET_TEST_PKCS11_MODULE
TOKEN="pkcs11:token=ceremony?module-path=$MOD&pin-source=$W/user.pin"
obj() { echo "pkcs11:token=$2;object=$1;type=private?module-path=$MOD&pin-source=$W/user.pin"; }
umask 022

for c in alice bob carol; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$c.key" 2>/dev/null
  chmod 600 "$W/$c.key"
  openssl pkey -in "$W/$c.key" -pubout -out "$W/$c.pub"
done
cat > "$W/ceremony.yaml" <<EOT
token: "$TOKEN"
so_pin_file: so.pin
threshold: 2
custodians:
  - {name: alice, public_key: alice.pub}
  - {name: bob, public_key: bob.pub}
  - {name: carol, public_key: carol.pub}
keys:
  - {label: release-2026, type: ecdsa-p256, purpose: release, backup: true}
  - {label: log-2026, type: ed25519, purpose: log}
  - {label: tsa-2026, type: ecdsa-p256, purpose: tsa}
EOT
C=$W/ceremony
approve() { for c in "$@"; do expect_rc 0 "$SIGNET" ceremony approve --transcript "$C/transcript.jsonl" --key "$W/$c.key"; done; }

# 1. ceremony init: refusals leave nothing behind.
mkdir "$W/full"; touch "$W/full/x"
expect_rc 2 "$SIGNET" ceremony init --config "$W/ceremony.yaml" --out "$W/full"
sed 's/^threshold: 2/threshold: 2\nextra: 1/' "$W/ceremony.yaml" > "$W/bad.yaml"
expect_rc 2 "$SIGNET" ceremony init --config "$W/bad.yaml" --out "$C"
# A key the token cannot back up (SoftHSM2 2.6 cannot wrap Ed25519) fails after generating: all removed.
sed 's/{label: log-2026, type: ed25519, purpose: log}/{label: log-2026, type: ed25519, purpose: log, backup: true}/' \
  "$W/ceremony.yaml" > "$W/unwrappable.yaml"
expect_rc 2 "$SIGNET" ceremony init --config "$W/unwrappable.yaml" --out "$C"
[[ ! -e $C ]] || fail "a failed ceremony left $C"
ls "$W" | grep -q 'ceremony.partial' && fail "a failed ceremony left its staging directory"
objects ceremony | grep -q "label:" && fail "a failed ceremony left objects on the token: $(objects ceremony)"

expect_rc 0 "$SIGNET" ceremony init --config "$W/ceremony.yaml" --out "$C"
for f in keyring.json transcript.jsonl backup/release-2026.json shares/alice.share shares/bob.share shares/carol.share; do
  [[ -f $C/$f ]] || fail "ceremony init did not write $f"
done
[[ ! -e $C/backup/log-2026.json ]] || fail "a key without backup was backed up"
grep -q '"step":"generate_key"' "$C/transcript.jsonl" || fail "no generate_key step"
grep -q '"wrap_with_trusted":true' "$C/transcript.jsonl" || fail "the transcript lacks the token-reported attributes"
grep -q '"step":"split"' "$C/transcript.jsonl" || fail "no split step"
expect_rc 0 "$SIGNET" key list --token "$TOKEN"
grep -A2 "object=release-2026" "$W/last.out" | grep -q "backup-capable: yes" || fail "release key not backup-capable: $(cat "$W/last.out")"
grep -A2 "object=tsa-2026" "$W/last.out" | grep -q "backup-capable: no" || fail "tsa key reported backup-capable"
objects ceremony | grep -q "signet-wrapping-" || fail "no wrapping key on the token: $(objects ceremony)"
expect_rc 0 "$SIGNET" key check --key "$(obj release-2026 ceremony)"
grep -q "backup-capable" "$W/last.out" || fail "key check does not report backup-capable"

# 2. Approvals: one is not enough (and names who is missing); two are.
expect_rc 1 "$SIGNET" ceremony verify --transcript "$C/transcript.jsonl" --config "$W/ceremony.yaml"
approve alice
expect_rc 1 "$SIGNET" ceremony verify --transcript "$C/transcript.jsonl" --config "$W/ceremony.yaml"
grep -q "bob" "$W/last.out" "$W/last.err" || fail "ceremony verify does not name the missing custodians"
approve bob
expect_rc 0 "$SIGNET" ceremony verify --transcript "$C/transcript.jsonl" --config "$W/ceremony.yaml"

# 3. Sign an image with a trusted TSA time (signet sign --state-dir), rotate, sign another.
"$SIGNET" key generate --token "$TOKEN" --label tsa-ca --type ecdsa-p256 > /dev/null
expect_rc 0 "$SIGNET" log init --state-dir "$W/state" --origin log.example --log-key "$(obj log-2026 ceremony)" \
  --tsa-key "$(obj tsa-2026 ceremony)" --tsa-ca-key "$(obj tsa-ca ceremony)"
sed -i 's/require_synchronized_clock: true/require_synchronized_clock: false/' "$W/state/appliance.yaml"
expect_rc 0 "$SIGNET" trust export --state-dir "$W/state" --out "$W/trusted_root.json"
source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy
A=$(printf 'ceremony image A %s' "$$" | sha256sum | cut -d' ' -f1)
B=$(printf 'ceremony image B %s' "$$" | sha256sum | cut -d' ' -f1)
R=$(printf 'ceremony image R %s' "$$" | sha256sum | cut -d' ' -f1)
sign() {  # sign KEY-LABEL DIGEST OUT
  make_provenance "prov-$2" "$2"
  expect_rc 0 "$SIGNET" sign --key "$(obj "$1" ceremony)" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$2" \
    --provenance "$W/prov-$2.dsse.json" --out "$3" --state-dir "$W/state"
}
verify_keyring() {  # verify_keyring RC DIGEST OUT KEYRING [REVOCATIONS]
  local extra=(); [[ -n ${5:-} ]] && extra=(--revocations "$5")
  expect_rc "$1" "$SIGNET" verify-image --keyring "$4" "${extra[@]}" --trusted-root "$W/trusted_root.json" \
    --image "$IMAGE@sha256:$2" --signature "$3"
}
sign release-2026 "$A" "$W/out-a"
"$SIGNET" key export --key "$(obj release-2026 ceremony)" > "$W/release-2026.pub"
expect_rc 2 "$SIGNET" key rotate --keyring "$C/keyring.json" --transcript "$C/transcript.jsonl" --token "$TOKEN" \
  --label release-2027 --type ecdsa-p256 --overlap soon
expect_rc 0 "$SIGNET" key rotate --keyring "$C/keyring.json" --transcript "$C/transcript.jsonl" --token "$TOKEN" \
  --label release-2027 --type ecdsa-p256 --overlap 720h --backup
grep -q '"version": 2' "$C/keyring.json" || fail "rotate did not write keyring version 2"
[[ -f $C/backup/release-2027.json ]] || fail "rotate --backup did not back the new key up"
# Not yet approved: a verifier refuses the new version.
verify_keyring 1 "$A" "$W/out-a" "$C/keyring.json"
approve alice carol
sign release-2027 "$B" "$W/out-b"
"$SIGNET" key export --key "$(obj release-2027 ceremony)" > "$W/release-2027.pub"
verify_keyring 0 "$A" "$W/out-a" "$C/keyring.json"
verify_keyring 0 "$B" "$W/out-b" "$C/keyring.json"

# verifierd with the keyring as its release signers (and the trusted root for signing times).
source "$SRC/scripts/lib/daemon.sh"
(cd "$W" && tls_ca ca && tls_cert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1")
daemon_verify() {  # daemon_verify ALLOWED DIGEST OUT [FINDING] [REVOCATIONS]: start, ask, stop
  { cat "$W/policy.yaml"; echo "trusted_root: $W/trusted_root.json"; echo "release_signers: [$C/keyring.json]"
    [[ -n ${5:-} ]] && echo "release_revocations: [$5]"; } > "$W/vpolicy.yaml"
  printf 'listen: 127.0.0.1:0\ntls: {certificate: %s/server.pem, key: %s/server.key}\npolicies: {default: %s/vpolicy.yaml}\n' \
    "$W" "$W" "$W" > "$W/verifierd.yaml"
  "$VERIFIERD" --check-config "$W/verifierd.yaml" > /dev/null || fail "verifierd --check-config with the keyring policy"
  daemon_start "$W/verifierd.log" "$VERIFIERD" --config "$W/verifierd.yaml" || fail "verifierd did not start"
  VPID=$PID
  python3 - "$W/req.json" "$IMAGE@sha256:$2" "$W/prov-$2.dsse.json" "$3/image.sigstore.json" <<'PY'
import base64, json, sys
out, image, prov, sig = sys.argv[1:5]
b = lambda p: base64.b64encode(open(p, "rb").read()).decode()
json.dump({"image": image, "policy": "default", "evidence": [
    {"name": "prov.dsse.json", "content": b(prov), "role": "provenance"},
    {"name": "image.sigstore.json", "content": b(sig), "role": ""}]}, open(out, "w"))
PY
  local code
  code=$(curl -s -o "$W/resp.json" -w '%{http_code}' --cacert "$W/ca.pem" -H 'Content-Type: application/json' \
    --data-binary "@$W/req.json" "https://127.0.0.1:$PORT/v1/verify") || true
  kill "$VPID"; wait "$VPID" 2> /dev/null || true; VPID=""
  [[ $code == 200 ]] || fail "verifierd /v1/verify: HTTP $code: $(cat "$W/resp.json")"
  python3 - "$W/resp.json" "$1" "${4:-}" <<'PY' || fail "verifierd: $(cat "$W/resp.json")"
import json, sys
r = json.load(open(sys.argv[1])); want, finding = sys.argv[2] == "true", sys.argv[3]
assert r["allowed"] is want, "allowed is %s" % r["allowed"]
if finding: assert finding in [f["code"] for f in r["findings"]], "no finding " + finding
PY
}
# A (by release-2026, whose window now closes after the overlap) is judged at its trusted time.
daemon_verify true "$A" "$W/out-a"
grep -q 'its trusted time inside' "$W/resp.json" || fail "verifierd did not judge A by its trusted time: $(cat "$W/resp.json")"
daemon_verify true "$B" "$W/out-b"

# 4. A keyring edited after approval is refused.
sed 's/"threshold": 2/"threshold": 1/' "$C/keyring.json" > "$W/edited.json"
cmp -s "$W/edited.json" "$C/keyring.json" && fail "the edit did not change the keyring"
verify_keyring 1 "$A" "$W/out-a" "$W/edited.json"

# 5. Revoke the first key from a time before its signature: that signature is refused.
expect_rc 2 "$SIGNET" key revoke --keyring "$C/keyring.json" --transcript "$C/transcript.jsonl" --label release-2026 \
  --reason lost --effective 2000-01-01T00:00:00Z
expect_rc 0 "$SIGNET" key revoke --keyring "$C/keyring.json" --transcript "$C/transcript.jsonl" --label release-2026 \
  --reason compromise --effective 2000-01-01T00:00:00Z --next-update 24h
[[ -f $C/revocations.json ]] || fail "revoke wrote no revocation list"
approve bob carol
verify_keyring 1 "$A" "$W/out-a" "$C/keyring.json" "$C/revocations.json"
verify_keyring 0 "$B" "$W/out-b" "$C/keyring.json" "$C/revocations.json"
daemon_verify false "$A" "$W/out-a" KEY_REVOKED "$C/revocations.json"
daemon_verify true "$B" "$W/out-b" "" "$C/revocations.json"

# signet audit --keyring: the appliance's log says who signed A (release-2026) and when; the
# keyring names that key version and, revoked from 2000, reports KEY_REVOKED for the image.
mkdir "$W/evidence"
cp "$W/prov-$A.dsse.json" "$W/evidence/prov-a.json"; cp "$W/out-a/image.sigstore.json" "$W/evidence/sig-a.json"
echo "production_namespaces: [prod]" >> "$W/vpolicy.yaml"
printf 'evidence: {directories: [%s/evidence]}\n' "$W" >> "$W/verifierd.yaml"
daemon_start "$W/verifierd.log" "$VERIFIERD" --config "$W/verifierd.yaml" || fail "verifierd (evidence dir) did not start"
VPID=$PID
python3 - "$W/pods.json" "$IMAGE@sha256:$A" <<'PY'
import json, sys
ref = sys.argv[2]
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-0", "namespace": "prod", "uid": "u-0"},
       "spec": {"containers": [{"name": "app", "image": ref}]},
       "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": ref, "imageID": ref, "ready": True,
                                                              "restartCount": 0, "started": True, "state": {"running": {}}}]}}
json.dump({"apiVersion": "v1", "kind": "List", "items": [pod], "metadata": {"resourceVersion": ""}}, open(sys.argv[1], "w"))
PY
printf '{"apiVersion":"v1","kind":"List","items":[],"metadata":{"resourceVersion":""}}' > "$W/vwc.json"
AUDIT=(audit --pods "$W/pods.json" --webhooks "$W/vwc.json" --policy "$W/vpolicy.yaml" --verifier "https://127.0.0.1:$PORT"
  --verifier-ca "$W/ca.pem" --log "$W/state/log")
expect_rc 2 "$SIGNET" "${AUDIT[@]}" --revocations "$C/revocations.json" --out "$W/audit0"
expect_rc 1 "$SIGNET" "${AUDIT[@]}" --keyring "$W/edited.json" --out "$W/audit1"
expect_rc 1 "$SIGNET" "${AUDIT[@]}" --keyring "$C/keyring.json" --revocations "$C/revocations.json" --out "$W/audit"
kill "$VPID"; wait "$VPID" 2> /dev/null || true; VPID=""
python3 - "$W/audit/report.json" <<'PY' || fail "audit --keyring: $(head -c 3000 "$W/audit/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["images"][0]["signings"]
assert len(s) == 1 and s[0]["keyLabel"] == "release-2026", s
assert s[0]["keyVersion"] == "release-2026" and s[0]["keyVerdict"] == "KEY_REVOKED", s
assert any(f["code"] == "KEY_REVOKED" for f in r["findings"]), r["findings"]
PY

# 6. Delete the token; restore into a fresh one.
softhsm2-util --delete-token --token ceremony > /dev/null
new_token restored
RTOKEN="pkcs11:token=restored?module-path=$MOD&pin-source=$W/user.pin"
restore() { expect_rc "$1" "$SIGNET" backup restore --token "$RTOKEN" --so-pin-file "$W/so.pin" --backup "$C/backup" "${@:2}"; }
restore 2 --share "$C/shares/alice.share" --custodian-key "$W/alice.key"
grep -q "not enough shares" "$W/last.err" || fail "one share: $(cat "$W/last.err")"
objects restored | grep -q "label:" && fail "one share created objects: $(objects restored)"
cp "$C/shares/bob.share" "$W/bob-flipped.share"
python3 - "$W/bob-flipped.share" <<'PY'
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.index(b'"ciphertext"') + 20; b[i] = ord('A') if b[i] != ord('A') else ord('B'); open(p, 'wb').write(bytes(b))
PY
restore 1 --share "$C/shares/alice.share" --custodian-key "$W/alice.key" --share "$W/bob-flipped.share" --custodian-key "$W/bob.key"
objects restored | grep -q "label:" && fail "a tampered share created objects: $(objects restored)"
restore 0 --share "$C/shares/alice.share" --custodian-key "$W/alice.key" --share "$C/shares/carol.share" --custodian-key "$W/carol.key"
grep -q "restored release-2027" "$W/last.out" || fail "restore: $(cat "$W/last.out")"
objects restored | grep -q "signet-wrapping" && fail "the wrapping key was kept: $(objects restored)"
objects restored | grep -q "label: *release-2027" || fail "the restored key is not on the token: $(objects restored)"
# The restored key's signature verifies under the original public key.
# (The state dir's log and TSA keys went with the deleted token: a plain `signet sign`.)
make_provenance "prov-$R" "$R"
expect_rc 0 "$SIGNET" sign --key "$(obj release-2027 restored)" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$R" \
  --provenance "$W/prov-$R.dsse.json" --out "$W/out-r" --audit-log "$W/audit.log"
expect_rc 0 "$SIGNET" verify-image --key "$W/release-2027.pub" --image "$IMAGE@sha256:$R" --signature "$W/out-r"
# The restore is a new transcript step: it needs a fresh quorum.
grep -q '"step":"restore"' "$C/transcript.jsonl" || fail "restore did not append to the transcript"
expect_rc 1 "$SIGNET" ceremony verify --transcript "$C/transcript.jsonl" --config "$W/ceremony.yaml"
approve alice bob
expect_rc 0 "$SIGNET" ceremony verify --transcript "$C/transcript.jsonl" --config "$W/ceremony.yaml"
echo "ceremony e2e: ok"
