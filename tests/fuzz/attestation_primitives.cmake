# Fuzz targets of the transparency and time primitives (issue 4): the signed-note checkpoint
# verifier and the RFC 3161 response/token verifier. Seeds: the sigstore-conformance bundles
# (each harness extracts the checkpoints / timestamps from a bundle JSON) plus hand-made seeds.
file(GLOB signet_primitives_bundle_seeds
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/*checkpoint*/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/rekor2-*/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/intoto-with-custom-trust-root/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/trust-root-tsa-validity-end-inclusive/bundle.sigstore.json)
signet_fuzz_target(checkpoint DEPS signet::attestation signet::core SEEDS ${signet_primitives_bundle_seeds})
signet_fuzz_target(rfc3161 DEPS signet::attestation signet::core SEEDS ${signet_primitives_bundle_seeds})
