# RFC 7512 pkcs11: URI parser (hsm/uri.h).
signet_fuzz_target(pkcs11_uri DEPS signet::hsm)
