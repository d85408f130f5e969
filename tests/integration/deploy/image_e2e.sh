#!/usr/bin/env bash
# The verifierd OCI image (issue 19 part 4), end to end as root: scripts/image builds it with
# buildah from scratch out of the `release` fixture's binary; a second build gives the same image
# digest; its root file system holds verifierd, its libraries, the CA bundle, a passwd naming the
# non-root user it runs as, and no shell; the image's own verifierd runs --check-config chrooted
# into that root file system as that user (so its libraries are enough; no container runtime).
# Then it is pushed to Debian's docker-registry on loopback (TLS), signed with `signet sign --push`
# (SoftHSM2 key), and skopeo, `signet fetch-evidence` and `signet verify-image` see it signed.
# Usage: image_e2e.sh SOURCE_DIR RELEASE_DIR SIGNET FIXTURE_DIR
set -euo pipefail
SRC=$1 RELEASE=$2 signet=$3 FIX=$4
fail() { echo "FAIL: $*" >&2; [[ -f $W/registry.log ]] && tail -20 "$W/registry.log" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "buildah and chroot need root"
for tool in buildah skopeo docker-registry htpasswd jq; do
  command -v "$tool" > /dev/null || fail "$tool is missing (scripts/setup installs it)"
done
# shellcheck source=../../../scripts/lib/daemon.sh
source "$SRC/scripts/lib/daemon.sh"
# shellcheck source=../../../scripts/lib/registry.sh
source "$SRC/scripts/lib/registry.sh"
# shellcheck source=../../../scripts/lib/builder.sh
source "$SRC/scripts/lib/builder.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-image-e2e.XXXXXX")
REG_PID=""
cleanup() {
  if [[ -n $REG_PID ]]; then kill "$REG_PID" 2> /dev/null || true; wait "$REG_PID" 2> /dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
version=$(sed -n 's/^project(signet VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
commit=$(jq -r .commit "$RELEASE/reference.json")

echo "== scripts/image: usage and input errors"
rc=0; "$SRC/scripts/image" --out x.tar > /dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "no --release: exit $rc"
mkdir notarelease
rc=0; "$SRC/scripts/image" --release notarelease --out x.tar > /dev/null 2>&1 || rc=$?
[[ $rc == 2 && ! -e x.tar ]] || fail "not a release: exit $rc"
touch taken.tar
rc=0; "$SRC/scripts/image" --release "$RELEASE" --out taken.tar > /dev/null 2>&1 || rc=$?
[[ $rc == 2 && ! -s taken.tar ]] || fail "an existing --out: exit $rc"

echo "== build it (twice: the same image)"
"$SRC/scripts/image" --release "$RELEASE" --out verifierd.tar || fail "scripts/image"
"$SRC/scripts/image" --release "$RELEASE" --out again.tar > /dev/null || fail "scripts/image, second build"
digest=sha256:$(skopeo inspect --raw "oci-archive:verifierd.tar:$version" | sha256sum | cut -d' ' -f1)
again=sha256:$(skopeo inspect --raw "oci-archive:again.tar:$version" | sha256sum | cut -d' ' -f1)
[[ $digest == "$again" ]] || fail "two builds of the image differ: $digest, $again"
echo "image $digest"
skopeo inspect --config "oci-archive:verifierd.tar:$version" > image-config.json
jq -e '.config.User == "65532:65532" and .config.Entrypoint == ["/usr/bin/verifierd"]
  and .config.Labels["org.opencontainers.image.revision"] == "'"$commit"'"' image-config.json > /dev/null ||
  fail "the image config: $(cat image-config.json)"

echo "== its root file system"
mkdir layout rootfs
tar -xf verifierd.tar -C layout
manifest=$(jq -r '.manifests[0].digest' layout/index.json)
[[ $(jq '.layers | length' "layout/blobs/sha256/${manifest#sha256:}") == 1 ]] || fail "more than one layer"
layer=$(jq -r '.layers[0].digest' "layout/blobs/sha256/${manifest#sha256:}")
tar -xf "layout/blobs/sha256/${layer#sha256:}" -C rootfs
cmp -s rootfs/usr/bin/verifierd "$RELEASE/bin/verifierd" || fail "the image's verifierd is not the release's"
[[ -s rootfs/etc/ssl/certs/ca-certificates.crt ]] || fail "no CA bundle"
grep -qx 'signet:x:65532:65532:signet:/nonexistent:/usr/sbin/nologin' rootfs/etc/passwd || fail "passwd: $(cat rootfs/etc/passwd)"
shells=$(find rootfs \( -name sh -o -name bash -o -name dash -o -name busybox \) -print)
[[ -z $shells ]] || fail "a shell in the image: $shells"
find rootfs -type f | sed 's|^rootfs||' | sort

echo "== the image's verifierd, chrooted into its root file system as its user"
mkdir -p rootfs/cfg
(cd rootfs/cfg && tls_ca ca && tls_cert tls ca /CN=verifierd "subjectAltName=DNS:verifierd")
(W=$W/rootfs/cfg && make_builder && make_policy)
printf 'listen: 127.0.0.1:0\ntls: {certificate: /cfg/tls.pem, key: /cfg/tls.key}\npolicies: {default: /cfg/policy.yaml}\n' \
  > rootfs/cfg/verifierd.yaml
chown -R 65532:65532 rootfs/cfg
# An empty environment, as a container's: nothing from this machine's (PATH, LD_*) helps it along.
chroot_bin=$(command -v chroot)
in_image() { env -i "$chroot_bin" --userspec=65532:65532 rootfs "$@"; }
out=$(in_image /usr/bin/verifierd --check-config /cfg/verifierd.yaml 2>&1) || fail "verifierd --check-config in the image: $out"
[[ $out == ok ]] || fail "verifierd --check-config in the image said: $out"
out=$(in_image /usr/bin/verifierd --version 2>&1) || fail "verifierd --version in the image: $out"
[[ $out == "verifierd $version" ]] || fail "verifierd --version in the image: $out"
rm rootfs/cfg/tls.pem
rc=0; in_image /usr/bin/verifierd --check-config /cfg/verifierd.yaml > /dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "verifierd --check-config without its certificate in the image: exit $rc"
rc=0; in_image /bin/sh -c true > /dev/null 2>&1 || rc=$?
[[ $rc == 127 ]] || fail "a shell ran in the image: exit $rc"

echo "== pushed to a registry on loopback (TLS), signed with signet sign --push"
registry_start || fail "docker-registry did not start"
IMAGE=$HOST/signet/verifierd
skopeo copy --dest-creds user:secret --dest-cert-dir certs -q "oci-archive:verifierd.tar:$version" "docker://$IMAGE:$version" 2> skopeo.err ||
  { cat skopeo.err >&2; fail "skopeo copy to the registry"; }
sk() { skopeo "$1" --creds user:secret --cert-dir certs "${@:2}"; }
[[ sha256:$(sk inspect --raw "docker://$IMAGE:$version" | sha256sum | cut -d' ' -f1) == "$digest" ]] ||
  fail "the registry serves another manifest for $version"
set -a; source "$FIX/softhsm/env"; set +a
TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="image-e2e-$$"
"$signet" key generate --token "$TOKEN" --label "$label" --type ecdsa-p256 > /dev/null || fail "key generate"
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$signet" key export --key "$KEY" --format pem > release.pub
make_builder
make_provenance prov "${digest#sha256:}"
make_policy
rc=0; "$signet" sign --key "$KEY" --policy policy.yaml --provenance prov.dsse.json --audit-log audit.log \
  --image "$IMAGE@$digest" --out signed --push --registry-config config.json --registry-ca ca.pem > sign.out 2> sign.err || rc=$?
[[ $rc == 0 ]] || { cat sign.out sign.err >&2; fail "signet sign --push: exit $rc"; }
sig_tag=sha256-${digest#sha256:}.sig
grep -q "pushed signature $IMAGE:$sig_tag" sign.err || fail "sign --push output: $(cat sign.err)"

echo "== skopeo, fetch-evidence and verify-image see it signed"
sk list-tags "docker://$IMAGE" | jq -e --arg t "$sig_tag" '.Tags | index($t)' > /dev/null || fail "skopeo lists no $sig_tag"
sk inspect --raw "docker://$IMAGE:$sig_tag" |
  jq -e --arg s "$(tr -d '\n' < signed/simplesigning.sig)" \
    '.layers[0].mediaType == "application/vnd.dev.cosign.simplesigning.v1+json" and .layers[0].annotations["dev.cosignproject.cosign/signature"] == $s' \
    > /dev/null || fail "the .sig manifest skopeo reads is not the signature signet made"
"$signet" fetch-evidence "$IMAGE@$digest" --out fetched --registry-config config.json --registry-ca ca.pem > fetch.out 2>&1 ||
  { cat fetch.out >&2; fail "fetch-evidence"; }
mkdir fromregistry
cp fetched/cosign-sig-0.json fromregistry/simplesigning.json
cp fetched/cosign-sig-0.sig fromregistry/simplesigning.sig
"$signet" verify-image --key release.pub --image "$IMAGE@$digest" --signature fromregistry > verify.out 2>&1 ||
  { cat verify.out >&2; fail "verify-image of the registry's signature"; }
# Negative: another key, and another image digest, are refused with exit 1.
openssl ecparam -name prime256v1 -genkey -noout 2> /dev/null | openssl pkey -pubout -out other.pub
rc=0; "$signet" verify-image --key other.pub --image "$IMAGE@$digest" --signature fromregistry > /dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "verify-image with another key: exit $rc"
rc=0; "$signet" verify-image --key release.pub --image "$IMAGE@sha256:$(printf '1%.0s' $(seq 64))" --signature fromregistry \
  > /dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "verify-image for another digest: exit $rc"
echo "image_e2e: ok ($IMAGE@$digest, signed)"
