# The timestamp authority's query parser and responder (issue 16 part 3). Seeds: TimeStampReqs
# made with `openssl ts -query` (SHA-256 with and without nonce/certReq, SHA-1, SHA-512) and junk.
signet_fuzz_target(tsa_query DEPS signet::tsa signet::core OpenSSL::Crypto)
target_include_directories(tsa_query_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/tsa)
