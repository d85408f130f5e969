#!/usr/bin/env bash
# registry::Registry against a real registry: Debian's docker-registry (distribution 2.8) on
# loopback with TLS and htpasswd, images pushed by skopeo from an OCI layout this script builds
# (a two-platform index). Checks the client's view against skopeo's, pushes a cosign-style `.sig`
# manifest that skopeo then reads back, and the referrers tag-schema fallback (distribution 2.8 has
# no referrers API). Then issue 18 parts 2-3: `signet sign --push` (SoftHSM2 key) of the index,
# fetch-evidence round trip, skopeo and the registry API see the .sig tag and the referrers,
# verifierd admits the signed image from registry evidence alone and denies an unsigned one, and
# a proxy that changes a manifest's bytes makes fetch-evidence and verifierd refuse.
#   registry_e2e.sh PROBE SIGNET VERIFIERD FIXTURE_DIR
set -euo pipefail
probe=$1
signet=$2
verifierd=$3
FIX=$4
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
# shellcheck source=../../../scripts/lib/daemon.sh
source "$here/../../../scripts/lib/daemon.sh"
# shellcheck source=../../../scripts/lib/registry.sh
source "$here/../../../scripts/lib/registry.sh"
for tool in docker-registry skopeo htpasswd; do
  command -v "$tool" > /dev/null || { echo "registry_e2e: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/signet-registry-e2e-XXXXXX")
REG_PID=""
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}" $REG_PID; do kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; [[ -f registry.log ]] && tail -20 registry.log >&2; exit 1; }

registry_start || fail "docker-registry did not start"
printf '{"auths":{"%s":{"username":"user","password":"wrong"}}}' "$HOST" > bad.json
p() { "$probe" --host "$HOST" --config config.json --ca ca.pem "$@"; }
sk() { skopeo "$1" --creds user:secret --cert-dir certs "${@:2}"; }

# An OCI layout holding a two-platform index tagged 1.0.
blob() {  # blob FILE -> prints "sha256:<hex> <size>" and stores it
  local d; d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "layout/blobs/sha256/$d"
  echo "sha256:$d $(stat -c %s "$1")"
}
mkdir -p layout/blobs/sha256
printf '{"imageLayoutVersion":"1.0.0"}' > layout/oci-layout
children=""
for arch in amd64 arm64; do
  mkdir -p "rootfs-$arch" && echo "hello from $arch" > "rootfs-$arch/hello"
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "rootfs-$arch" -cf - . | gzip -n > "layer-$arch.tgz"
  read -r ld ls < <(blob "layer-$arch.tgz")
  diffid=sha256:$(gzip -dc "layer-$arch.tgz" | sha256sum | cut -d' ' -f1)
  printf '{"architecture":"%s","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' "$arch" "$diffid" > "config-$arch.json"
  read -r cd cs < <(blob "config-$arch.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "$cd" "$cs" "$ld" "$ls" > "manifest-$arch.json"
  read -r md ms < <(blob "manifest-$arch.json")
  children+="${children:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$md\",\"size\":$ms,\"platform\":{\"os\":\"linux\",\"architecture\":\"$arch\"}}"
done
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$children" > index.json
read -r id is < <(blob index.json)
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1.0"}}]}' \
  "$id" "$is" > layout/index.json
skopeo copy --all --dest-creds user:secret --dest-cert-dir certs -q oci:layout:1.0 "docker://$HOST/team/app:1.0" 2> skopeo.err \
  || { cat skopeo.err >&2; fail "skopeo copy"; }

echo "== the index as the registry serves it"
index_digest=sha256:$(sk inspect --raw "docker://$HOST/team/app:1.0" | sha256sum | cut -d' ' -f1)
out=$(p manifest team/app 1.0)
[[ $(head -1 <<< "$out") == "$index_digest application/vnd.oci.image.index.v1+json" ]] || fail "index by tag: $out"
[[ $(grep -c ' linux/' <<< "$out") == 2 ]] || fail "two platforms: $out"
arm=$(awk '$3 == "linux/arm64" {print $1}' <<< "$out")
out=$(p manifest team/app "$arm") || fail "platform manifest by digest: $out"
[[ $(head -1 <<< "$out") == "$arm "* ]] || fail "platform manifest digest: $out"
config_digest=sha256:$(sk inspect --raw "docker://$HOST/team/app@$arm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"].split(":")[1])')
[[ $(p blob team/app "$config_digest") == "$config_digest "* ]] || fail "config blob"

