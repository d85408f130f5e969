// SoftEd25519Key: an fw::SigningKey over an in-memory Ed25519 key, for translog tests and tools
// that must not depend on a token (the kill loop, the Go peer check). Never used by a binary.
#ifndef SIGNET_TESTS_TRANSLOG_SOFT_ED25519_KEY_H_
#define SIGNET_TESTS_TRANSLOG_SOFT_ED25519_KEY_H_

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::testing {

class SoftEd25519Key final : public fw::SigningKey {
 public:
  // Generate makes a fresh key.
  static std::unique_ptr<SoftEd25519Key> Generate() {
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) return nullptr;
    return std::unique_ptr<SoftEd25519Key>(new SoftEd25519Key(ossl::UniquePtr<EVP_PKEY>(raw)));
  }
  // Load reads a PKCS#8 PEM Ed25519 private key file (openssl genpkey -algorithm ed25519).
  static std::unique_ptr<SoftEd25519Key> Load(const std::string& path) {
    auto pem = ReadFile(path, 16 * 1024);
    if (!pem.ok()) return nullptr;
    ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    ossl::UniquePtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
    return std::unique_ptr<SoftEd25519Key>(new SoftEd25519Key(std::move(key)));
  }

  SignatureAlgorithm algorithm() const override { return SignatureAlgorithm::kEd25519; }
  const Bytes& public_key_spki() const override { return spki_; }
  std::string key_id() const override { return "soft-ed25519"; }
  const fw::KeyAttributes& attributes() const override { return attrs_; }
  Result<Bytes> Sign(ByteView message) override {
    ++sign_calls;
    if (fail_signing) return Unavailable("the test key refuses to sign");
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    Bytes sig(64);
    size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "Ed25519 signing");
    }
    return sig;
  }

  int sign_calls = 0;
  bool fail_signing = false;

 private:
  explicit SoftEd25519Key(ossl::UniquePtr<EVP_PKEY> key) : key_(std::move(key)) {
    int len = i2d_PUBKEY(key_.get(), nullptr);
    spki_.resize(static_cast<size_t>(len));
    uint8_t* p = spki_.data();
    i2d_PUBKEY(key_.get(), &p);
  }
  ossl::UniquePtr<EVP_PKEY> key_;
  Bytes spki_;
  fw::KeyAttributes attrs_;
};

}  // namespace signet::testing

#endif  // SIGNET_TESTS_TRANSLOG_SOFT_ED25519_KEY_H_
