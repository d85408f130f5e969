// Helpers for the bundle-side attestation tests: shared vectors, keys, signing, mutations.
#ifndef SIGNET_TESTS_UNIT_ATTESTATION_BUNDLE_TEST_UTIL_H_
#define SIGNET_TESTS_UNIT_ATTESTATION_BUNDLE_TEST_UTIL_H_

#include <string>
#include <string_view>

#include "signet/core/public_key.h"
#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace signet::attestation::testutil {

// Shared reads a file under ../shared (SIGNET_SHARED_DIR); aborts the test binary if missing.
std::string Shared(const std::string& relative);
// ConformanceCase reads bundle-verify/<name>/<file>.
std::string Conformance(const std::string& name, const std::string& file = "bundle.sigstore.json");
// PublicGoodRoot returns the public-good trusted root JSON.
std::string PublicGoodRoot();

// NewKey generates "P-256", "P-384", "ED25519" or "RSA" (3072-bit) keys.
ossl::UniquePtr<EVP_PKEY> NewKey(const std::string& type);
// Public wraps the public half of `key`.
PublicKey Public(EVP_PKEY* key);
// Sign signs `msg` with the scheme a PublicKey of that type verifies.
Bytes Sign(EVP_PKEY* key, ByteView msg);

// Flip returns `b` with one bit flipped at `index` (from the end when negative).
Bytes Flip(Bytes b, long index = -1);

// JsonAt walks `doc` through object keys / array indices ("a.b.0.c") and returns the node.
JsonValue* JsonAt(JsonValue& doc, std::string_view path);

}  // namespace signet::attestation::testutil

#endif
