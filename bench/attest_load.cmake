# attest_load (issue 14): concurrent attestation clients that verify every answer; driven by
# bench/attest_load against verifierd on the swtpm.
add_executable(attest_load_driver attest_load_driver.cc)
target_link_libraries(attest_load_driver PRIVATE signet::attestation signet::service signet::core signet_options
  Threads::Threads OpenSSL::Crypto)
