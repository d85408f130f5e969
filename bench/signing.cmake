# bench/sign_e2e: gate + sign + audit log per second vs the raw DSSE-verify and C_Sign costs.
add_executable(sign_e2e ${CMAKE_CURRENT_SOURCE_DIR}/sign_e2e.cc)
target_link_libraries(sign_e2e PRIVATE signet::signer signet::hsm signet_options)
