#include "custody_test_util.h"

#include <openssl/pem.h>

#include <cstdlib>
#include <string_view>

namespace signet::custody::testing {
namespace {

std::string PemOf(EVP_PKEY* key, bool priv) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (priv) {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio.get(), key);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

std::string FreshPublicPem(const char* type, const char* param, std::string* private_pem) {
  ossl::UniquePtr<EVP_PKEY> key(std::string_view(type) == "RSA"
                                    ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(2048))
                                : param != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, param)
                                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  if (!key) std::abort();
  if (private_pem != nullptr) *private_pem = PemOf(key.get(), true);
  return PemOf(key.get(), false);
}

TestCustodian MakeCustodian(const std::string& name, const std::string& curve) {
  std::string priv;
  std::string pub = FreshPublicPem("EC", curve.c_str(), &priv);
  TestCustodian c{name, SecretBytes::FromString(priv), pub, nullptr};
  auto signer = NewPemApprovalSigner(c.private_pem);
  if (!signer.ok()) std::abort();
  c.signer = std::move(*signer);
  return c;
}

ossl::UniquePtr<EVP_PKEY> PrivateKey(const TestCustodian& c) {
  auto key = ParseCustodianPrivateKey(c.private_pem);
  if (!key.ok()) std::abort();
  return std::move(*key);
}

KeyringKey MakeKey(const std::string& label, const std::string& not_before, const std::string& not_after,
                   const std::string& status) {
  KeyringKey k;
  k.label = label;
  k.purpose = "release";
  k.algorithm = "ecdsa-p256";
  k.public_key = FreshPublicPem("EC", "P-256");
  auto pub = PublicKey::FromPem(k.public_key);
  if (!pub.ok()) std::abort();
  k.key_id = KeyId(*pub);
  k.token_uri = "pkcs11:token=release;object=" + label;
  k.backup = true;
  k.not_before = not_before;
  k.not_after = not_after;
  k.status = status;
  return k;
}

Keyring MakeKeyring(const std::vector<const TestCustodian*>& custodians, int threshold, std::vector<KeyringKey> keys) {
  Keyring k;
  k.ceremony = kCeremony;
  k.version = 1;
  k.threshold = threshold;
  for (const TestCustodian* c : custodians) k.custodians.push_back(c->AsKeyringCustodian());
  k.keys = std::move(keys);
  return k;
}

}  // namespace signet::custody::testing
