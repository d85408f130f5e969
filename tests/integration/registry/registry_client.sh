#!/usr/bin/env bash
# registry::Registry against a scripted registry (fake_registry.py) on loopback: Basic and Bearer
# flows, credentials never sent unasked or over an http realm, digest mismatches (manifest by
# digest, blob, a lying Docker-Content-Digest), a cross-origin upload location, tag pagination,
# the referrers API and its tag-schema fallback.
#   registry_client.sh PROBE
set -euo pipefail
probe=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../../scripts/lib/daemon.sh
source "$here/../../../scripts/lib/daemon.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/signet-registry-client-XXXXXX")
FAKE_PID=""
cleanup() {
  if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2> /dev/null || true; wait "$FAKE_PID" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

tls_ca ca
tls_cert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1"
printf '{"auths":{"%s":{"auth":"%s"}}}' "127.0.0.1:PORT" "$(printf 'user:secret' | base64)" > config.tmpl
printf '{"auths":{"%s":{"username":"user","password":"wrong"}}}' "127.0.0.1:PORT" > bad.tmpl

start_fake() {  # start_fake MODES...
  stop_fake
  : > requests.log
  python3 "$here/fake_registry.py" server.pem server.key requests.log "$@" > fake.out 2> fake.err &
  FAKE_PID=$!
  for _ in $(seq 100); do grep -q '^PORT' fake.out && break; sleep 0.05; done
  PORT=$(awk '/^PORT/ {print $2}' fake.out)
  [[ -n $PORT ]] || { cat fake.err >&2; fail "fake registry did not start"; }
  HOST=127.0.0.1:$PORT
  sed "s/PORT/$PORT/" config.tmpl > config.json
  sed "s/PORT/$PORT/" bad.tmpl > bad.json
}
stop_fake() {
  if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2> /dev/null || true; wait "$FAKE_PID" 2> /dev/null || true; FAKE_PID=""; fi
}
p() { "$probe" --host "$HOST" --config config.json --ca ca.pem "$@"; }
expect_error() {  # expect_error CODE OUTPUT
  [[ $2 == "ERROR $1"* ]] || fail "expected ERROR $1, got: $2"
}

# An artifact: config + layer + manifest tagged 1.0.
printf '{}' > config.blob
printf 'layer-bytes' > layer.blob
cfg=sha256:$(sha256sum config.blob | cut -d' ' -f1)
lay=sha256:$(sha256sum layer.blob | cut -d' ' -f1)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/octet-stream","digest":"%s","size":11}]}' \
  "$cfg" "$lay" > image.json
img=sha256:$(sha256sum image.json | cut -d' ' -f1)
push_image() {
  [[ $(p put-blob team/app config.blob) == "$cfg" ]] || fail "put config blob"
  [[ $(p put-blob team/app layer.blob) == "$lay" ]] || fail "put layer blob"
  [[ $(p put-manifest team/app 1.0 application/vnd.oci.image.manifest.v1+json image.json) == "$img" ]] || fail "put manifest"
}

echo "== basic auth: round trip, credentials only after a challenge"
start_fake auth=basic page=1
push_image
[[ $(head -1 requests.log) == *" none" ]] || fail "credentials were sent before the registry asked"
grep -q "basic-ok" requests.log || fail "no authenticated request"
out=$(p manifest team/app 1.0); [[ $out == "$img application/vnd.oci.image.manifest.v1+json"* ]] || fail "manifest by tag: $out"
[[ $out == *"$lay application/octet-stream"* ]] || fail "manifest layers: $out"
out=$(p manifest team/app "$img"); [[ $out == "$img "* ]] || fail "manifest by digest: $out"
[[ $(p blob team/app "$lay") == "$lay 11" ]] || fail "blob"
[[ $(p exists team/app 1.0) == true ]] || fail "exists"
[[ $(p exists team/app 2.0) == false ]] || fail "does not exist"
out=$(p manifest team/app 2.0 || true); expect_error NOT_FOUND "$out"
p put-manifest team/app 2.0 application/vnd.oci.image.manifest.v1+json image.json > /dev/null
[[ $(p tags team/app | tr '\n' ' ') == "1.0 2.0 " ]] || fail "paginated tags: $(p tags team/app)"
[[ -z $(p referrers team/app "$img") ]] || fail "referrers of an image without any"
# The referrers tag schema: an index tagged sha256-<hex> lists the referrers.
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,"artifactType":"application/spdx+json"}]}' \
  "$cfg" "$lay" > referrers.json
p put-manifest team/app "sha256-${img#sha256:}" application/vnd.oci.image.index.v1+json referrers.json > /dev/null
[[ $(p referrers team/app "$img" | wc -l) == 2 ]] || fail "referrers via the tag schema"
[[ $(p referrers team/app "$img" application/spdx+json) == "$lay application/spdx+json" ]] || fail "referrers filter"
out=$("$probe" --host "$HOST" --config bad.json --ca ca.pem manifest team/app 1.0 || true); expect_error PERMISSION_DENIED "$out"
out=$("$probe" --host "$HOST" --ca ca.pem manifest team/app 1.0 || true); expect_error PERMISSION_DENIED "$out"
out=$("$probe" --host "$HOST" --config config.json manifest team/app 1.0 2>&1 || true); expect_error UNAVAILABLE "$out"  # CA not trusted
[[ $out == *"certificate"* ]] || fail "untrusted registry: $out"

