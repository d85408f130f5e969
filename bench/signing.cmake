# bench/sign_e2e: gate + sign + audit log per second vs the raw DSSE-verify and C_Sign costs.
add_executable(sign_e2e ${CMAKE_CURRENT_SOURCE_DIR}/sign_e2e.cc)
target_link_libraries(sign_e2e PRIVATE signet::signer signet::hsm signet_options)
# bench/signerd_load: the HTTP driver (mTLS keep-alive clients on service::HttpsClient) the script
# runs against signerd; sign_e2e above gives the floor and the in-process rate of the same run.
if(EXISTS ${PROJECT_SOURCE_DIR}/service/src/client.cc)
  add_executable(signerd_load_client ${CMAKE_CURRENT_SOURCE_DIR}/signerd_load_client.cc)
  target_link_libraries(signerd_load_client PRIVATE signet::service signet_options Threads::Threads)
endif()
