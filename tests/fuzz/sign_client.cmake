# `signet sign --signerd`: the client's reading of a signerd response (issue 15 part 4).
signet_fuzz_target(sign_client_response DEPS signet::ops)
target_include_directories(sign_client_response_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/ops/src)