echo "== bearer token flow"
start_fake auth=bearer
push_image
grep -q "^GET /token basic-ok" requests.log || fail "no token request with the credentials"
grep -q "bearer-ok" requests.log || fail "no request with the token"
out=$(p manifest team/app "$img"); [[ $out == "$img "* ]] || fail "bearer manifest: $out"

echo "== an http token realm is refused before any credential is sent"
start_fake auth=bearer realm=http
out=$(p manifest team/app 1.0 || true); expect_error PERMISSION_DENIED "$out"
! grep -q "/token" requests.log || fail "a token request went out over an http realm"

echo "== content that does not match its digest is refused"
start_fake swap-manifest
push_image
out=$(p manifest team/app "$img" || true); expect_error "VERIFICATION_FAILED REGISTRY_DIGEST_MISMATCH" "$out"
start_fake lie-digest
push_image
out=$(p manifest team/app 1.0 || true); expect_error "VERIFICATION_FAILED REGISTRY_DIGEST_MISMATCH" "$out"
start_fake swap-blob
push_image
out=$(p blob team/app "$lay" || true); expect_error "VERIFICATION_FAILED REGISTRY_DIGEST_MISMATCH" "$out"

echo "== an upload location on another origin is refused"
start_fake auth=basic cross-origin
out=$(p put-blob team/app layer.blob || true); expect_error PERMISSION_DENIED "$out"
! grep -q "^PUT" requests.log || fail "a blob was PUT after a cross-origin location"

echo "== the OCI 1.1 referrers API"
start_fake referrers-api
push_image
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"%s","size":11}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1}}' \
  "$cfg" "$lay" "$img" > bundle-ref.json
ref=$(p put-manifest team/app "sha256:$(sha256sum bundle-ref.json | cut -d' ' -f1)" application/vnd.oci.image.manifest.v1+json bundle-ref.json)
[[ $(p referrers team/app "$img") == "$ref application/vnd.dev.sigstore.bundle.v0.3+json" ]] || fail "referrers API"
[[ -z $(p referrers team/app "$img" application/spdx+json) ]] || fail "referrers API filter"

echo "== push: cosign .sig layers appended once, referrers via the tag schema (token auth)"
start_fake auth=bearer
push_image
printf '{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' "$img" > payload1.json
printf 'another payload' > payload2.json
sig1=$(p push-sig team/app "$img" payload1.json MEUCIQ1=) || fail "push-sig: $sig1"
[[ $(p push-sig team/app "$img" payload1.json MEUCIQ1=) == "$sig1" ]] || fail "the same signature pushed twice changed the manifest"
[[ $(p manifest team/app "sha256-${img#sha256:}.sig" | grep -c simplesigning) == 1 ]] || fail "one layer expected"
sig2=$(p push-sig team/app "$img" payload2.json MEUCIQ2=)
[[ $sig2 != "$sig1" ]] || fail "a second signature did not change the manifest"
out=$(p manifest team/app "sha256-${img#sha256:}.sig")
[[ $(grep -c simplesigning <<< "$out") == 2 ]] || fail "the second signature was not appended: $out"
grep -q "^PUT /v2/team/app/manifests/sha256-${img#sha256:}.sig bearer-ok" requests.log || fail "the .sig manifest was not PUT with the token"
printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}' > bundle.json
bt=application/vnd.dev.sigstore.bundle.v0.3+json
ref1=$(p push-referrer team/app "$img" "$bt" bundle.json) || fail "push-referrer: $ref1"
[[ $(p push-referrer team/app "$img" "$bt" bundle.json) == "$ref1" ]] || fail "push-referrer twice"
[[ $(p referrers team/app "$img") == "$ref1 $bt" ]] || fail "referrers tag schema after push: $(p referrers team/app "$img")"
out=$(p manifest team/app "$ref1"); [[ $out == "$ref1 application/vnd.oci.image.manifest.v1+json"* ]] || fail "referrer manifest: $out"
printf 'vsa' > vsa.json
ref2=$(p push-referrer team/app "$img" "$bt" vsa.json)
[[ $(p referrers team/app "$img" | wc -l) == 2 ]] || fail "second referrer not added to the tag schema index"
out=$(p push-sig team/app "sha256:nothex" payload1.json X || true); expect_error INVALID_ARGUMENT "$out"

echo "== push with the referrers API: the tag schema is left alone"
start_fake referrers-api
push_image
ref=$(p push-referrer team/app "$img" "$bt" bundle.json)
[[ $(p referrers team/app "$img") == "$ref $bt" ]] || fail "referrers API after push"
! grep -q "^PUT /v2/team/app/manifests/sha256-" requests.log || fail "the referrers tag was written although the API exists"

echo "== a failing upload: nothing is tagged"
start_fake auth=basic fail-upload
out=$(p push-sig team/app "$img" payload1.json MEUCIQ1= || true); expect_error UNAVAILABLE "$out"
! grep -q "^PUT /v2/team/app/manifests/" requests.log || fail "a manifest was PUT after a failed blob upload"
out=$(p push-referrer team/app "$img" "$bt" bundle.json || true); [[ $out == "ERROR "* ]] || fail "push-referrer on a failing registry: $out"

echo "== bad names never reach the network"
out=$(p manifest Team/App 1.0 || true); expect_error INVALID_ARGUMENT "$out"
out=$(p manifest team/app "../x" || true); expect_error INVALID_ARGUMENT "$out"
echo "registry_client: ok"
