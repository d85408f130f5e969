# An on-prem builder and its gate policy, for the demo and the signing tests (sourced). Needs W
# (work dir) and SRC (source dir).
# make_builder: an on-prem builder key pair played by the openssl CLI (W/builder.key, .pub).
make_builder() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$W/builder.key" 2>/dev/null
  openssl pkey -in "$W/builder.key" -pubout -out "$W/builder.pub"
}
# make_provenance NAME DIGEST: W/NAME.dsse.json, SLSA v1 provenance for IMAGE@sha256:DIGEST.
make_provenance() {
  printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://build.example.internal/buildtypes/container/v1","externalParameters":{"source":"git+https://git.example.internal/acme/api@refs/tags/v1.2.3"},"resolvedDependencies":[{"uri":"git+https://git.example.internal/acme/api@refs/tags/v1.2.3","digest":{"gitCommit":"4d329c75e7ec1725f7c9ce917a8799d408d06be3"}}]},"runDetails":{"builder":{"id":"https://build.example.internal/builder/v1"},"metadata":{"invocationId":"run-1"}}}}' \
    "$IMAGE" "$2" > "$W/$1.json"
  "$SRC/scripts/lib/dsse-sign" application/vnd.in-toto+json "$W/$1.json" "$W/builder.key" > "$W/$1.dsse.json"
}
# make_sbom NAME DIGEST: W/NAME.dsse.json, a CycloneDX SBOM attestation about IMAGE@sha256:DIGEST.
make_sbom() {
  printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s","digest":{"sha256":"%s"}}],"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}}' \
    "$IMAGE" "$2" > "$W/$1.json"
  "$SRC/scripts/lib/dsse-sign" application/vnd.in-toto+json "$W/$1.json" "$W/builder.key" > "$W/$1.dsse.json"
}
# make_policy [require-sbom]: W/policy.yaml approving the builder (and requiring an SBOM).
make_policy() {
  cat > "$W/policy.yaml" <<EOT
version: 1
builders:
  - name: onprem-builder
    keys: [builder.pub]
    threshold: 1
    builder_ids: ["https://build.example.internal/builder/v1"]
    build_types: ["https://build.example.internal/buildtypes/container/v1"]
sources:
  - repo: https://git.example.internal/acme/api
    refs: ["refs/tags/v*"]
verified_levels: [SLSA_BUILD_LEVEL_2]
EOT
  if [[ ${1:-} == require-sbom ]]; then
    printf 'require:\n  - predicate_type: https://cyclonedx.org/bom\n    signed_by: [onprem-builder]\n' >> "$W/policy.yaml"
  fi
}
IMAGE=registry.example.internal/acme/api
