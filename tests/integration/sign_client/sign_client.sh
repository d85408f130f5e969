#!/usr/bin/env bash
# `signet sign --signerd` against fake_signerd (a stand-in for signerd's POST /v1/sign over mTLS):
# allowed (the same files as local signing, from the response's base64 outputs), deny, 403 with
# the server's code, 503 with Retry-After, 400, malformed responses (an output name escaping
# --out, a missing output: nothing written), an unlisted caller, mTLS refusals (no client
# certificate, one from an untrusted CA, a server the --cacert does not vouch for), and the flags
# that only make sense locally. Exit codes as local signing: 0 allowed, 1 refused, 2 bad input, 3
# the rest.
# usage: sign_client.sh SIGNET FAKE_SIGNERD
set -euo pipefail
SIGNET=$1
FAKE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../../scripts/lib/daemon.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signclient-XXXXXX")
PID=
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2> /dev/null || true; wait "$PID" 2> /dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect RC ARGS...: run signet sign with ARGS, stdout in out.txt, stderr in err.txt.
expect() {
  local want=$1 rc=0
  shift
  "$SIGNET" sign "$@" > out.txt 2> err.txt || rc=$?
  if [[ $rc != "$want" ]]; then
    echo "--- stdout" >&2; cat out.txt >&2; echo "--- stderr" >&2; cat err.txt >&2
    fail "signet sign $* exited $rc, want $want"
  fi
}

tls_ca server-ca
tls_cert server server-ca /CN=localhost "subjectAltName=IP:127.0.0.1"
tls_ca clients-ca
tls_cert pipeline-a clients-ca /CN=pipeline-a "basicConstraints=CA:FALSE"
tls_cert pipeline-b clients-ca /CN=pipeline-b "basicConstraints=CA:FALSE"
tls_ca rogue-ca
tls_cert rogue rogue-ca /CN=pipeline-a "basicConstraints=CA:FALSE"
cat > fake.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key, client_ca: clients-ca.pem}
fake: {caller: "CN=pipeline-a"}
Y
daemon_start fake.log "$FAKE" --config fake.yaml || fail "fake_signerd did not start"
URL=https://127.0.0.1:$PORT

printf '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}' > prov.dsse.json
printf 'sbom\0bytes' > sbom.spdx.json
D=5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
img() { echo "registry.example/team/$1@sha256:$D"; }
TLS=(--signerd "$URL" --cacert server-ca.pem --client-cert pipeline-a.pem --client-key pipeline-a.key)
EV=(--provenance prov.dsse.json --attestation sbom.spdx.json)

# Allowed: the four signature files decoded, decision.json as printed, modes as local signing.
expect 0 "${TLS[@]}" --image "$(img allow)" "${EV[@]}" --annotation team=core --out out-allow
for f in simplesigning.json simplesigning.sig image.sigstore.json vsa.sigstore.json; do
  [[ $(cat "out-allow/$f") == "$f for $(img allow) from 2 inputs" ]] || fail "$f content: $(cat "out-allow/$f")"
  [[ $(stat -c %a "out-allow/$f") == 644 ]] || fail "$f mode"
done
cmp -s out.txt out-allow/decision.json || fail "decision.json differs from the printed decision"
grep -q '"allowed": true' out.txt || fail "the decision is not printed"
[[ $(ls out-allow | wc -l) == 5 ]] || fail "out-allow holds $(ls out-allow)"
[[ $(stat -c %a out-allow) == 755 ]] || fail "out-allow mode"
grep -q "audit entry 41" err.txt || fail "the audit entry is not reported"
ls -a | grep -q staging && fail "a staging directory was left behind"
# Again into the same --out: the previous output set is replaced as a whole.
expect 0 "${TLS[@]}" --image "$(img allow)" --provenance prov.dsse.json --out out-allow
[[ $(cat out-allow/simplesigning.json) == "simplesigning.json for $(img allow) from 1 inputs" ]] || fail "not replaced"

# Deny: exit 1, the decision printed, nothing written.
expect 1 "${TLS[@]}" --image "$(img deny)" "${EV[@]}" --out out-deny
grep -q '"allowed": false' out.txt || fail "the deny decision is not printed"
grep -q BUILDER_NOT_APPROVED out.txt || fail "the deny's finding is not printed"
[[ ! -e out-deny ]] || fail "a deny created --out"

