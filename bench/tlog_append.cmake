# bench/tlog_append: the tile-based transparency log with a SoftHSM2 Ed25519 checkpoint key, beside
# hashing and fsync baselines (issue 16).
add_executable(tlog_append ${CMAKE_CURRENT_SOURCE_DIR}/tlog_append.cc)
target_link_libraries(tlog_append PRIVATE signet::translog signet::hsm OpenSSL::Crypto signet_options)
