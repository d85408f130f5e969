# Fuzz targets of the transparency and time primitives (issue 4): the signed-note checkpoint
# verifier and the RFC 3161 response/token verifier. Seeds: the sigstore-conformance bundles
# (each harness extracts the checkpoints / timestamps from a bundle JSON) plus the hand-made
# seeds in corpus/<name>. libFuzzer takes only directories next to each other, so the bundles
# are copied (in the build tree, never the source tree) into one seed directory per case name.
set(signet_primitives_seed_dir ${CMAKE_CURRENT_BINARY_DIR}/seeds/attestation_primitives)
file(GLOB signet_primitives_bundles
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/*checkpoint*/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/rekor2-*/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/intoto-with-custom-trust-root/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/trust-root-tsa-validity-end-inclusive/bundle.sigstore.json)
foreach(b ${signet_primitives_bundles})
  get_filename_component(case_dir ${b} DIRECTORY)
  get_filename_component(case_name ${case_dir} NAME)
  configure_file(${b} ${signet_primitives_seed_dir}/${case_name}.json COPYONLY)
endforeach()
signet_fuzz_target(checkpoint DEPS signet::attestation signet::core SEEDS ${signet_primitives_seed_dir})
signet_fuzz_target(rfc3161 DEPS signet::attestation signet::core SEEDS ${signet_primitives_seed_dir})
# The SCT list parser and the precertificate rebuild, reached directly (not behind a chain).
# Seeds: hand-made lists and a leaf carrying one, made here with the openssl CLI.
signet_fuzz_target(sct DEPS signet::attestation signet::core)
