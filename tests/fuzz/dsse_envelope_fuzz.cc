// Fuzzes the strict DSSE envelope parser and PAE, and signature verification over the result.
#include <cstddef>
#include <cstdint>

#include "signet/attestation/dsse.h"
#include "signet/core/ossl.h"

namespace {
signet::attestation::TrustedKey* FixedKey() {
  static signet::attestation::TrustedKey* key = [] {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    auto pk = signet::PublicKey::FromEvp(k);
    EVP_PKEY_free(k);
    return new signet::attestation::TrustedKey{"fuzz", *pk};
  }();
  return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto env = signet::attestation::ParseDsseEnvelope(text);
  if (!env.ok()) return 0;
  signet::Bytes pae = signet::attestation::Pae(env->payload_type, env->payload);
  if (pae.size() < env->payload.size()) __builtin_trap();
  // No fuzzer-made signature can verify with a key generated here.
  if (signet::attestation::VerifyEnvelope(*env, {*FixedKey()}, 1).ok()) __builtin_trap();
  return 0;
}