# 403: exit 1 with the server's code; nothing written.
expect 1 "${TLS[@]}" --image "$(img outside)" "${EV[@]}" --out out-403
grep -q "403 IMAGE_NOT_ALLOWED" err.txt || fail "403 without the server's code: $(cat err.txt)"
[[ ! -e out-403 ]] || fail "a 403 created --out"
# A caller signerd does not list: 403 too.
expect 1 --signerd "$URL" --cacert server-ca.pem --client-cert pipeline-b.pem --client-key pipeline-b.key \
  --image "$(img allow)" "${EV[@]}" --out out-b
grep -q "403" err.txt || fail "unlisted caller: $(cat err.txt)"
[[ ! -e out-b ]] || fail "an unlisted caller got outputs"

# 503 with Retry-After: exit 3, the wait printed.
expect 3 "${TLS[@]}" --image "$(img busy)" "${EV[@]}" --out out-503
grep -q "503 NOT_READY" err.txt || fail "503: $(cat err.txt)"
grep -q "retry after 7 s" err.txt || fail "Retry-After not printed: $(cat err.txt)"
[[ ! -e out-503 ]] || fail "a 503 created --out"

# 400: exit 2.
expect 2 "${TLS[@]}" --image "$(img other)" "${EV[@]}" --out out-400
grep -q "400 MALFORMED_REQUEST" err.txt || fail "400: $(cat err.txt)"

# Malformed responses: exit 3, nothing written anywhere.
expect 3 "${TLS[@]}" --image "$(img evil)" "${EV[@]}" --out out-evil
grep -q "malformed" err.txt || fail "evil: $(cat err.txt)"
[[ ! -e out-evil && ! -e escaped ]] || fail "an escaping output name was written"
expect 3 "${TLS[@]}" --image "$(img truncated)" "${EV[@]}" --out out-trunc
[[ ! -e out-trunc ]] || fail "a response missing an output was written"

# mTLS: no client certificate, one from a CA signerd does not trust, a server --cacert does not
# vouch for: exit 3, nothing written.
expect 3 --signerd "$URL" --cacert server-ca.pem --image "$(img allow)" "${EV[@]}" --out out-nocert
expect 3 --signerd "$URL" --cacert server-ca.pem --client-cert rogue.pem --client-key rogue.key \
  --image "$(img allow)" "${EV[@]}" --out out-rogue
expect 3 --signerd "$URL" --cacert clients-ca.pem --client-cert pipeline-a.pem --client-key pipeline-a.key \
  --image "$(img allow)" "${EV[@]}" --out out-wrongca
grep -q "handshake" err.txt || fail "wrong server CA: $(cat err.txt)"
for d in out-nocert out-rogue out-wrongca; do [[ ! -e $d ]] || fail "$d was created"; done

# Flags: local-only flags are refused with --signerd, TLS flags without it (exit 2, nothing sent).
for extra in "--key pkcs11:token=t;object=o" "--policy p.yaml" "--audit-log a.log" "--pin-env PIN" \
  "--module /x.so"; do
  # shellcheck disable=SC2086
  expect 2 "${TLS[@]}" $extra --image "$(img allow)" "${EV[@]}" --out out-flags
  grep -q "cannot be used with --signerd" err.txt || fail "$extra: $(cat err.txt)"
done
expect 2 --signerd "$URL" --image "$(img allow)" "${EV[@]}" --out out-flags
grep -q -- "--cacert" err.txt || fail "missing --cacert: $(cat err.txt)"
expect 2 --signerd "$URL" --cacert server-ca.pem --client-cert pipeline-a.pem --image "$(img allow)" "${EV[@]}" \
  --out out-flags
expect 2 --signerd "http://127.0.0.1:$PORT" --cacert server-ca.pem --image "$(img allow)" "${EV[@]}" --out out-flags
expect 2 --cacert server-ca.pem --key "pkcs11:token=t;object=o" --policy p.yaml --image "$(img allow)" "${EV[@]}" \
  --out out-flags
expect 2 "${TLS[@]}" --image "not a reference" "${EV[@]}" --out out-flags
expect 2 "${TLS[@]}" --image "$(img allow)" --provenance missing.json --out out-flags
mkdir other && touch other/mine
expect 2 "${TLS[@]}" --image "$(img allow)" "${EV[@]}" --out other
[[ -e other/mine && $(ls other | wc -l) == 1 ]] || fail "a foreign --out was touched"
[[ ! -e out-flags ]] || fail "a refused invocation created --out"
grep -q '"route":"/v1/sign"' fake.log || true
echo "sign_client: ok"
