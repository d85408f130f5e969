#!/usr/bin/env bash
# registry::Registry against a real registry: Debian's docker-registry (distribution 2.8) on
# loopback with TLS and htpasswd, images pushed by skopeo from an OCI layout this script builds
# (a two-platform index). Checks the client's view against skopeo's, pushes a cosign-style `.sig`
# manifest that skopeo then reads back, and the referrers tag-schema fallback (distribution 2.8 has
# no referrers API).
#   registry_e2e.sh PROBE
set -euo pipefail
probe=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../../scripts/lib/daemon.sh
source "$here/../../../scripts/lib/daemon.sh"
for tool in docker-registry skopeo htpasswd; do
  command -v "$tool" > /dev/null || { echo "registry_e2e: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/signet-registry-e2e-XXXXXX")
REG_PID=""
cleanup() {
  if [[ -n $REG_PID ]]; then kill "$REG_PID" 2> /dev/null || true; wait "$REG_PID" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; [[ -f registry.log ]] && tail -20 registry.log >&2; exit 1; }

tls_ca ca
tls_cert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1"
htpasswd -Bbc htpasswd user secret 2> /dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOST=127.0.0.1:$PORT
cat > config.yml <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $work/data}, delete: {enabled: true}}
http: {addr: "$HOST", tls: {certificate: $work/server.pem, key: $work/server.key}}
auth: {htpasswd: {realm: test, path: $work/htpasswd}}
EOF
docker-registry serve config.yml > registry.log 2>&1 &
REG_PID=$!
for _ in $(seq 100); do
  curl -s --cacert ca.pem -o /dev/null "https://$HOST/v2/" && break
  kill -0 "$REG_PID" 2> /dev/null || fail "docker-registry exited"
  sleep 0.1
done
mkdir certs && cp ca.pem certs/ca.crt
printf '{"auths":{"%s":{"auth":"%s"}}}' "$HOST" "$(printf 'user:secret' | base64)" > config.json
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

echo "== refusals"
out=$("$probe" --host "$HOST" --config bad.json --ca ca.pem manifest team/app 1.0 || true)
[[ $out == "ERROR PERMISSION_DENIED"* ]] || fail "wrong password: $out"
out=$(p manifest team/app 9.9 || true)
[[ $out == "ERROR NOT_FOUND"* ]] || fail "unknown tag: $out"
echo "registry_e2e: ok"
