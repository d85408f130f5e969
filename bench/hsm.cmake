# bench/hsm_sign: session-pool signing rate vs a raw PKCS#11 loop on a throw-away SoftHSM2 token.
add_executable(hsm_sign ${CMAKE_CURRENT_SOURCE_DIR}/hsm_sign.cc)
target_link_libraries(hsm_sign PRIVATE signet::hsm signet_options)
