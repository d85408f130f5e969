# shellcheck shell=bash
# A real OCI registry on loopback for the registry tests and the demo (sourced, not run): Debian's
# docker-registry (distribution 2.8) with TLS and htpasswd auth, and OCI layouts that skopeo
# pushes. Needs scripts/lib/daemon.sh (tls_ca, tls_cert) sourced first, and docker-registry,
# skopeo and htpasswd (scripts/setup installs them).

# registry_up DIR USER PASSWORD: in DIR (created), a CA (ca.pem), a server certificate for
# 127.0.0.1, an htpasswd file, the registry's config.yml, a docker config.json with USER's
# credentials and certs/ca.crt (skopeo's --cert-dir); then starts docker-registry on a free
# loopback port and waits until /v2/ answers. Sets REG_PID (the caller stops it by PID) and
# REG_HOST (127.0.0.1:PORT). Returns 1, with the registry's log on stderr, if it does not start.
registry_up() {
  local dir=$1 user=$2 password=$3 port
  mkdir -p "$dir/certs" "$dir/data"
  (cd "$dir" && tls_ca ca && tls_cert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1") || return 1
  cp "$dir/ca.pem" "$dir/certs/ca.crt"
  htpasswd -Bbc "$dir/htpasswd" "$user" "$password" 2> /dev/null || return 1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  REG_HOST=127.0.0.1:$port
  cat > "$dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: "$REG_HOST", tls: {certificate: $dir/server.pem, key: $dir/server.key}}
auth: {htpasswd: {realm: signet, path: $dir/htpasswd}}
EOF
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG_HOST" "$(printf '%s:%s' "$user" "$password" | base64 -w0)" > "$dir/config.json"
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 100); do
    curl -s --cacert "$dir/ca.pem" -o /dev/null "https://$REG_HOST/v2/" && return 0
    kill -0 "$REG_PID" 2> /dev/null || break
    sleep 0.1
  done
  echo "docker-registry did not start:" >&2
  cat "$dir/registry.log" >&2
  return 1
}

# oci_blob LAYOUT FILE: stores FILE as a blob of the OCI layout LAYOUT and prints
# "sha256:<hex> <size>".
oci_blob() {
  local d
  d=$(sha256sum "$2" | cut -d' ' -f1)
  cp "$2" "$1/blobs/sha256/$d"
  echo "sha256:$d $(stat -c %s "$2")"
}

# oci_layout DIR TAG LABEL ARCH...: an OCI image layout DIR/layout whose tag TAG names an image
# index with one image per ARCH (linux/ARCH; each one gzip layer holding a file that says LABEL
# and ARCH, built reproducibly), or, with a single ARCH given as "single:ARCH", a plain image
# manifest. Scratch files go to DIR. Sets OCI_DIGEST and OCI_SIZE (the tagged manifest's).
oci_layout() {
  local dir=$1 tag=$2 label=$3 arch children="" ld ls cd cs md ms diffid single=""
  shift 3
  if [[ $# == 1 && $1 == single:* ]]; then single=1; set -- "${1#single:}"; fi
  mkdir -p "$dir/layout/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/layout/oci-layout"
  for arch in "$@"; do
    mkdir -p "$dir/rootfs-$arch" && echo "$label on $arch" > "$dir/rootfs-$arch/hello"
    tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$dir/rootfs-$arch" -cf - . | gzip -n > "$dir/layer-$arch.tgz"
    read -r ld ls < <(oci_blob "$dir/layout" "$dir/layer-$arch.tgz")
    diffid=sha256:$(gzip -dc "$dir/layer-$arch.tgz" | sha256sum | cut -d' ' -f1)
    printf '{"architecture":"%s","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' "$arch" "$diffid" > "$dir/config-$arch.json"
    read -r cd cs < <(oci_blob "$dir/layout" "$dir/config-$arch.json")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
      "$cd" "$cs" "$ld" "$ls" > "$dir/manifest-$arch.json"
    read -r md ms < <(oci_blob "$dir/layout" "$dir/manifest-$arch.json")
    children+="${children:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$md\",\"size\":$ms,\"platform\":{\"os\":\"linux\",\"architecture\":\"$arch\"}}"
  done
  local media=application/vnd.oci.image.index.v1+json
  if [[ -n $single ]]; then
    media=application/vnd.oci.image.manifest.v1+json
    OCI_DIGEST=$md OCI_SIZE=$ms
  else
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$children" > "$dir/index.json"
    read -r OCI_DIGEST OCI_SIZE < <(oci_blob "$dir/layout" "$dir/index.json")
  fi
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$media" "$OCI_DIGEST" "$OCI_SIZE" "$tag" > "$dir/layout/index.json"
}

# registry_push DIR TAG USER PASSWORD CERT_DIR REF: skopeo copies the layout DIR/layout:TAG (every
# platform) to docker://REF. Prints skopeo's error and returns 1 on failure.
registry_push() {
  skopeo copy --all --dest-creds "$3:$4" --dest-cert-dir "$5" -q "oci:$1/layout:$2" "docker://$6" 2> "$1/skopeo.err" ||
    { cat "$1/skopeo.err" >&2; return 1; }
}

# registry_start: registry_up in the current directory for user:secret, and HOST=REG_HOST. On
# failure the registry (if it runs) is stopped.
registry_start() {
  registry_up "$PWD" user secret || { [[ -n ${REG_PID:-} ]] && { kill "$REG_PID" 2> /dev/null; wait "$REG_PID" 2> /dev/null; }; return 1; }
  HOST=$REG_HOST
}