echo "== a cosign-style .sig manifest, read back by skopeo"
printf '{"critical":{"identity":{"docker-reference":"%s/team/app"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
  "$HOST" "$index_digest" > payload.json
pd=$(p put-blob team/app payload.json)
printf '{}' > empty.json
ed=$(p put-blob team/app empty.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"%s","size":%s,"annotations":{"dev.cosignproject.cosign/signature":"MEUCIQ=="}}]}' \
  "$ed" "$pd" "$(stat -c %s payload.json)" > sig.json
sig_tag=sha256-${index_digest#sha256:}.sig
sig_digest=$(p put-manifest team/app "$sig_tag" application/vnd.oci.image.manifest.v1+json sig.json)
[[ $(sk inspect --raw "docker://$HOST/team/app:$sig_tag" | sha256sum | cut -d' ' -f1) == "${sig_digest#sha256:}" ]] || fail "skopeo reads another .sig manifest"
sk list-tags "docker://$HOST/team/app" | grep -q "\"$sig_tag\"" || fail "skopeo does not list the .sig tag"
p tags team/app | grep -qx "$sig_tag" || fail "the client does not list the .sig tag"
[[ $(p exists team/app "$sig_tag") == true ]] || fail "exists .sig"

echo "== referrers: no API in distribution 2.8, so the tag schema"
[[ -z $(p referrers team/app "$index_digest") ]] || fail "referrers before any"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}' \
  "$sig_digest" "$(stat -c %s sig.json)" > referrers.json
p put-manifest team/app "sha256-${index_digest#sha256:}" application/vnd.oci.image.index.v1+json referrers.json > /dev/null
[[ $(p referrers team/app "$index_digest" application/vnd.dev.sigstore.bundle.v0.3+json) == "$sig_digest application/vnd.dev.sigstore.bundle.v0.3+json" ]] \
  || fail "referrers via the tag schema"

echo "== signet fetch-evidence"
printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{}}' > bundle.json
bd=$(p put-blob team/app bundle.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"%s","size":%s}],"subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s}}' \
  "$ed" "$bd" "$(stat -c %s bundle.json)" "$index_digest" "$is" > bundle-ref.json
bref=$(p put-manifest team/app "sha256:$(sha256sum bundle-ref.json | cut -d' ' -f1)" application/vnd.oci.image.manifest.v1+json bundle-ref.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}' \
  "$bref" "$(stat -c %s bundle-ref.json)" > referrers.json
p put-manifest team/app "sha256-${index_digest#sha256:}" application/vnd.oci.image.index.v1+json referrers.json > /dev/null
"$signet" fetch-evidence "$HOST/team/app@$index_digest" --out fetched --registry-config config.json --registry-ca ca.pem > fetch.out \
  || { cat fetch.out >&2; fail "fetch-evidence"; }
cmp -s fetched/cosign-sig-0.json payload.json || fail "fetch-evidence: the simple-signing payload"
[[ $(cat fetched/cosign-sig-0.sig) == "MEUCIQ==" ]] || fail "fetch-evidence: the signature annotation"
cmp -s "fetched/referrer-${bref:7:12}-0.sigstore.json" bundle.json || fail "fetch-evidence: the bundle referrer ($(ls fetched))"
[[ $(jq -r .digest fetched/evidence.json) == "$index_digest" ]] || fail "fetch-evidence: evidence.json"
[[ $(jq '.items | length' fetched/evidence.json) == 3 ]] || fail "fetch-evidence: item count"
rc=0; "$signet" fetch-evidence "$HOST/team/app@$index_digest" --out fetched --registry-config config.json --registry-ca ca.pem 2> /dev/null || rc=$?
[[ $rc == 2 ]] || fail "fetch-evidence into a non-empty directory: exit $rc"
rc=0; "$signet" fetch-evidence "$HOST/team/app:1.0" --out tagged --registry-config config.json --registry-ca ca.pem 2> /dev/null || rc=$?
[[ $rc == 1 && ! -e tagged ]] || fail "fetch-evidence of a tag: exit $rc"
rc=0; "$signet" fetch-evidence "$HOST/team/app@sha256:$(printf '0%.0s' $(seq 64))" --out missing --registry-config config.json --registry-ca ca.pem 2> /dev/null || rc=$?
[[ $rc == 2 && ! -e missing ]] || fail "fetch-evidence of an unknown digest: exit $rc"
[[ -z $(find . -maxdepth 1 -name '.*.fetch-*') ]] || fail "fetch-evidence left a staging directory"

