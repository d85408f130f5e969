# Fuzz targets of the bundle side of issue 4: DSSE envelope, in-toto statement, Sigstore bundle
# (with its Rekor bodies) and trusted-root parsers. Seeds come from ../shared (the conformance
# cases and the vectors) and are laid out at configure time in the BUILD tree, one directory per
# target (libFuzzer wants directories; nothing fetched is copied into the source tree), plus our
# own hand-written seeds in corpus/<name>.
set(signet_bundle_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/attestation_bundle)
file(GLOB signet_bundle_files
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/*/bundle.sigstore.json
  ${SIGNET_SHARED_DIR}/vectors/accept/*/*.sigstore.json
  ${SIGNET_SHARED_DIR}/vectors/reject/*/*.sigstore.json)
file(GLOB signet_root_files
  ${SIGNET_SHARED_DIR}/conformance/bundle-verify/*/trusted_root.json
  ${SIGNET_SHARED_DIR}/vectors/trust/*.json)
set(i 0)
foreach(b ${signet_bundle_files})
  math(EXPR i "${i} + 1")
  configure_file(${b} ${signet_bundle_seeds}/sigstore_bundle/${i}.json COPYONLY)
  # The DSSE envelope inside the bundle, when there is one, seeds the envelope parser.
  file(READ ${b} signet_bundle_text)
  string(JSON signet_env ERROR_VARIABLE signet_env_err GET "${signet_bundle_text}" dsseEnvelope)
  if(NOT signet_env_err)
    file(WRITE ${signet_bundle_seeds}/dsse_envelope/${i}.json "${signet_env}")
  endif()
endforeach()
foreach(f ${SIGNET_SHARED_DIR}/vectors/accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json
          ${SIGNET_SHARED_DIR}/vectors/reject/other/gcb-legacy-nonPAE-payloadtype-changed.json)
  if(EXISTS ${f})
    file(READ ${f} signet_gcb_text)
    string(JSON signet_env ERROR_VARIABLE signet_env_err GET "${signet_gcb_text}" provenance_summary provenance 0 envelope)
    if(NOT signet_env_err)
      get_filename_component(n ${f} NAME_WE)
      file(WRITE ${signet_bundle_seeds}/dsse_envelope/${n}.json "${signet_env}")
    endif()
  endif()
endforeach()
if(EXISTS ${SIGNET_SHARED_DIR}/vectors/accept/gha-container-generator-v2.1.0/dsse-layer.json)
  configure_file(${SIGNET_SHARED_DIR}/vectors/accept/gha-container-generator-v2.1.0/dsse-layer.json
                 ${signet_bundle_seeds}/dsse_envelope/container-layer.json COPYONLY)
endif()
set(i 0)
foreach(r ${signet_root_files})
  math(EXPR i "${i} + 1")
  configure_file(${r} ${signet_bundle_seeds}/trusted_root/${i}.json COPYONLY)
endforeach()
file(MAKE_DIRECTORY ${signet_bundle_seeds}/intoto_statement)

signet_fuzz_target(dsse_envelope DEPS signet::attestation signet::core SEEDS ${signet_bundle_seeds}/dsse_envelope)
signet_fuzz_target(intoto_statement DEPS signet::attestation signet::core SEEDS ${signet_bundle_seeds}/intoto_statement)
signet_fuzz_target(sigstore_bundle DEPS signet::attestation signet::core SEEDS ${signet_bundle_seeds}/sigstore_bundle)
signet_fuzz_target(trusted_root DEPS signet::attestation signet::core SEEDS ${signet_bundle_seeds}/trusted_root)
