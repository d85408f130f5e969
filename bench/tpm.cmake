# TPM attestation benchmarks: quotes/s on swtpm and evidence verifications/s (see tpm_quote.cc).
add_executable(bench_tpm_quote tpm_quote.cc)
target_link_libraries(bench_tpm_quote PRIVATE signet::tpm signet::attestation signet::core
                      benchmark::benchmark signet_options)
target_compile_definitions(bench_tpm_quote PRIVATE SIGNET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