echo "== refusals"
out=$("$probe" --host "$HOST" --config bad.json --ca ca.pem manifest team/app 1.0 || true)
[[ $out == "ERROR PERMISSION_DENIED"* ]] || fail "wrong password: $out"
out=$(p manifest team/app 9.9 || true)
[[ $out == "ERROR NOT_FOUND"* ]] || fail "unknown tag: $out"
echo "== signet sign --push (SoftHSM2), at the index digest of a two-platform image"
set -a; source "$FIX/softhsm/env"; set +a
skopeo copy --all --dest-creds user:secret --dest-cert-dir certs -q oci:layout:1.0 "docker://$HOST/team/signed:1.0" 2> skopeo.err \
  || { cat skopeo.err >&2; fail "skopeo copy team/signed"; }
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="registry-e2e-$$"
"$signet" key generate --token "$TOKEN" --label "$label" --type ecdsa-p256 > /dev/null
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$signet" key export --key "$KEY" --format pem > release.pub
W=$work SRC=$src
# shellcheck source=../../../scripts/lib/builder.sh
source "$src/scripts/lib/builder.sh"
IMAGE=$HOST/team/signed
make_builder
make_provenance prov "${index_digest#sha256:}"
make_policy
printf 'release_signers: [release.pub]\naccept_vsa: true\n' >> policy.yaml
amd=$(p manifest team/signed 1.0 | awk '$3 == "linux/amd64" {print $1}')
sign() { "$signet" sign --key "$KEY" --policy policy.yaml --provenance prov.dsse.json --audit-log audit.log "$@"; }
rc=0; sign --image "$IMAGE@$index_digest" --out signed --push --registry-config config.json --registry-ca ca.pem \
  > sign.out 2> sign.err || rc=$?
[[ $rc == 0 ]] || { cat sign.out sign.err >&2; fail "sign --push: exit $rc"; }
grep -q "pushed signature $HOST/team/signed:sha256-${index_digest#sha256:}.sig" sign.err || fail "sign --push output: $(cat sign.err)"
[[ $(grep -c "referrer $HOST/team/signed@sha256:" sign.err) == 2 ]] || fail "two referrers expected: $(cat sign.err)"

