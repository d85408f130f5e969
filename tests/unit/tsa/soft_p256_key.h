// SoftP256Key: an fw::SigningKey over an in-memory ECDSA P-256 key, for TSA tests and the fuzz
// target. Never used by a binary.
#ifndef SIGNET_TESTS_TSA_SOFT_P256_KEY_H_
#define SIGNET_TESTS_TSA_SOFT_P256_KEY_H_

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "signet/core/ossl.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::testing {

class SoftP256Key final : public fw::SigningKey {
 public:
  static std::unique_ptr<SoftP256Key> Generate() {
    ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key) return nullptr;
    return std::unique_ptr<SoftP256Key>(new SoftP256Key(std::move(key)));
  }
  SignatureAlgorithm algorithm() const override { return SignatureAlgorithm::kEcdsaP256Sha256; }
  const Bytes& public_key_spki() const override { return spki_; }
  std::string key_id() const override { return "soft-p256"; }
  const fw::KeyAttributes& attributes() const override { return attrs_; }
  Result<Bytes> Sign(ByteView message) override {
    if (fail_signing) return Unavailable("the test key refuses to sign");
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    Bytes sig(80);
    size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "ECDSA signing");
    }
    sig.resize(len);
    if (corrupt_signatures) sig[sig.size() - 1] ^= 1;
    return sig;
  }

  bool fail_signing = false;
  bool corrupt_signatures = false;

 private:
  explicit SoftP256Key(ossl::UniquePtr<EVP_PKEY> key) : key_(std::move(key)) {
    auto der = ossl::PublicKeyToDer(key_.get());
    if (der.ok()) spki_ = *der;
  }
  ossl::UniquePtr<EVP_PKEY> key_;
  Bytes spki_;
  fw::KeyAttributes attrs_;
};

}  // namespace signet::testing

#endif  // SIGNET_TESTS_TSA_SOFT_P256_KEY_H_
