# Bundle verification throughput (issue 4): signet vs the OpenSSL crypto floor, and (through
# bench/verify_bundle.sh) vs sigstore-js @sigstore/verify installed from npm into a temp dir.
add_executable(bench_verify_bundle verify_bundle.cc)
target_link_libraries(bench_verify_bundle PRIVATE signet::attestation signet::core benchmark::benchmark signet_options)
target_compile_definitions(bench_verify_bundle PRIVATE SIGNET_SHARED_DIR="${SIGNET_SHARED_DIR}")