echo "== what landed: skopeo and the registry API"
sig_tag=sha256-${index_digest#sha256:}.sig
sk list-tags "docker://$HOST/team/signed" | grep -q "\"$sig_tag\"" || fail "skopeo does not list $sig_tag"
sk inspect --raw "docker://$HOST/team/signed:$sig_tag" > sig-manifest.json
python3 - sig-manifest.json signed/simplesigning.sig <<'PY' || fail "the .sig manifest"
import json, sys
m = json.load(open(sys.argv[1]))
sig = open(sys.argv[2]).read().strip()
layers = m["layers"]
assert len(layers) == 1, layers
assert layers[0]["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
assert layers[0]["annotations"]["dev.cosignproject.cosign/signature"] == sig
PY
sk inspect --raw "docker://$HOST/team/signed:sha256-${index_digest#sha256:}" > referrers-index.json
[[ $(jq '[.manifests[] | select(.artifactType == "application/vnd.dev.sigstore.bundle.v0.3+json")] | length' referrers-index.json) == 2 ]] \
  || fail "the referrers tag index: $(cat referrers-index.json)"
curl -s --cacert ca.pem -u user:secret "https://$HOST/v2/team/signed/tags/list" | grep -q "\"$sig_tag\"" || fail "tags/list"
ref=$(jq -r '.manifests[0].digest' referrers-index.json)
curl -s --cacert ca.pem -u user:secret -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "https://$HOST/v2/team/signed/manifests/$ref" | jq -e --arg d "$index_digest" \
  '.subject.digest == $d and .subject.mediaType == "application/vnd.oci.image.index.v1+json"' > /dev/null \
  || fail "the referrer's subject is not the index"
# Signing again (a new signature over the same payload) appends to the .sig manifest, never duplicates.
sign --image "$IMAGE@$index_digest" --out signed2 --push --registry-config config.json --registry-ca ca.pem > /dev/null 2>&1 \
  || fail "second sign --push"
n=$(sk inspect --raw "docker://$HOST/team/signed:$sig_tag" | jq '.layers | length')
if cmp -s signed/simplesigning.sig signed2/simplesigning.sig; then want=1; else want=2; fi
[[ $n == "$want" ]] || fail "the .sig manifest has $n layers after a second signature, want $want"
sk inspect --raw "docker://$HOST/team/signed:sha256-${index_digest#sha256:}" | jq -e '.manifests | length == 4' > /dev/null \
  || fail "the second signature's bundle and VSA referrers"

echo "== fetch-evidence round trip"
"$signet" fetch-evidence "$IMAGE@$index_digest" --out fetched2 --registry-config config.json --registry-ca ca.pem > fetch2.out \
  || { cat fetch2.out >&2; fail "fetch-evidence after push"; }
cmp -s fetched2/cosign-sig-0.json signed/simplesigning.json || fail "fetched payload differs"
cmp -s fetched2/cosign-sig-0.sig <(tr -d '\n' < signed/simplesigning.sig) || fail "fetched signature differs"
for f in image vsa; do
  found=0
  for g in fetched2/referrer-*.sigstore.json; do cmp -s "$g" "signed/$f.sigstore.json" && found=1; done
  [[ $found == 1 ]] || fail "fetch-evidence did not bring back $f.sigstore.json ($(ls fetched2))"
done
"$signet" verify-image --key release.pub --image "$IMAGE@$index_digest" --signature signed > /dev/null || fail "verify-image"
rc=0; "$signet" sign --key "$KEY" --policy policy.yaml --provenance prov.dsse.json --audit-log audit.log \
  --image "$IMAGE@$index_digest" --out nopush --registry-ca ca.pem > /dev/null 2>&1 || rc=$?
[[ $rc == 2 && ! -e nopush ]] || fail "--registry-ca without --push: exit $rc"

echo "== a push that fails: exit 3, the outputs are written"
rc=0; sign --image "$IMAGE@$index_digest" --out pushfail --push --registry-config bad.json --registry-ca ca.pem \
  > /dev/null 2> pushfail.err || rc=$?
[[ $rc == 3 ]] || fail "failed push: exit $rc ($(cat pushfail.err))"
[[ -s pushfail/simplesigning.sig && -s pushfail/vsa.sigstore.json ]] || fail "outputs of a failed push"
grep -q "push failed" pushfail.err || fail "failed push message: $(cat pushfail.err)"

echo "== a proxy that changes manifest bytes"
python3 "$here/swap_proxy.py" server.pem server.key "$HOST" ca.pem > proxy.out 2> proxy.err &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^PORT' proxy.out && break; sleep 0.05; done
PHOST=127.0.0.1:$(awk '/^PORT/ {print $2}' proxy.out)
[[ $PHOST != "127.0.0.1:" ]] || { cat proxy.err >&2; fail "proxy did not start"; }
printf '{"auths":{"%s":{"auth":"%s"},"%s":{"auth":"%s"}}}' "$HOST" "$(printf 'user:secret' | base64)" \
  "$PHOST" "$(printf 'user:secret' | base64)" > both.json
rc=0; "$signet" fetch-evidence "$PHOST/team/signed@$index_digest" --out swapped --registry-config both.json \
  --registry-ca ca.pem > swapped.out 2>&1 || rc=$?
[[ $rc == 1 && ! -e swapped ]] || fail "fetch-evidence through the swapping proxy: exit $rc ($(cat swapped.out))"
grep -q REGISTRY_DIGEST_MISMATCH swapped.out || fail "fetch-evidence does not name the mismatch: $(cat swapped.out)"

echo "== verifierd: evidence from the registry alone"
cat > verifierd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
admission: {default_mode: enforce, deadline: 60s}
registry: {config: both.json, ca: ca.pem}
Y
[[ $("$verifierd" --check-config verifierd.yaml) == ok ]] || fail "--check-config with a registry section"
printf 'listen: 127.0.0.1:0\ntls: {certificate: server.pem, key: server.key}\npolicies: {default: policy.yaml}\nregistry: {config: nothere.json}\n' > badreg.yaml
rc=0; out=$("$verifierd" --check-config badreg.yaml 2>&1) || rc=$?
[[ $rc == 2 && $out == *registry.config* ]] || fail "--check-config with a missing registry.config: exit $rc: $out"
printf 'listen: 127.0.0.1:0\ntls: {certificate: server.pem, key: server.key}\npolicies: {default: policy.yaml}\nregistry: {config: both.json, bogus: x}\n' > badkey.yaml
rc=0; out=$("$verifierd" --check-config badkey.yaml 2>&1) || rc=$?
[[ $rc == 2 && $out == *registry.bogus* ]] || fail "--check-config with an unknown registry key: exit $rc: $out"
daemon_start verifierd.log "$verifierd" --config verifierd.yaml || fail "verifierd did not start"
PIDS+=("$PID")
vpost() {  # vpost PATH JSON -> body in vbody, prints the status
  curl -s -o vbody -w '%{http_code}' --max-time 120 --cacert ca.pem -H 'Content-Type: application/json' --data-binary "$2" \
    "https://127.0.0.1:$PORT$1" || true
}
[[ $(vpost /v1/verify "{\"image\":\"$IMAGE@$index_digest\",\"policy\":\"default\"}") == 200 ]] || fail "verify: $(cat vbody)"
jq -e '.allowed == true' vbody > /dev/null || fail "the signed image is not allowed from registry evidence: $(cat vbody)"
[[ $(vpost /v1/verify "{\"image\":\"$IMAGE@$amd\",\"policy\":\"default\"}") == 200 ]] || fail "verify unsigned: $(cat vbody)"
jq -e '.allowed == false' vbody > /dev/null || fail "the unsigned platform manifest is allowed: $(cat vbody)"
[[ $(vpost /v1/verify "{\"image\":\"$PHOST/team/signed@$index_digest\",\"policy\":\"default\"}") == 200 ]] || fail "verify via proxy"
jq -e '.allowed == false and .findings[0].code == "REGISTRY_DIGEST_MISMATCH"' vbody > /dev/null \
  || fail "verifierd accepted swapped manifests: $(cat vbody)"
review() {  # review UID IMAGE
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"prod","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"%s"}]}}}}' "$1" "$2"
}
[[ $(vpost /v1/admission "$(review u1 "$IMAGE@$index_digest")") == 200 ]] || fail "admission signed: $(cat vbody)"
jq -e '.response.allowed == true' vbody > /dev/null || fail "admission denied the signed image: $(cat vbody)"
[[ $(vpost /v1/admission "$(review u2 "$IMAGE@$amd")") == 200 ]] || fail "admission unsigned"
jq -e '.response.allowed == false' vbody > /dev/null || fail "admission allowed an unsigned image: $(cat vbody)"
[[ $(vpost /v1/admission "$(review u3 "$IMAGE:1.0")") == 200 ]] || fail "admission tag"
jq -e '.response.allowed == false and (.response.status.message | contains("CONT-PROV-MUTABLE-TAG"))' vbody > /dev/null \
  || fail "admission of a tag: $(cat vbody)"
[[ $(vpost /v1/admission "$(review u4 "$PHOST/team/signed@$index_digest")") == 200 ]] || fail "admission via proxy"
jq -e '.response.allowed == false and (.response.status.message | contains("REGISTRY_DIGEST_MISMATCH"))' vbody > /dev/null \
  || fail "admission through the swapping proxy: $(cat vbody)"
echo "registry_e2e: ok"
